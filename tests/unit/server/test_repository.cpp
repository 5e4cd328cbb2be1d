// Tests for the signer's repository: jobs, certificates, CRL state and its transactions.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/repository.hpp"
#include "repository/repository_claim.hpp"
#include "sqlite/database.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs = cassiopeia::server;
using cassiopeia::Error;
using cassiopeia::ErrorKind;
using Bytes = std::vector<uint8_t>;

namespace {

using TempDir = cassiopeia::test::TempDir;

std::string db_file(const TempDir& dir) {
    return (dir.path() / cs::Repository::database_file_name).string();
}

cs::UnixTime at(int64_t s) {
    return cs::UnixTime{std::chrono::seconds{s}};
}

constexpr int64_t t0 = 1'790'000'000;  // 2026-09-21

cs::Sha256Digest hash_of(std::string_view s) {
    // reinterpret_cast: the bytes of a char string
    return cs::Sha256::digest({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

cs::IssuedRecord issued(const std::string& request_id,
                        const std::string& serial,
                        const std::string& ca = "ca-a",
                        int64_t not_after = t0 + 86400) {
    cs::IssuedRecord r;
    r.request_id = request_id;
    r.request_hash = hash_of("request " + request_id);
    r.log = Bytes{'l', 'o', 'g', ' ', 0x00, 0xFF};
    r.cert_der = Bytes{0x30, 0x03, 0x02, 0x01, 0x05};
    r.cert_der.insert(r.cert_der.end(), serial.begin(), serial.end());
    r.serial = serial;
    r.ca = ca;
    r.not_before = at(t0 - 60);
    r.not_after = at(not_after);
    return r;
}

/// A CRL "signer" that records its inputs and returns recognisable bytes.
struct FakeSigner {
    std::vector<cs::CrlInput> calls;

    cs::CrlSigner fn() {
        return [this](const cs::CrlInput& in) {
            calls.push_back(in);
            const auto n = static_cast<uint8_t>(in.crl_number);
            return cs::SignedCrl{Bytes{0x30, 0x01, n}, Bytes{0x30, 0x02, n}};
        };
    }
};

std::vector<std::string> serials(const std::vector<cs::RevocationEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) {
        out.push_back(e.serial);
    }
    return out;
}

int64_t count_rows(const std::string& db_path, const std::string& table) {
    auto db = cs::sqlite::Database::open(db_path, cs::sqlite::OpenMode::read_only);
    auto st = db.prepare("SELECT count(*) FROM " + table);
    BOOST_REQUIRE(st.step());
    return st.column_int64(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(Repository)

BOOST_AUTO_TEST_CASE(open_creates_wal_database_in_folder) {
    const TempDir dir;
    {
        auto repo = cs::Repository::open(dir.path());
        BOOST_TEST(repo.lock().requests().count_certificates() == 0);
        BOOST_TEST(repo.lock().requests().count_jobs() == 0);
    }
    BOOST_TEST(std::filesystem::exists(db_file(dir)));
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_only);
    auto mode = db.prepare("PRAGMA journal_mode");
    BOOST_REQUIRE(mode.step());
    BOOST_TEST(mode.column_text(0) == "wal");
    auto version = db.prepare("SELECT max(version) FROM schema_version");
    BOOST_REQUIRE(version.step());
    BOOST_TEST(version.column_int64(0) == cs::Repository::schema_version);
    // Nothing but the database and its WAL files in the folder.
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        const auto name = e.path().filename().string();
        BOOST_TEST(name.rfind(cs::Repository::database_file_name, 0) == 0, name);
    }
}

BOOST_AUTO_TEST_CASE(reopen_does_not_migrate_twice) {
    const TempDir dir;
    { (void)cs::Repository::open(dir.path()); }
    auto repo = cs::Repository::open(dir.path());
    const auto entries = repo.lock().audit().entries();
    BOOST_REQUIRE(entries.size() == 1U);
    BOOST_TEST(entries[0].kind == "schema");
}

BOOST_AUTO_TEST_CASE(open_refuses_missing_folder) {
    const TempDir dir;
    try {
        (void)cs::Repository::open((dir.path() / "nope").string());
        BOOST_FAIL("no exception");
    } catch (const Error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::config));
    }
    BOOST_TEST(!std::filesystem::exists((dir.path() / "nope").string()));
}

BOOST_AUTO_TEST_CASE(open_refuses_newer_schema) {
    const TempDir dir;
    { (void)cs::Repository::open(dir.path()); }
    {
        auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
        db.exec("INSERT INTO schema_version (version, applied) VALUES (99, 'x')");
    }
    BOOST_CHECK_THROW((void)cs::Repository::open(dir.path()), Error);
    BOOST_CHECK_THROW((void)cs::Repository::open_read_only(dir.path()), Error);
}

BOOST_AUTO_TEST_CASE(store_and_find_request) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    const auto rec = issued("webdb:1", "8A3F");
    repo.lock().requests().store_issued(rec);

    const auto found = repo.lock().requests().find("webdb:1");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->hash == rec.request_hash, boost::test_tools::per_element());
    BOOST_TEST(found->log == rec.log, boost::test_tools::per_element());
    BOOST_TEST(found->issued == rec.cert_der, boost::test_tools::per_element());
    BOOST_TEST(found->signing_ca == "ca-a");
    BOOST_TEST(found->serial == "8A3F");
    BOOST_TEST(!repo.lock().requests().find("webdb:2").has_value());
    BOOST_TEST(repo.lock().requests().count_certificates() == 1);
    BOOST_TEST(repo.lock().requests().count_jobs() == 1);

    const auto cert = repo.lock().requests().certificate_by_serial("00:8a:3f");
    BOOST_REQUIRE(cert.has_value());
    BOOST_TEST(cert->der == rec.cert_der, boost::test_tools::per_element());
    BOOST_TEST(cert->ca == "ca-a");
    BOOST_TEST((cert->not_before == rec.not_before));
    BOOST_TEST((cert->not_after == rec.not_after));
    BOOST_TEST(!repo.lock().requests().certificate_by_serial("8A40").has_value());
    BOOST_TEST(!repo.lock().requests().certificate_by_serial("not hex").has_value());
}

BOOST_AUTO_TEST_CASE(stored_job_survives_reopen_byte_for_byte) {
    const TempDir dir;
    const auto rec = issued("cli:4242", "01");
    { cs::Repository::open(dir.path()).lock().requests().store_issued(rec); }
    auto repo = cs::Repository::open(dir.path());
    const auto found = repo.lock().requests().find("cli:4242");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->log == rec.log, boost::test_tools::per_element());
    BOOST_TEST(found->hash == rec.request_hash, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(idempotent_lookup_tells_same_request_from_another) {
    // The session's §6 decision: same id + same hash -> stored result; other hash -> mismatch.
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    const auto rec = issued("webdb:7", "0100");
    repo.lock().requests().store_issued(rec);
    const auto again = repo.lock().requests().find("webdb:7");
    BOOST_REQUIRE(again.has_value());
    BOOST_TEST(again->hash == rec.request_hash, boost::test_tools::per_element());
    BOOST_TEST(again->hash != hash_of("another request"), boost::test_tools::per_element());
    // Storing the same id a second time is refused and changes nothing.
    auto dup = issued("webdb:7", "0101");
    BOOST_CHECK_THROW(repo.lock().requests().store_issued(dup), Error);
    BOOST_TEST(repo.lock().requests().count_certificates() == 1);
    BOOST_TEST(!repo.lock().requests().certificate_by_serial("0101").has_value());
}

BOOST_AUTO_TEST_CASE(duplicate_serial_is_refused_by_unique_across_cas) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    repo.lock().requests().store_issued(issued("webdb:1", "8A3F", "ca-a"));
    const auto audit_before = repo.lock().audit().entries().size();
    try {
        repo.lock().requests().store_issued(issued("webdb:2", "8A3F", "ca-b"));
        BOOST_FAIL("no exception");
    } catch (const Error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::database));
        BOOST_TEST(e.detail().find("UNIQUE") != std::string::npos);
    }
    BOOST_TEST(!repo.lock().requests().find("webdb:2").has_value());
    BOOST_TEST(repo.lock().requests().count_jobs() == 1);
    BOOST_TEST(repo.lock().audit().entries().size() == audit_before);
}

BOOST_AUTO_TEST_CASE(certified_key_job_is_stored_without_certificate_row) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    cs::CertifiedKeyRecord r;
    r.request_id = "webdb:77";
    r.request_hash = hash_of("pgp request");
    r.log = Bytes{'p', 'g', 'p'};
    r.armoured_key = Bytes{'-', '-', '-', '-', '-'};
    r.signer = "openpgp-test";
    r.fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    repo.lock().requests().store_certified_key(r);
    const auto found = repo.lock().requests().find("webdb:77");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->issued == r.armoured_key, boost::test_tools::per_element());
    BOOST_TEST(found->log == r.log, boost::test_tools::per_element());
    BOOST_TEST(found->signing_ca == "openpgp-test");
    BOOST_TEST(found->serial.empty());
    BOOST_TEST(repo.lock().requests().count_jobs() == 1);
    BOOST_TEST(repo.lock().requests().count_certificates() == 0);
    BOOST_TEST(repo.lock().audit().entries().back().kind == "certify");
    BOOST_CHECK_THROW(repo.lock().requests().store_certified_key(r),
                      Error);  // same request id again
    BOOST_TEST(repo.lock().requests().count_jobs() == 1);
}

BOOST_AUTO_TEST_CASE(store_issued_rejects_malformed_records) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    for (const char* serial : {"8a3f", "A3F", "008A3F", "8A:3F", ""}) {
        BOOST_CHECK_THROW(repo.lock().requests().store_issued(issued("webdb:1", serial)), Error);
    }
    auto backwards = issued("webdb:1", "01");
    backwards.not_after = at(t0 - 61);
    BOOST_CHECK_THROW(repo.lock().requests().store_issued(backwards), Error);
    auto no_cert = issued("webdb:1", "01");
    no_cert.cert_der.clear();
    BOOST_CHECK_THROW(repo.lock().requests().store_issued(no_cert), Error);
    BOOST_TEST(repo.lock().requests().count_certificates() == 0);
    BOOST_TEST(repo.lock().requests().count_jobs() == 0);
}

BOOST_AUTO_TEST_CASE(certificates_cannot_be_deleted_with_sql) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    repo.lock().requests().store_issued(issued("webdb:1", "01"));
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    BOOST_CHECK_THROW(db.exec("DELETE FROM certificates"), Error);
    BOOST_CHECK_THROW(db.exec("UPDATE requests SET log = x'00'"), Error);
    BOOST_TEST(repo.lock().requests().count_certificates() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RepositoryCrl)

BOOST_AUTO_TEST_CASE(init_crl_creates_number_one_once) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    BOOST_TEST(!repo.lock().crls().state("ca-a").has_value());
    const auto s = repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    BOOST_TEST(s.crl_number == 1);
    BOOST_TEST(s.revoked == 0);
    BOOST_REQUIRE(signer.calls.size() == 1U);
    BOOST_TEST(signer.calls[0].crl_number == 1);
    BOOST_TEST(signer.calls[0].entries.empty());
    const auto again = repo.lock().crls().init("ca-a", at(t0 + 10), at(t0 + 3600), signer.fn());
    BOOST_TEST(signer.calls.size() == 1U);
    BOOST_TEST(again.crl_number == 1);
    BOOST_TEST((again.this_update == at(t0)));
    const auto stored = repo.lock().crls().state("ca-a");
    BOOST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->crl_der == (Bytes{0x30, 0x01, 0x01}), boost::test_tools::per_element());
    BOOST_TEST(stored->delta_der == (Bytes{0x30, 0x02, 0x01}), boost::test_tools::per_element());
    BOOST_TEST(repo.lock().crls().states().size() == 1U);
}

BOOST_AUTO_TEST_CASE(revoke_signs_next_crl_with_sorted_entries) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    for (const char* s : {"0100", "0A", "FF"}) {
        repo.lock().requests().store_issued(issued(std::string{"webdb:"} + s, s));
    }
    const auto out =
        repo.lock().crls().revoke("ca-a",
                                  {{"100", std::string{"keyCompromise"}}, {"ff", {}}, {"0a", {}}},
                                  at(t0 + 100),
                                  at(t0 + 3700),
                                  signer.fn());
    BOOST_TEST(static_cast<int>(out.status) ==
               static_cast<int>(cs::RevokeOutcome::Status::revoked));
    BOOST_TEST(out.crl.crl_number == 2);
    BOOST_TEST(out.crl.revoked == 3);
    const std::vector<std::string> want{"0A", "FF", "0100"};  // integer order
    BOOST_TEST(out.added == want, boost::test_tools::per_element());
    BOOST_TEST(out.dropped.empty());
    BOOST_REQUIRE(signer.calls.size() == 2U);
    const auto& in = signer.calls[1];
    BOOST_TEST(in.crl_number == 2);
    BOOST_TEST((in.this_update == at(t0 + 100)));
    BOOST_TEST((in.next_update == at(t0 + 3700)));
    BOOST_TEST(serials(in.entries) == want, boost::test_tools::per_element());
    BOOST_TEST(serials(in.added) == want, boost::test_tools::per_element());
    BOOST_TEST(in.entries[2].reason.value_or("") == "keyCompromise");
    BOOST_TEST(!in.entries[0].reason.has_value());
    BOOST_TEST(serials(repo.lock().crls().entries("ca-a")) == want,
               boost::test_tools::per_element());
    const auto state = repo.lock().crls().state("ca-a");
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(state->crl_number == 2);
    BOOST_TEST(state->crl_der == (Bytes{0x30, 0x01, 0x02}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(revoking_again_changes_nothing_and_signs_nothing) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    repo.lock().requests().store_issued(issued("webdb:1", "01"));
    (void)repo.lock().crls().revoke("ca-a", {{"01", {}}}, at(t0 + 1), at(t0 + 3601), signer.fn());
    const auto calls = signer.calls.size();
    const auto again = repo.lock().crls().revoke(
        "ca-a", {{"01", std::string{"superseded"}}}, at(t0 + 2), at(t0 + 3602), signer.fn());
    BOOST_TEST(static_cast<int>(again.status) ==
               static_cast<int>(cs::RevokeOutcome::Status::unchanged));
    BOOST_TEST(signer.calls.size() == calls);
    BOOST_TEST(again.crl.crl_number == 2);
    BOOST_TEST(again.crl.delta_der == (Bytes{0x30, 0x02, 0x02}), boost::test_tools::per_element());
    const auto entries = repo.lock().crls().entries("ca-a");
    BOOST_REQUIRE(entries.size() == 1U);
    BOOST_TEST(!entries[0].reason.has_value());  // the original entry is kept
    BOOST_TEST((entries[0].revoked_at == at(t0 + 1)));
}

BOOST_AUTO_TEST_CASE(refusals_name_serials_and_change_nothing) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    repo.lock().crls().init("ca-b", at(t0), at(t0 + 3600), signer.fn());
    repo.lock().requests().store_issued(issued("webdb:1", "01", "ca-a"));
    repo.lock().requests().store_issued(issued("webdb:2", "02", "ca-b"));
    const auto audit_before = repo.lock().audit().entries().size();
    const auto calls = signer.calls.size();
    using Status = cs::RevokeOutcome::Status;

    auto r = repo.lock().crls().revoke(
        "ca-a", {{"01", {}}, {"99", {}}, {"zz", {}}}, at(t0 + 1), at(t0 + 9), signer.fn());
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(Status::unknown_serial));
    BOOST_TEST(r.refused == (std::vector<std::string>{"99", "zz"}),
               boost::test_tools::per_element());

    r = repo.lock().crls().revoke(
        "ca-a", {{"01", {}}, {"02", {}}}, at(t0 + 1), at(t0 + 9), signer.fn());
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(Status::wrong_ca));
    BOOST_TEST(r.refused == (std::vector<std::string>{"02"}), boost::test_tools::per_element());

    r = repo.lock().crls().revoke(
        "ca-a", {{"01", std::string{"caCompromise"}}}, at(t0 + 1), at(t0 + 9), signer.fn());
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(Status::bad_reason));

    r = repo.lock().crls().revoke("ca-x", {{"01", {}}}, at(t0 + 1), at(t0 + 9), signer.fn());
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(Status::unknown_ca));

    BOOST_TEST(signer.calls.size() == calls);
    BOOST_TEST(repo.lock().crls().entries("ca-a").empty());
    BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 1);
    BOOST_TEST(repo.lock().audit().entries().size() == audit_before);
}

BOOST_AUTO_TEST_CASE(crl_number_strictly_increases_across_reopen) {
    const TempDir dir;
    FakeSigner signer;
    {
        auto repo = cs::Repository::open(dir.path());
        repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
        repo.lock().requests().store_issued(issued("webdb:1", "01"));
        repo.lock().requests().store_issued(issued("webdb:2", "02"));
        BOOST_TEST(repo.lock()
                       .crls()
                       .revoke("ca-a", {{"01", {}}}, at(t0 + 1), at(t0 + 9), signer.fn())
                       .crl.crl_number == 2);
    }
    {
        auto repo = cs::Repository::open(dir.path());
        BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 2);
        BOOST_TEST(repo.lock()
                       .crls()
                       .revoke("ca-a", {{"02", {}}}, at(t0 + 2), at(t0 + 9), signer.fn())
                       .crl.crl_number == 3);
        BOOST_TEST(
            repo.lock().crls().renew("ca-a", at(t0 + 3), at(t0 + 9), signer.fn()).crl_number == 4);
    }
    auto repo = cs::Repository::open(dir.path());
    BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 4);
    BOOST_TEST(repo.lock().crls().state("ca-a")->revoked == 2);
    // The database itself refuses to lower or repeat a CRL number.
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    BOOST_CHECK_THROW(db.exec("UPDATE crl_state SET crl_number = 4"), Error);
    BOOST_CHECK_THROW(db.exec("UPDATE crl_state SET crl_number = 3"), Error);
    BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 4);
}

BOOST_AUTO_TEST_CASE(throwing_signer_rolls_everything_back) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    repo.lock().requests().store_issued(issued("webdb:1", "01"));
    const auto audit_before = repo.lock().audit().entries().size();
    const auto head_before = repo.lock().audit().head();
    const cs::CrlSigner failing = [](const cs::CrlInput&) -> cs::SignedCrl {
        throw std::runtime_error("HSM unplugged");
    };
    BOOST_CHECK_THROW(
        (void)repo.lock().crls().revoke("ca-a", {{"01", {}}}, at(t0 + 1), at(t0 + 9), failing),
        std::runtime_error);
    BOOST_CHECK_THROW((void)repo.lock().crls().renew("ca-a", at(t0 + 1), at(t0 + 9), failing),
                      std::runtime_error);
    BOOST_CHECK_THROW((void)repo.lock().crls().init("ca-b", at(t0), at(t0 + 9), failing),
                      std::runtime_error);
    BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 1);
    BOOST_TEST(!repo.lock().crls().state("ca-b").has_value());
    BOOST_TEST(repo.lock().crls().entries("ca-a").empty());
    BOOST_TEST(count_rows(db_file(dir), "revoked") == 0);
    BOOST_TEST(repo.lock().audit().entries().size() == audit_before);
    BOOST_TEST(repo.lock().audit().head() == head_before);
    // The repository is still usable afterwards.
    BOOST_TEST(repo.lock()
                   .crls()
                   .revoke("ca-a", {{"01", {}}}, at(t0 + 1), at(t0 + 9), signer.fn())
                   .crl.crl_number == 2);
}

BOOST_AUTO_TEST_CASE(expired_entry_leaves_after_one_crl_past_not_after) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    FakeSigner signer;
    repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), signer.fn());
    repo.lock().requests().store_issued(
        issued("webdb:1", "0A", "ca-a", t0 + 10));  // expires at t0+10
    repo.lock().requests().store_issued(issued("webdb:2", "0B", "ca-a", t0 + 86400));  // long-lived
    // CRL 2 at t0+5: 0A listed.
    (void)repo.lock().crls().revoke("ca-a", {{"0A", {}}}, at(t0 + 5), at(t0 + 3600), signer.fn());
    // CRL 3 at t0+100: CRL 2's thisUpdate (t0+5) is before 0A's notAfter: 0A stays.
    auto r =
        repo.lock().crls().revoke("ca-a", {{"0B", {}}}, at(t0 + 100), at(t0 + 3600), signer.fn());
    BOOST_TEST(r.dropped.empty());
    BOOST_TEST(serials(signer.calls.back().entries) == (std::vector<std::string>{"0A", "0B"}),
               boost::test_tools::per_element());
    // CRL 4: CRL 3 (thisUpdate t0+100) was issued after 0A's notAfter: 0A leaves now.
    const auto s = repo.lock().crls().renew("ca-a", at(t0 + 200), at(t0 + 3600), signer.fn());
    BOOST_TEST(s.crl_number == 4);
    BOOST_TEST(s.revoked == 1);
    const auto& in = signer.calls.back();
    BOOST_TEST(in.dropped == (std::vector<std::string>{"0A"}), boost::test_tools::per_element());
    BOOST_TEST(serials(in.entries) == (std::vector<std::string>{"0B"}),
               boost::test_tools::per_element());
    BOOST_TEST(in.added.empty());
    BOOST_TEST(serials(repo.lock().crls().entries("ca-a")) == (std::vector<std::string>{"0B"}),
               boost::test_tools::per_element());
    // Revoking 0A again keeps its original (now dropped) entry: nothing to sign.
    r = repo.lock().crls().revoke("ca-a", {{"0A", {}}}, at(t0 + 300), at(t0 + 3600), signer.fn());
    BOOST_TEST(static_cast<int>(r.status) ==
               static_cast<int>(cs::RevokeOutcome::Status::unchanged));
}

BOOST_AUTO_TEST_CASE(crl_reason_codes_follow_rfc5280) {
    BOOST_TEST(cs::crl_reason_code("keyCompromise").value_or(-1) == 1);
    BOOST_TEST(cs::crl_reason_code("affiliationChanged").value_or(-1) == 3);
    BOOST_TEST(cs::crl_reason_code("superseded").value_or(-1) == 4);
    BOOST_TEST(cs::crl_reason_code("cessationOfOperation").value_or(-1) == 5);
    BOOST_TEST(cs::crl_reason_code("privilegeWithdrawn").value_or(-1) == 9);
    BOOST_TEST(!cs::crl_reason_code("caCompromise").has_value());
    BOOST_TEST(!cs::crl_reason_code("keycompromise").has_value());
    BOOST_TEST(!cs::crl_reason_code("").has_value());
}

BOOST_AUTO_TEST_CASE(one_claim_at_a_time_and_it_ends_with_its_holder) {
    const TempDir dir;
    const auto is_config = [](const cassiopeia::Error& e) {
        return e.kind() == cassiopeia::ErrorKind::config;
    };
    {
        const auto held = cs::RepositoryClaim::take(dir.path().string());
        // flock is per open file: a second claim fails in this process as in another one.
        BOOST_CHECK_EXCEPTION(
            (void)cs::RepositoryClaim::take(dir.path().string()), cassiopeia::Error, is_config);
    }
    BOOST_CHECK_NO_THROW((void)cs::RepositoryClaim::take(dir.path().string()));
    BOOST_CHECK_EXCEPTION((void)cs::RepositoryClaim::take((dir.path() / "missing").string()),
                          cassiopeia::Error,
                          is_config);
}

BOOST_AUTO_TEST_SUITE_END()
