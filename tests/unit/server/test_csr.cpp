// Tests of PKCS#10 and SPKAC parsing, signature check and key policy (fixtures: tests/data/csr).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/csr.hpp"
#include "issuance_test_support.hpp"

#include <boost/test/unit_test.hpp>
#include <openssl/err.h>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::csr_fixture;
using cassiopeia::server::test::csr_text_fixture;

namespace {

std::string code_of(const Refusable<RequestKey>& o) {
    return o.ok() ? "ok" : std::string(librecord::to_string(o.error().code));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csr)

BOOST_AUTO_TEST_CASE(accepts_der_and_pem_rsa_and_ec) {
    const auto der = parse_pkcs10(csr_fixture("rsa2048.der"));
    BOOST_REQUIRE(der.ok());
    BOOST_TEST(der->description == "RSA 2048");
    const auto pem = parse_pkcs10(csr_fixture("rsa2048.pem"));
    BOOST_REQUIRE(pem.ok());
    BOOST_TEST(::EVP_PKEY_eq(der->key.get(), pem->key.get()) == 1);
    const auto ec = parse_pkcs10(csr_fixture("ec256.der"));
    BOOST_REQUIRE(ec.ok());
    BOOST_TEST(ec->description == "EC P-256");
    const auto ec384 = parse_pkcs10(csr_fixture("ec384.pem"));
    BOOST_REQUIRE(ec384.ok());
    BOOST_TEST(ec384->description == "EC P-384");
    BOOST_TEST(::ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_CASE(refuses_bad_signature) {
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("rsa2048-badsig.der"))) == "csr_signature");
}

BOOST_AUTO_TEST_CASE(refuses_weak_and_unsupported_keys) {
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("rsa1024.der"))) == "weak_key");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("secp256k1.der"))) == "weak_key");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("ed25519.der"))) == "weak_key");
}

BOOST_AUTO_TEST_CASE(refuses_trailing_bytes_and_extra_pem_blocks) {
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("ec256-trailing.der"))) == "bad_csr");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("two-blocks.pem"))) == "bad_csr");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("not-a-csr.pem"))) == "bad_csr");
    auto pem = csr_fixture("rsa2048.pem");
    pem.push_back('x');
    BOOST_TEST(code_of(parse_pkcs10(pem)) == "bad_csr");
    auto leading = csr_fixture("rsa2048.pem");
    leading.insert(leading.begin(), {'h', 'i', '\n'});
    BOOST_TEST(code_of(parse_pkcs10(leading)) == "bad_csr");
    auto spaced = csr_fixture("rsa2048.pem");
    spaced.insert(spaced.begin(), {' ', '\n'});
    spaced.push_back('\n');
    BOOST_TEST(code_of(parse_pkcs10(spaced)) == "ok");
}

BOOST_AUTO_TEST_CASE(refuses_every_truncation_of_a_der_request) {
    const auto der = csr_fixture("ec256.der");
    for (size_t n = 0; n < der.size(); ++n) {
        const auto o = parse_pkcs10(std::span<const uint8_t>{der.data(), n});
        BOOST_TEST(code_of(o) == "bad_csr", "truncated at " << n);
    }
    BOOST_TEST(::ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_CASE(refuses_garbage) {
    const std::vector<uint8_t> junk = {0x30, 0x82, 0xff, 0xff, 0x00};
    BOOST_TEST(code_of(parse_pkcs10(junk)) == "bad_csr");
    BOOST_TEST(code_of(parse_pkcs10({})) == "bad_csr");
    const std::string text =
        "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n";
    // reinterpret_cast: the test's text as bytes.
    BOOST_TEST(code_of(parse_pkcs10(std::span<const uint8_t>{
                   reinterpret_cast<const uint8_t*>(text.data()), text.size()})) == "bad_csr");
}

BOOST_AUTO_TEST_CASE(accepts_spkac_with_or_without_prefix) {
    const std::string spkac = csr_text_fixture("spkac-rsa2048.txt");
    const auto o = parse_spkac(spkac);
    BOOST_REQUIRE(o.ok());
    BOOST_TEST(o->description == "RSA 2048");
    const auto bare = parse_spkac(std::string_view{spkac}.substr(6));
    BOOST_TEST(bare.ok());
    const auto ec = parse_spkac(csr_text_fixture("spkac-ec256.txt"));
    BOOST_REQUIRE(ec.ok());
    BOOST_TEST(ec->description == "EC P-256");
    const auto rsa = parse_pkcs10(csr_fixture("rsa2048.der"));
    BOOST_TEST(::EVP_PKEY_eq(o->key.get(), rsa->key.get()) == 1);
}

BOOST_AUTO_TEST_CASE(refuses_bad_spkac) {
    BOOST_TEST(code_of(parse_spkac(csr_text_fixture("spkac-rsa1024.txt"))) == "weak_key");
    BOOST_TEST(code_of(parse_spkac("SPKAC=not base64!")) == "bad_csr");
    BOOST_TEST(code_of(parse_spkac("")) == "bad_csr");
    BOOST_TEST(code_of(parse_spkac("QUJD")) == "bad_csr");  // "ABC": base64 but no SPKAC
    std::string spkac = csr_text_fixture("spkac-rsa2048.txt");
    while (!spkac.empty() && (spkac.back() == '\n' || spkac.back() == '=')) {
        spkac.pop_back();
    }
    // Flip one base64 character inside the signature (near the end): bad signature or bad DER.
    std::string flipped = spkac;
    char& c = flipped[flipped.size() - 5];
    c = c == 'A' ? 'B' : 'A';
    const auto code =
        code_of(parse_spkac(flipped + std::string((4 - flipped.size() % 4) % 4, '=')));
    BOOST_TEST((code == "csr_signature" || code == "bad_csr"));
    BOOST_TEST(code_of(parse_spkac(spkac + "===")) == "bad_csr");
}

BOOST_AUTO_TEST_CASE(refuses_self_signatures_with_md5_sha1_or_pss_without_a_hash) {
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("rsa2048-sha1.der"))) == "csr_signature");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("rsa2048-md5.der"))) == "csr_signature");
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("ec256-sha1.der"))) == "csr_signature");
    // RSA-PSS with SHA-1 leaves the hash out of its parameters (the default, SHA-1).
    BOOST_TEST(code_of(parse_pkcs10(csr_fixture("rsa2048-pss-sha1.der"))) == "csr_signature");
    BOOST_TEST(code_of(parse_spkac(csr_text_fixture("spkac-rsa2048-sha1.txt"))) == "csr_signature");
    BOOST_TEST(code_of(parse_spkac(csr_text_fixture("spkac-rsa2048-md5.txt"))) == "csr_signature");
    // RSA-PSS with SHA-256 and MGF1-SHA-256 is a trusted self-signature.
    const auto pss = parse_pkcs10(csr_fixture("rsa2048-pss-sha256.der"));
    BOOST_TEST(pss.ok());
    BOOST_TEST(::ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_SUITE_END()
