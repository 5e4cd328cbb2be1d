// Unit tests of the signature algorithm written before signing (issuance/signature_algorithm.hpp):
// the TBS the pre-issuance lint sees is byte for byte the one the CA key then signs.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/signature_algorithm.hpp"
#include "issuance_test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <openssl/rsa.h>

#include <vector>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;
using namespace cassiopeia::server::test;  // NOLINT(google-build-using-namespace): test file

namespace {

std::vector<uint8_t> tbs_of(X509* cert) {
    unsigned char* raw = nullptr;
    const int len = ::i2d_re_X509_tbs(cert, &raw);
    const ossl::OsslBytesPtr owned{raw};
    BOOST_REQUIRE(len > 0);
    return {raw, raw + len};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

/** The TBS after set_signature_algorithm, and after X509_sign with the same key and digest. */
void expect_signed_tbs_unchanged(EVP_PKEY* ca_key, const EVP_MD* md) {
    const auto subject = make_ec();
    const auto cert = new_test_cert(
        subject.get(), "leaf", at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"));
    BOOST_REQUIRE(set_signature_algorithm(cert.get(), ca_key, md));
    const auto linted = tbs_of(cert.get());
    BOOST_REQUIRE(::X509_sign(cert.get(), ca_key, md) > 0);
    BOOST_TEST(tbs_of(cert.get()) == linted, boost::test_tools::per_element());
    BOOST_TEST(::X509_verify(cert.get(), ca_key) == 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signature_algorithm)

BOOST_AUTO_TEST_CASE(rsa_ecdsa_and_eddsa_tbs_are_the_ones_signed) {
    const auto rsa = make_rsa();
    expect_signed_tbs_unchanged(rsa.get(), ::EVP_sha256());
    expect_signed_tbs_unchanged(rsa.get(), ::EVP_sha512());
    const auto p256 = make_ec("P-256");
    expect_signed_tbs_unchanged(p256.get(), ::EVP_sha256());
    const auto p384 = make_ec("P-384");
    expect_signed_tbs_unchanged(p384.get(), ::EVP_sha384());
    const ossl::EvpPkeyPtr ed{::EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    BOOST_REQUIRE(ed != nullptr);
    expect_signed_tbs_unchanged(ed.get(), nullptr);
}

BOOST_AUTO_TEST_CASE(keys_with_algorithm_parameters_are_left_to_a_real_signature) {
    const ossl::EvpPkeyCtxPtr ctx{::EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr)};
    BOOST_REQUIRE(ctx != nullptr);
    BOOST_REQUIRE(::EVP_PKEY_keygen_init(ctx.get()) == 1);
    BOOST_REQUIRE(::EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1);
    EVP_PKEY* raw = nullptr;
    BOOST_REQUIRE(::EVP_PKEY_generate(ctx.get(), &raw) == 1);
    const ossl::EvpPkeyPtr pss{raw};
    const auto subject = make_ec();
    const auto cert = new_test_cert(
        subject.get(), "leaf", at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"));
    BOOST_TEST(!set_signature_algorithm(cert.get(), pss.get(), ::EVP_sha256()));
}

BOOST_AUTO_TEST_SUITE_END()
