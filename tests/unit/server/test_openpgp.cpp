// Tests of OpenPGP certification (docs/protocol.md §5.5): GPGME certifier, packet trim and armour.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/gpgme_guard.hpp"
#include "gpg/openpgp_certifier.hpp"
#include "gpg/openpgp_packets.hpp"
#include "gpg/private_home.hpp"
#include "issuance_test_support.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file

namespace {

const GpgmeGuard& gpgme_guard() {
    static const GpgmeGuard guard;
    return guard;
}

// Runs a shell command (tests may shell out to gpg; the product never does) and returns stdout.
std::string run(const std::string& cmd) {
    std::unique_ptr<FILE, decltype(&::pclose)> pipe{::popen(cmd.c_str(), "r"), &::pclose};
    BOOST_REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (const size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get())) {
        out.append(buf.data(), n);
    }
    return out;
}

std::string slurp(const fs::path& p) {
    const auto bytes = test::read_file(p);
    return std::string{bytes.begin(), bytes.end()};
}

fs::path fixture(const std::string& name) {
    return test::source_dir() / "tests/data/openpgp" / name;
}

// A short folder under /tmp, or `parent` (gpg-agent's socket path must fit in sun_path); its
// agents are stopped and the folder removed at the end.
class TempDir final {
public:
    explicit TempDir(const std::string& parent = "/tmp") {
        std::string tmpl = parent + "/cass-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        m_path = tmpl;
    }

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    ~TempDir() {
        for (const auto& home : m_homes) {
            const std::string cmd =
                "gpgconf --homedir '" + home.string() + "' --kill all 2>/dev/null";
            if (std::system(cmd.c_str()) != 0) {
                BOOST_TEST_MESSAGE("gpgconf --kill failed for " << home);
            }
        }
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }

    [[nodiscard]] const fs::path& path() const { return m_path; }

    /** A GnuPG home below this folder whose agent the destructor stops. */
    fs::path home(const std::string& name) {
        m_homes.push_back(m_path / name);
        return m_homes.back();
    }

private:
    fs::path m_path;
    std::vector<fs::path> m_homes;
};

struct Fixture {
    Fixture() {
        (void)gpgme_guard();
        const std::string cmd = "bash '" +
                                (test::source_dir() / "keys/make-test-openpgp").string() + "' '" +
                                tmp.path().string() + "/k' >/dev/null 2>&1";
        BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
        secret = test::read_file(tmp.path() / "k/pki/openpgp/certifier.key");
        certifier.emplace(OpenPgpCertifier::open(base.path(), secret));
        profile = load_profile(test::profiles_dir() / "openpgp.conf");
    }

    [[nodiscard]] ProofLine proof(const std::string& address, std::chrono::seconds age) const {
        const auto line = parse_proof_line(format_utc(now - age) + ",emails,17,address=" + address);
        BOOST_REQUIRE(line.ok());
        return line.value();
    }

    Refusable<CertifiedKey> certify(const std::string& fixture_name,
                                    const std::vector<ProofLine>& proofs,
                                    const std::optional<WishTo>& wish = std::nullopt) {
        return certifier->certify(slurp(fixture(fixture_name)), proofs, profile, wish, now, log);
    }

    /** `gpg --check-sigs` of `armoured` in a fresh home that also knows the certifier. */
    std::string check_sigs(const std::string& armoured, const std::string& fpr) {
        const fs::path h = tmp.home("verify" + std::to_string(++m_verify));
        fs::create_directories(h);
        fs::permissions(h, fs::perms::owner_all, fs::perm_options::replace);
        const fs::path key = tmp.path() / "returned.asc";
        std::ofstream(key) << armoured;
        const std::string g = "gpg --homedir '" + h.string() + "' --batch --no-tty ";
        BOOST_REQUIRE(
            std::system((g + "--import '" + (tmp.path() / "k/pki/openpgp/certifier.asc").string() +
                         "' '" + key.string() + "' 2>/dev/null")
                            .c_str()) == 0);
        return run(g + "--with-colons --check-sigs " + fpr + " 2>/dev/null");
    }

    [[nodiscard]] std::string certifier_keyid() const {
        return certifier->fingerprint().substr(certifier->fingerprint().size() - 16);
    }

    [[nodiscard]] bool home_holds_only_certifier() const {
        const auto keys = certifier->list_keys_for_test();
        return keys.size() == 1 && keys.front() == certifier->fingerprint();
    }

    TempDir tmp;
    TempDir base{"/dev/shm"};  // the certifier's private homes go below it (tmpfs)
    std::vector<uint8_t> secret;
    std::optional<OpenPgpCertifier> certifier;
    Profile profile;
    SysSeconds now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    std::vector<std::string> log;
    int m_verify = 0;
};

/** Per user ID of a `--with-colons --check-sigs` listing: the good signatures' key ids. */
std::vector<std::pair<std::string, std::vector<std::string>>> good_sigs_by_uid(
    const std::string& colons) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    std::istringstream in(colons);
    std::string line;
    bool in_uid = false;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream fs_(line);
        std::string field;
        while (std::getline(fs_, field, ':')) {
            f.push_back(field);
        }
        if (f.empty()) {
            continue;
        }
        if (f[0] == "uid" && f.size() > 9) {
            out.emplace_back(f[9], std::vector<std::string>{});
            in_uid = true;
        } else if (f[0] == "sub" || f[0] == "pub") {
            in_uid = false;
        } else if (f[0] == "sig" && in_uid && f.size() > 4 && f[1] == "!") {
            out.back().second.push_back(f[4]);
        }
    }
    return out;
}

/** The entries of `folder`, sorted; none when it is missing. */
std::vector<fs::path> entries_of(const fs::path& folder) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

/** The pids of the processes whose command line names `path` (gpg-agent --homedir HOME). */
std::vector<std::string> processes_naming(const fs::path& path) {
    std::vector<std::string> pids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        std::ifstream in(e.path() / "cmdline", std::ios::binary);
        const std::string cmdline{std::istreambuf_iterator<char>(in), {}};
        if (cmdline.find(path.string()) != std::string::npos) {
            pids.push_back(e.path().filename().string());
        }
    }
    return pids;
}

/** True once no process names `path`, polling for up to 5 s (an agent exits asynchronously). */
bool wait_until_no_process_names(const fs::path& path) {
    for (int i = 0; i < 250; ++i) {
        if (processes_naming(path).empty()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(OpenPgpCertifierTests)

BOOST_FIXTURE_TEST_CASE(certifies_only_the_proven_user_id, Fixture) {
    const auto r = certify("alice.asc", {proof("alice@example.org", std::chrono::hours{24})});
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().payload()));
    BOOST_TEST(r->certified_uids == std::vector<std::string>{"Alice Example <alice@example.org>"},
               boost::test_tools::per_element());
    BOOST_TEST(r->certifier == "Cassiopeia Test Certifier <certifier@cassiopeia.test>");
    BOOST_TEST(r->certifier_fingerprint == certifier->fingerprint());
    BOOST_TEST(r->armoured.rfind("-----BEGIN PGP PUBLIC KEY BLOCK-----\n", 0) == 0U);
    // Full cap (365 d) counted inclusively.
    BOOST_TEST((r->expiry == now + std::chrono::days{365} - std::chrono::seconds{1}));

    const std::string colons = check_sigs(r->armoured, r->fingerprint);
    BOOST_TEST(colons.find("\nsub:") == std::string::npos);  // subkeys are not returned
    // The certification carries the expiry (field 7 of its sig line), give or take gpg's clock.
    const size_t at = colons.find("sig:!::");
    bool expiry_seen = false;
    for (size_t pos = at; pos != std::string::npos; pos = colons.find("\nsig:!::", pos + 1)) {
        std::istringstream line(colons.substr(pos + (colons[pos] == '\n' ? 1 : 0)));
        std::vector<std::string> f;
        std::string field;
        for (int i = 0; i < 7 && std::getline(line, field, ':'); ++i) {
            f.push_back(field);
        }
        if (f.size() == 7 && f[4] == certifier_keyid()) {
            const long long want = r->expiry.time_since_epoch().count();
            expiry_seen = std::llabs(std::stoll(f[6]) - want) <= 5;
        }
    }
    BOOST_TEST(expiry_seen);
    const auto by_uid = good_sigs_by_uid(colons);
    BOOST_REQUIRE(by_uid.size() == 1U);  // the unproven user ID is not returned
    BOOST_TEST(by_uid[0].first == "Alice Example <alice@example.org>");
    const auto& sigs = by_uid[0].second;
    const std::string self = r->fingerprint.substr(r->fingerprint.size() - 16);
    const std::string bob = slurp(fixture("alice-third-party-certifier.fpr")).substr(24, 16);
    BOOST_TEST(std::count(sigs.begin(), sigs.end(), certifier_keyid()) == 1);
    BOOST_TEST(std::count(sigs.begin(), sigs.end(), self) >= 1);
    BOOST_TEST(std::count(sigs.begin(), sigs.end(), bob) == 0);  // third-party cert dropped
    BOOST_TEST(sigs.size() == 2U);
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(certifies_both_user_ids_when_both_are_proven, Fixture) {
    const auto r = certify("alice.asc",
                           {proof("alice@example.org", std::chrono::hours{1}),
                            proof("ALICE@OTHER.EXAMPLE", std::chrono::hours{1})},
                           WishTo{Period{30, Period::Unit::days}, std::nullopt});
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().payload()));
    BOOST_TEST(r->certified_uids.size() == 1U);  // local part is compared exactly
    const auto r2 = certify("alice.asc",
                            {proof("alice@example.org", std::chrono::hours{1}),
                             proof("alice@OTHER.example", std::chrono::hours{1})},
                            WishTo{Period{30, Period::Unit::days}, std::nullopt});
    BOOST_REQUIRE(r2.ok());
    BOOST_TEST(r2->certified_uids.size() == 2U);
    BOOST_TEST((r2->expiry == now + std::chrono::days{30} - std::chrono::seconds{1}));
    const auto by_uid = good_sigs_by_uid(check_sigs(r2->armoured, r2->fingerprint));
    BOOST_REQUIRE(by_uid.size() == 2U);
    for (const auto& [uid, sigs] : by_uid) {
        BOOST_TEST(std::count(sigs.begin(), sigs.end(), certifier_keyid()) == 1, uid);
    }
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(certifies_an_rsa3072_key, Fixture) {
    const auto r = certify("rsa3072.asc", {proof("carol@example.org", std::chrono::hours{1})});
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().payload()));
    BOOST_TEST(r->certified_uids.size() == 1U);
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(refuses_bad_keys_with_pgp_key, Fixture) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"expired.asc", "old@example.org"},
        {"revoked.asc", "gone@example.org"},
        {"rsa1024.asc", "weak@example.org"},
        {"two-keys.asc", "alice@example.org"},
    };
    for (const auto& [file, address] : cases) {
        const auto r = certify(file, {proof(address, std::chrono::hours{1})});
        BOOST_TEST(!r.ok(), file);
        if (!r.ok()) {
            BOOST_TEST(r.error().code == cassiopeia::server::ErrorCode::pgp_key,
                       file << ": " << r.error().payload());
        }
        BOOST_TEST(home_holds_only_certifier(), file);
    }
}

BOOST_FIXTURE_TEST_CASE(refuses_non_keys_with_pgp_key, Fixture) {
    const std::vector<std::string> inputs = {
        "",
        "not a key",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
        test::csr_text_fixture("rsa2048.pem"),
    };
    for (const auto& in : inputs) {
        const auto r = certifier->certify(in, {}, profile, std::nullopt, now, log);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().code == cassiopeia::server::ErrorCode::pgp_key);
    }
    // A binary (unarmoured) key is refused too.
    const auto bin = run("gpg --dearmor < '" + fixture("alice.asc").string() + "'");
    BOOST_TEST(certifier->certify(bin, {}, profile, std::nullopt, now, log).error().code ==
               cassiopeia::server::ErrorCode::pgp_key);
    // The certifier's own public key.
    const auto own = slurp(tmp.path() / "k/pki/openpgp/certifier.asc");
    const auto r = certifier->certify(own,
                                      {proof("certifier@cassiopeia.test", std::chrono::hours{1})},
                                      profile,
                                      std::nullopt,
                                      now,
                                      log);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().code == cassiopeia::server::ErrorCode::pgp_key);
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(refuses_unproven_keys_with_proof_codes, Fixture) {
    BOOST_TEST(
        certify("noemail.asc", {proof("alice@example.org", std::chrono::hours{1})}).error().code ==
        cassiopeia::server::ErrorCode::proof_missing);
    BOOST_TEST(certify("alice.asc", {}).error().code ==
               cassiopeia::server::ErrorCode::proof_missing);
    BOOST_TEST(
        certify("alice.asc", {proof("bob@example.org", std::chrono::hours{1})}).error().code ==
        cassiopeia::server::ErrorCode::proof_missing);
    BOOST_TEST(
        certify("alice.asc", {proof("alice@example.org", std::chrono::days{31})}).error().code ==
        cassiopeia::server::ErrorCode::proof_stale);
    BOOST_TEST(certify("alice.asc", {proof("alice@example.org", -std::chrono::seconds{301})})
                   .error()
                   .code == cassiopeia::server::ErrorCode::proof_future);
    // One fresh proof is enough even when the other user ID's proof is stale.
    const auto r = certify("alice.asc",
                           {proof("alice@example.org", std::chrono::days{31}),
                            proof("alice@other.example", std::chrono::days{29})});
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->certified_uids == std::vector<std::string>{"Alice Other <alice@other.example>"},
               boost::test_tools::per_element());
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(refuses_an_expiry_past_the_cap, Fixture) {
    const auto r = certify("alice.asc",
                           {proof("alice@example.org", std::chrono::hours{1})},
                           WishTo{Period{366, Period::Unit::days}, std::nullopt});
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().code == cassiopeia::server::ErrorCode::validity_cap);
    BOOST_TEST(home_holds_only_certifier());
}

BOOST_FIXTURE_TEST_CASE(secret_key_lives_only_in_the_private_home_and_goes_with_it, Fixture) {
    const fs::path home = certifier->home();
    // One private folder below the base, on tmpfs, 0700, holding the secret key.
    BOOST_TEST((entries_of(base.path()) == std::vector<fs::path>{home}));
    BOOST_TEST(home.filename().string().rfind("cassiopeia-gnupg-", 0) == 0U);
    BOOST_TEST(gpg::on_memory_filesystem(home));
    BOOST_TEST(((fs::status(home).permissions() & fs::perms::all) == fs::perms::owner_all));
    BOOST_TEST(!entries_of(home / "private-keys-v1.d").empty());
    BOOST_TEST(run("gpg --homedir '" + home.string() + "' --batch --with-colons -K 2>/dev/null")
                   .find(certifier->fingerprint()) != std::string::npos);
    // Certifying starts the home's gpg-agent, which holds the key too.
    BOOST_REQUIRE(certify("alice.asc", {proof("alice@example.org", std::chrono::hours(1))}).ok());
    BOOST_REQUIRE(!processes_naming(home).empty());

    certifier.reset();
    BOOST_TEST(!fs::exists(home));
    BOOST_TEST(entries_of(base.path()).empty());
    BOOST_TEST(wait_until_no_process_names(home), "a gpg-agent of the home outlived it");
}

BOOST_FIXTURE_TEST_CASE(each_certifier_has_a_home_of_its_own, Fixture) {
    auto second = OpenPgpCertifier::open(base.path(), secret);
    BOOST_TEST(second.home() != certifier->home());
    BOOST_TEST(second.fingerprint() == certifier->fingerprint());
    BOOST_TEST(entries_of(base.path()).size() == 2U);
    // A moved certifier keeps its home; the one moved from owns none.
    const fs::path home = second.home();
    auto moved = std::move(second);
    BOOST_TEST(moved.home() == home);
    BOOST_TEST(fs::exists(home));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_home_base_that_is_not_in_memory, Fixture) {
    TempDir disk{CASS_BINARY_DIR};
    if (gpg::on_memory_filesystem(disk.path())) {
        BOOST_TEST_MESSAGE("the build folder is on tmpfs: nothing to refuse here");
        return;
    }
    try {
        (void)OpenPgpCertifier::open(disk.path(), secret);
        BOOST_FAIL("a certifier opened its home on disk");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST((e.kind() == cassiopeia::ErrorKind::config));
    }
    BOOST_TEST(entries_of(disk.path()).empty());
}

BOOST_AUTO_TEST_CASE(rejects_a_secret_key_file_without_a_secret_key) {
    (void)gpgme_guard();
    TempDir base{"/dev/shm"};
    const auto pub = test::read_file(fixture("alice.asc"));
    BOOST_CHECK_THROW((void)OpenPgpCertifier::open(base.path(), pub), cassiopeia::Error);
    BOOST_TEST(entries_of(base.path()).empty());  // the home went with the failed open
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(OpenPgpPackets)

BOOST_AUTO_TEST_CASE(user_id_address_takes_the_trailing_angle_brackets) {
    BOOST_TEST(user_id_address("Alice <alice@example.org>").value() == "alice@example.org");
    BOOST_TEST(user_id_address("J\xC3\xBCrgen <j@example.org>").value() == "j@example.org");
    BOOST_TEST(!user_id_address("alice@example.org"));
    BOOST_TEST(!user_id_address("Alice <alice@example.org> x"));
    BOOST_TEST(!user_id_address("Alice <>"));
    BOOST_TEST(!user_id_address("Alice <no-at-sign>"));
    BOOST_TEST(!user_id_address(""));
}

BOOST_AUTO_TEST_CASE(user_id_address_refuses_what_readers_could_read_otherwise) {
    // GnuPG reads the first mailbox: a proof for the last one must never certify the first.
    for (const std::string& bad :
         {std::string("<ceo@victim.org> <mallory@attacker.example>"),
          std::string("A <b> <alice@example.org>"),
          std::string("Alice <alice@example.org>>"),
          std::string("Alice\n <alice@example.org>"),
          std::string("Alice\r<alice@example.org>"),
          std::string("Alice\t<alice@example.org>"),
          std::string("Alice\x7F <alice@example.org>"),
          std::string("Alice \xC2\x85 <alice@example.org>"),  // U+0085, a C1 line break
          std::string("Alice \xFF <alice@example.org>"),
          std::string("Alice \xC0\xBC <alice@example.org>"),      // overlong '<'
          std::string("Alice \xED\xA0\x80 <alice@example.org>"),  // a UTF-16 surrogate
          std::string("Alice \xE2\x82 <alice@example.org>"),      // truncated sequence
          std::string("Alice <alice@example.org\0>", 27)}) {
        BOOST_TEST(!user_id_address(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(crc24_matches_rfc4880) {
    BOOST_TEST(pgp::crc24({}) == 0xB704CEU);
    const std::string abc = "123456789";
    // CRC-24/OPENPGP check value.
    BOOST_TEST(pgp::crc24({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()}) == 0x21CF02U);
}

BOOST_AUTO_TEST_CASE(armour_round_trips_through_gpg) {
    const auto bin = run("gpg --dearmor < '" + fixture("alice.asc").string() + "'");
    const std::span<const uint8_t> bytes{reinterpret_cast<const uint8_t*>(bin.data()), bin.size()};
    const std::string armoured = pgp::armour_public_key(bytes);
    TempDir tmp;
    const fs::path f = tmp.path() / "a.asc";
    std::ofstream(f) << armoured;
    BOOST_TEST(run("gpg --dearmor < '" + f.string() + "'") == bin);
}

BOOST_AUTO_TEST_CASE(split_and_trim_refuse_truncated_or_odd_input) {
    const auto bin = run("gpg --dearmor < '" + fixture("alice.asc").string() + "'");
    const std::span<const uint8_t> bytes{reinterpret_cast<const uint8_t*>(bin.data()), bin.size()};
    const auto packets = pgp::split_packets(bytes);
    BOOST_REQUIRE(packets.has_value());
    BOOST_TEST(packets->front().tag == pgp::tag::public_key);
    // Cut inside the first packet at every offset: never a packet list.
    for (size_t n = 1; n < packets->front().whole.size(); ++n) {
        BOOST_TEST(!pgp::split_packets(bytes.first(n)), n);
    }
    // Trim keeps the primary key only when no user ID is wanted.
    const auto none = pgp::trim_keyblock(bytes, {});
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST(none->size() == packets->front().whole.size());
    // A header without the top bit, a partial length, and an indeterminate old-format length.
    const std::array<uint8_t, 2> no_top{0x06, 0x00};
    const std::array<uint8_t, 3> partial{0xC6, 0xE1, 0x00};
    const std::array<uint8_t, 2> indeterminate{0x9B, 0x00};
    BOOST_TEST(!pgp::split_packets(no_top));
    BOOST_TEST(!pgp::split_packets(partial));
    BOOST_TEST(!pgp::split_packets(indeterminate));
    // Two keys in one block.
    const auto two = run("gpg --dearmor < '" + fixture("two-keys.asc").string() + "'");
    BOOST_TEST(!pgp::trim_keyblock({reinterpret_cast<const uint8_t*>(two.data()), two.size()}, {}));
}

BOOST_AUTO_TEST_SUITE_END()
