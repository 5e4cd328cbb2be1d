// Keys in a SoftHSM2 token: signatures that verify, the PIN's rules, a token pulled and put
// back without a restart, keys generated inside the token (librecord/pkcs11.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "softhsm_token.hpp"
#include "test_pki.hpp"

#include <librecord/errors.hpp>
#include <librecord/ossl/handles.hpp>
#include <librecord/pkcs11.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <stdlib.h>  // setenv, unsetenv (POSIX)
#include <string>
#include <vector>

namespace p11 = librecord::pkcs11;
namespace ossl = cassiopeia::ossl;
using cassiopeia::test::SoftHsmToken;
using cassiopeia::test::test_pki_dir;

namespace {

const std::vector<uint8_t> message{'t', 'b', 's', ' ', 'b', 'y', 't', 'e', 's'};

std::string pki(const std::string& rel) {
    return test_pki_dir() + "/pki/" + rel;
}

/** The public key of the PEM certificate `file`. */
ossl::EvpPkeyPtr cert_key(const std::string& file) {
    const ossl::BioPtr bio{::BIO_new_file(file.c_str(), "r")};
    const ossl::X509Ptr cert{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    BOOST_REQUIRE(cert != nullptr);
    return ossl::share(::X509_get0_pubkey(cert.get()));
}

/** The public key of DER SubjectPublicKeyInfo. */
ossl::EvpPkeyPtr spki_key(const std::vector<uint8_t>& der) {
    const unsigned char* p = der.data();
    return ossl::EvpPkeyPtr{::d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()))};
}

bool verifies(EVP_PKEY* key, const std::vector<uint8_t>& sig) {
    const ossl::EvpMdCtxPtr ctx{::EVP_MD_CTX_new()};
    const bool ok =
        ::EVP_DigestVerifyInit(ctx.get(), nullptr, ::EVP_sha256(), nullptr, key) == 1 &&
        ::EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
    (void)ossl::drain_errors();
    return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(Pkcs11)

BOOST_AUTO_TEST_CASE(uris_are_told_from_files_and_labels_are_encoded) {
    BOOST_TEST(p11::is_uri("pkcs11:token=a"));
    BOOST_TEST(!p11::is_uri("/etc/cassiopeia/pkcs11:x"));
    BOOST_TEST(!p11::is_uri("PKCS11:token=a"));
    BOOST_TEST(p11::key_uri("pkcs11:token=t", "server_2026_1") ==
               "pkcs11:token=t;object=server_2026_1;type=private");
    BOOST_TEST(p11::key_uri("pkcs11:", "a b;c") == "pkcs11:object=a%20b%3Bc;type=private");
    BOOST_CHECK_THROW(p11::Key{"/etc/key.pem"}, cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(rsa_and_ec_keys_sign_what_their_certificates_verify) {
    const SoftHsmToken token;
    token.import(pki("ca-keys/server_2026_2.key"), "server_2026_2", "01");
    token.import(pki("link/server.key"), "link-server", "02");
    const p11::Key rsa{SoftHsmToken::key_uri("server_2026_2")};
    const p11::Key ec{SoftHsmToken::key_uri("link-server")};
    BOOST_TEST((rsa.type() == p11::KeyType::rsa));
    BOOST_TEST((ec.type() == p11::KeyType::ec));
    BOOST_TEST(verifies(cert_key(pki("ca/server_2026_2.pem")).get(), rsa.sign("SHA256", message)));
    BOOST_TEST(verifies(cert_key(pki("link/server.pem")).get(), ec.sign("SHA256", message)));
    BOOST_TEST(!verifies(cert_key(pki("link/client.pem")).get(), ec.sign("SHA256", message)));
    const p11::TokenState s = rsa.state();
    BOOST_TEST(s.present);
    BOOST_TEST(s.logged_in);
    BOOST_TEST(s.label == SoftHsmToken::label);
    BOOST_TEST(s.serial.size() == 16U);
    BOOST_TEST(s.error.empty());
}

BOOST_AUTO_TEST_CASE(a_pulled_token_fails_and_works_again_once_back) {
    const SoftHsmToken token;
    token.import(pki("link/server.key"), "link-server", "02");
    const p11::Key key{SoftHsmToken::key_uri("link-server")};
    const auto pub = cert_key(pki("link/server.pem"));
    BOOST_TEST(verifies(pub.get(), key.sign("SHA256", message)));
    token.pull();
    BOOST_CHECK_THROW((void)key.sign("SHA256", message), cassiopeia::Error);
    BOOST_CHECK_THROW((void)key.sign("SHA256", message), cassiopeia::Error);
    const p11::TokenState away = key.state();
    BOOST_TEST(!away.logged_in);
    BOOST_TEST(!away.error.empty());
    token.plug();
    BOOST_TEST(verifies(pub.get(), key.sign("SHA256", message)));
    BOOST_TEST(key.state().logged_in);
}

BOOST_AUTO_TEST_CASE(an_unknown_object_fails_with_crypto) {
    const SoftHsmToken token;
    const p11::Key key{SoftHsmToken::key_uri("nothing-here")};
    try {
        (void)key.sign("SHA256", message);
        BOOST_FAIL("signed with an object that does not exist");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST((e.kind() == cassiopeia::ErrorKind::crypto));
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_pin_fails_and_the_right_one_works_after_reconfiguring) {
    const SoftHsmToken token;
    token.import(pki("link/server.key"), "link-server", "02");
    token.write_pin("99999999");
    p11::configure({cassiopeia::test::softhsm_module, token.pin_file().string()});
    const p11::Key key{SoftHsmToken::key_uri("link-server")};
    BOOST_CHECK_THROW((void)key.sign("SHA256", message), cassiopeia::Error);
    token.write_pin(SoftHsmToken::pin);
    p11::configure({cassiopeia::test::softhsm_module, token.pin_file().string()});
    BOOST_TEST(!key.sign("SHA256", message).empty());
}

BOOST_AUTO_TEST_CASE(pin_files_that_others_can_read_or_that_are_not_one_line_are_refused) {
    const SoftHsmToken token;
    const auto settings = p11::Settings{cassiopeia::test::softhsm_module, token.pin_file()};
    std::filesystem::permissions(
        token.pin_file(), std::filesystem::perms::group_read, std::filesystem::perm_options::add);
    BOOST_CHECK_THROW(p11::configure(settings), cassiopeia::Error);
    token.write_pin("");
    std::filesystem::permissions(
        token.pin_file(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    BOOST_CHECK_THROW(p11::configure(settings), cassiopeia::Error);
    token.write_pin("12\n34");
    BOOST_CHECK_THROW(p11::configure(settings), cassiopeia::Error);
    BOOST_CHECK_THROW(p11::configure({cassiopeia::test::softhsm_module, "/nonexistent/pin"}),
                      cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(without_a_pin_file_the_systemd_credential_is_read) {
    const SoftHsmToken token;
    token.import(pki("link/server.key"), "link-server", "02");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    BOOST_CHECK_THROW(p11::configure({cassiopeia::test::softhsm_module, ""}), cassiopeia::Error);
    std::filesystem::rename(token.pin_file(), token.dir() / p11::pin_credential);
    ::setenv("CREDENTIALS_DIRECTORY", token.dir().c_str(), 1);
    p11::configure({cassiopeia::test::softhsm_module, ""});
    ::unsetenv("CREDENTIALS_DIRECTORY");
    const p11::Key key{SoftHsmToken::key_uri("link-server")};
    BOOST_TEST(!key.sign("SHA256", message).empty());
    std::filesystem::rename(token.dir() / p11::pin_credential, token.pin_file());
}

BOOST_AUTO_TEST_CASE(generated_keys_stay_in_the_token_and_sign) {
    const SoftHsmToken token;
    const auto spki =
        p11::generate_key(SoftHsmToken::token_uri(), "server_2030_1", p11::KeyType::ec, 256);
    const auto pub = spki_key(spki);
    BOOST_REQUIRE(pub != nullptr);
    BOOST_TEST(::EVP_PKEY_get_base_id(pub.get()) == EVP_PKEY_EC);
    const p11::Key key{SoftHsmToken::key_uri("server_2030_1")};
    BOOST_TEST(verifies(pub.get(), key.sign("SHA256", message)));
    BOOST_CHECK_THROW(
        (void)p11::generate_key(SoftHsmToken::token_uri(), "server_2030_1", p11::KeyType::ec, 256),
        cassiopeia::Error);
    p11::delete_objects(SoftHsmToken::token_uri(), "server_2030_1");
    const p11::Key gone{SoftHsmToken::key_uri("server_2030_1")};
    BOOST_CHECK_THROW((void)gone.sign("SHA256", message), cassiopeia::Error);
    const auto rsa = spki_key(
        p11::generate_key(SoftHsmToken::token_uri(), "rsa_2030_1", p11::KeyType::rsa, 2048));
    BOOST_REQUIRE(rsa != nullptr);
    BOOST_TEST(::EVP_PKEY_get_bits(rsa.get()) == 2048);
}

BOOST_AUTO_TEST_SUITE_END()
