// Tests of the key ceremony (docs/key-ceremony.md): the time CA is issued through the builder
// under the subca profile (its cap, key usage, lint) and is a CA the line may use.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ceremony.hpp"
#include "issuance/ca_policy.hpp"
#include "issuance_test_support.hpp"
#include "softhsm_token.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/x509v3.h>

#include <csignal>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;

namespace {

/** A signer folder with the test root, its profiles and empty CA folders. */
struct Ceremony {
    test::TempDir dir;
    ServerConfig config;

    Ceremony() {
        for (const char* sub : {"ca", "ca-keys"}) {
            std::filesystem::create_directory(dir.path() / sub);
        }
        config.profiles = test::profiles_dir().string();
        config.ca_certs = (dir.path() / "ca").string();
        config.ca_keys = (dir.path() / "ca-keys").string();
        config.root_cert = (dir.path() / "root.pem").string();
        config.root_key = (dir.path() / "root.key").string();
        test::write_pem_cert(config.root_cert, test::test_root().cert.get());
        test::write_pem_key(config.root_key, test::test_root().key.get());
        ::chmod(config.root_key.c_str(), 0600);
    }

    /** Runs new-time-ca with the umask of the test process kept; returns its JSON line. */
    std::string run(const std::string& family, const char* from, const char* to) {
        const mode_t old = ::umask(022);
        std::ostringstream out;
        try {
            (void)run_new_time_ca(config, {family, from, to, "ec"}, out);
        } catch (...) {
            ::umask(old);
            throw;
        }
        ::umask(old);
        return out.str();
    }

    [[nodiscard]] size_t files() const {
        size_t n = 0;
        for (const char* sub : {"ca", "ca-keys"}) {
            for ([[maybe_unused]] const auto& e :
                 std::filesystem::directory_iterator(dir.path() / sub)) {
                ++n;
            }
        }
        return n;
    }
};

/** While alive, no regular file this process writes grows past `bytes` (RLIMIT_FSIZE): a write
 * past it is cut short or fails, as on a full disk. SIGXFSZ is ignored meanwhile. */
class FileSizeLimit final {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &m_old) == 0);
        m_old_handler = std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{bytes, m_old.rlim_max};
        BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }

    ~FileSizeLimit() {
        (void)::setrlimit(RLIMIT_FSIZE, &m_old);
        (void)std::signal(SIGXFSZ, m_old_handler);
    }

    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit m_old{};
    void (*m_old_handler)(int) = SIG_DFL;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ceremony)

BOOST_AUTO_TEST_CASE(a_full_disk_leaves_no_partial_file) {
    Ceremony c;
    // The EC key's PEM is about 240 bytes, the certificate's about 1 KB: 100 bytes cut the key
    // short, 500 bytes the certificate (after the key was written whole).
    for (const rlim_t limit : {rlim_t{100}, rlim_t{500}}) {
        BOOST_TEST_CONTEXT("file size limit " << limit) {
            {
                const FileSizeLimit full(limit);
                BOOST_CHECK_THROW(
                    (void)c.run("server", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
                    cassiopeia::Error);
            }
            BOOST_TEST(c.files() == 0U);
        }
    }
    // Space is back: the same ceremony goes through, under the name the failed ones had.
    const auto json = c.run("server", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z");
    BOOST_TEST(json.find("\"name\": \"server_2030_1\"") != std::string::npos);
    BOOST_TEST(c.files() == 2U);
    const CaStore cas = CaStore::load(c.config.ca_certs, c.config.ca_keys);
    BOOST_TEST(cas.pick("server", test::at("2030-06-01T00:00:00Z")) != nullptr);
}

BOOST_AUTO_TEST_CASE(issues_a_time_ca_under_the_subca_profile) {
    Ceremony c;
    const auto json = c.run("server", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z");
    BOOST_TEST(json.find("\"name\": \"server_2030_1\"") != std::string::npos);
    const auto cert_file = std::filesystem::path(c.config.ca_certs) / "server_2030_1.pem";
    const ossl::BioPtr bio{::BIO_new_file(cert_file.c_str(), "r")};
    BOOST_REQUIRE(bio != nullptr);
    const ossl::X509Ptr cert{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    BOOST_REQUIRE(cert != nullptr);
    BOOST_TEST(::X509_verify(cert.get(), test::test_root().key.get()) == 1);
    BOOST_TEST(::X509_get_pathlen(cert.get()) == 0);
    // The subca profile's key usage, not a hand-written one.
    BOOST_TEST(::X509_get_key_usage(cert.get()) ==
               static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE));
    // The new CA is one the line may use, also against the root.
    CaStore cas = CaStore::load(c.config.ca_certs, c.config.ca_keys);
    const auto profiles = ProfileSet::load(test::profiles_dir());
    BOOST_TEST(apply_line_policy(cas, profiles, c.config.root_cert, "").empty());
    BOOST_TEST(cas.pick("server", test::at("2030-06-01T00:00:00Z")) != nullptr);
}

BOOST_AUTO_TEST_CASE(keeps_the_subca_profiles_cap_and_families) {
    Ceremony c;
    // subca's cap is 5 years: a 6-year time CA is refused and nothing is written.
    BOOST_CHECK_THROW((void)c.run("server", "2030-01-01T00:00:00Z", "2036-01-01T00:00:00Z"),
                      cassiopeia::Error);
    // The family of a local-only profile (subca's `root`) never gets a time CA.
    BOOST_CHECK_THROW((void)c.run("root", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
                      cassiopeia::Error);
    BOOST_TEST(c.files() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(CeremonyInToken)

// docs/hsm.md: the root key signs from the token and the new CA's key is made inside it.
BOOST_AUTO_TEST_CASE(the_new_key_is_made_in_the_token_and_the_root_signs_from_it) {
    Ceremony c;
    const cassiopeia::test::SoftHsmToken token;
    token.import(c.config.root_key, "root", "01");
    std::filesystem::remove(c.config.root_key);
    c.config.root_key = cassiopeia::test::SoftHsmToken::key_uri("root");
    c.config.ca_keys = cassiopeia::test::SoftHsmToken::token_uri();
    const auto json = c.run("server", "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z");
    BOOST_TEST(json.find("\"name\": \"server_2030_1\"") != std::string::npos);
    BOOST_TEST(c.files() == 1U);  // the certificate; no key file anywhere
    const auto cert_file = std::filesystem::path(c.config.ca_certs) / "server_2030_1.pem";
    const ossl::BioPtr bio{::BIO_new_file(cert_file.c_str(), "r")};
    const ossl::X509Ptr cert{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    BOOST_REQUIRE(cert != nullptr);
    BOOST_TEST(::X509_verify(cert.get(), test::test_root().key.get()) == 1);
    const CaStore cas = CaStore::load(c.config.ca_certs, c.config.ca_keys);
    BOOST_CHECK_NO_THROW(cas.check_keys());
    BOOST_TEST(cas.find("server_2030_1")->key.token() != nullptr);
    // A second ceremony for the same name would need the label again: the token refuses it.
    BOOST_CHECK_THROW(
        (void)librecord::pkcs11::generate_key(cassiopeia::test::SoftHsmToken::token_uri(),
                                              "server_2030_1",
                                              librecord::pkcs11::KeyType::ec,
                                              256),
        cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()
