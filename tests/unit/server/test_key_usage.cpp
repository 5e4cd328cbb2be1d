// Tests of the one keyUsage table: names, bit numbers, OpenSSL's KU_* flags and key types.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/key_usage.hpp"
#include "issuance_test_support.hpp"

#include <librecord/ossl/handles.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <set>
#include <string>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::add_conf_ext;
using cassiopeia::server::test::make_ec;

BOOST_AUTO_TEST_SUITE(key_usage)

BOOST_AUTO_TEST_CASE(every_name_round_trips_through_its_bit) {
    std::set<std::string_view> names;
    for (const KeyUsage& k : key_usages) {
        const auto by_name = key_usage_by_name(k.name);
        BOOST_REQUIRE(by_name.has_value());
        BOOST_TEST(by_name->bit == k.bit);
        const auto by_bit = key_usage_by_bit(k.bit);
        BOOST_REQUIRE(by_bit.has_value());
        BOOST_TEST(by_bit->name == k.name);
        BOOST_TEST(by_bit->ku_flag == k.ku_flag);
        names.insert(k.name);
    }
    BOOST_TEST(names.size() == key_usages.size());
    BOOST_TEST(key_usage_names.size() == key_usages.size());
    for (size_t i = 0; i < key_usages.size(); ++i) {
        BOOST_TEST(key_usage_names.at(i) == key_usages.at(i).name);
        BOOST_TEST(key_usages.at(i).bit == static_cast<int>(i));  // RFC 5280 bit order
    }
}

BOOST_AUTO_TEST_CASE(refuses_unknown_names_and_bits) {
    BOOST_TEST(!key_usage_by_name("").has_value());
    BOOST_TEST(!key_usage_by_name("digitalsignature").has_value());  // names are case-exact
    BOOST_TEST(!key_usage_by_name("DigitalSignature").has_value());
    BOOST_TEST(!key_usage_by_name("serverAuth").has_value());  // an EKU, not a key usage
    BOOST_TEST(!key_usage_by_name("crlSign").has_value());
    BOOST_TEST(!key_usage_by_bit(-1).has_value());
    BOOST_TEST(!key_usage_by_bit(9).has_value());
}

// The table agrees with OpenSSL's own: a certificate whose keyUsage OpenSSL built from the name
// (its v3 configuration names are RFC 5280's) has exactly that bit set and reports that flag.
BOOST_AUTO_TEST_CASE(names_bits_and_flags_match_openssl) {
    const auto key = make_ec();
    for (const KeyUsage& k : key_usages) {
        const cassiopeia::ossl::X509Ptr cert{::X509_new()};
        BOOST_REQUIRE(cert != nullptr);
        BOOST_REQUIRE(::X509_set_version(cert.get(), X509_VERSION_3) == 1);
        BOOST_REQUIRE(::X509_set_pubkey(cert.get(), key.get()) == 1);
        add_conf_ext(
            cert.get(), cert.get(), NID_key_usage, ("critical," + std::string{k.name}).c_str());
        BOOST_REQUIRE(::X509_sign(cert.get(), key.get(), ::EVP_sha256()) > 0);
        BOOST_TEST(::X509_get_key_usage(cert.get()) == k.ku_flag);
        int crit = -1;
        const cassiopeia::ossl::Asn1BitStringPtr bits{static_cast<ASN1_BIT_STRING*>(
            ::X509_get_ext_d2i(cert.get(), NID_key_usage, &crit, nullptr))};
        BOOST_REQUIRE(bits != nullptr);
        for (const KeyUsage& other : key_usages) {
            BOOST_TEST((::ASN1_BIT_STRING_get_bit(bits.get(), other.bit) == 1) ==
                       (other.bit == k.bit));
        }
    }
}

BOOST_AUTO_TEST_CASE(key_types_refuse_what_they_cannot_do) {
    BOOST_TEST(!key_usage_fits_key("keyEncipherment", EVP_PKEY_EC));
    BOOST_TEST(!key_usage_fits_key("dataEncipherment", EVP_PKEY_EC));
    BOOST_TEST(key_usage_fits_key("keyAgreement", EVP_PKEY_EC));
    BOOST_TEST(key_usage_fits_key("digitalSignature", EVP_PKEY_EC));
    BOOST_TEST(!key_usage_fits_key("keyAgreement", EVP_PKEY_RSA));
    BOOST_TEST(key_usage_fits_key("keyEncipherment", EVP_PKEY_RSA));
    BOOST_TEST(key_usage_fits_key("keyEncipherment", EVP_PKEY_ED25519));
}

BOOST_AUTO_TEST_SUITE_END()
