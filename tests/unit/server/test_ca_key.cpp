// CA keys in a token (docs/hsm.md): certificates and CRLs signed through it verify with the
// CA certificate, a key of another CA is caught by check_keys(), a pulled token fails the
// signature and the next one works once it is back.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/ca_key.hpp"
#include "issuance/ca_store.hpp"
#include "softhsm_token.hpp"
#include "test_pki.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;
namespace test = cassiopeia::test;

namespace {

std::string pki(const std::string& rel) {
    return test::test_pki_dir() + "/pki/" + rel;
}

ossl::X509Ptr read_cert(const std::string& file) {
    const ossl::BioPtr bio{::BIO_new_file(file.c_str(), "r")};
    return ossl::X509Ptr{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
}

/** The unit PKI's time CAs with their keys in a token (imported under their names). */
struct TokenCas {
    test::SoftHsmToken token;
    test::TempDir certs{"cas"};

    TokenCas() {
        int id = 1;
        for (const char* name : {"server_2026_2", "client_2026_2"}) {
            token.import(
                pki(std::string("ca-keys/") + name + ".key"), name, "0" + std::to_string(id++));
            std::filesystem::copy_file(pki(std::string("ca/") + name + ".pem"),
                                       certs.path() / (std::string(name) + ".pem"));
        }
    }
};

/** A certificate to re-sign: the link server's, issued anew by `ca`. */
ossl::X509Ptr to_sign(const TimeCa& ca) {
    ossl::X509Ptr cert = read_cert(pki("link/server.pem"));
    BOOST_REQUIRE(::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(ca.cert.get())) == 1);
    return cert;
}

ossl::X509CrlPtr crl_of(const TimeCa& ca) {
    ossl::X509CrlPtr crl{::X509_CRL_new()};
    BOOST_REQUIRE(::X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1);
    BOOST_REQUIRE(::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(ca.cert.get())) ==
                  1);
    const ossl::Asn1TimePtr now{::ASN1_TIME_set(nullptr, 1'790'000'000)};
    BOOST_REQUIRE(::X509_CRL_set1_lastUpdate(crl.get(), now.get()) == 1);
    return crl;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(CaKeyInToken)

BOOST_AUTO_TEST_CASE(certificates_and_crls_signed_in_the_token_verify) {
    const TokenCas t;
    const CaStore cas = CaStore::load(t.certs.path(), test::SoftHsmToken::token_uri());
    BOOST_REQUIRE(cas.all().size() == 2U);
    BOOST_CHECK_NO_THROW(cas.check_keys());
    const TimeCa& ca = *cas.find("server_2026_2");
    BOOST_REQUIRE(ca.key.token() != nullptr);
    BOOST_TEST(ca.key.file_key() == nullptr);
    const auto cert = to_sign(ca);
    ca.key.sign(cert.get(), ::EVP_sha256());
    BOOST_TEST(::X509_verify(cert.get(), ::X509_get0_pubkey(ca.cert.get())) == 1);
    BOOST_TEST(::X509_get_signature_nid(cert.get()) == NID_sha256WithRSAEncryption);
    const auto crl = crl_of(ca);
    ca.key.sign(crl.get(), ::EVP_sha256());
    BOOST_TEST(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(ca.cert.get())) == 1);
    const auto other = cas.find("client_2026_2");
    BOOST_TEST(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(other->cert.get())) != 1);
}

BOOST_AUTO_TEST_CASE(a_token_key_of_another_ca_is_refused) {
    const TokenCas t;
    t.token.import(pki("ca-keys/client_2026_2.key"), "server_2026_1", "09");
    std::filesystem::copy_file(pki("ca/server_2026_1.pem"), t.certs.path() / "server_2026_1.pem");
    const CaStore cas = CaStore::load(t.certs.path(), test::SoftHsmToken::token_uri());
    try {
        cas.check_keys();
        BOOST_FAIL("check_keys accepted another CA's key");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST((e.kind() == cassiopeia::ErrorKind::config));
        BOOST_TEST(e.call() == "CA server_2026_1");
    }
}

BOOST_AUTO_TEST_CASE(a_pulled_token_fails_the_signature_and_the_next_one_works) {
    const TokenCas t;
    const CaStore cas = CaStore::load(t.certs.path(), test::SoftHsmToken::token_uri());
    const TimeCa& ca = *cas.find("server_2026_2");
    t.token.pull();
    const auto failed = to_sign(ca);
    BOOST_CHECK_THROW(ca.key.sign(failed.get(), ::EVP_sha256()), cassiopeia::Error);
    BOOST_TEST(!ca.key.token()->state().logged_in);
    t.token.plug();
    const auto cert = to_sign(ca);
    ca.key.sign(cert.get(), ::EVP_sha256());
    BOOST_TEST(::X509_verify(cert.get(), ::X509_get0_pubkey(ca.cert.get())) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
