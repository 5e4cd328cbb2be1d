// Unit tests of the OpenSSL handle helpers (librecord/ossl/handles.hpp): the strict DER readers
// parse_crl_der and parse_cert_der, check_ossl and share. The DER is made here with a throwaway
// EC key, a self-signed certificate and a CRL signed by it.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"
#include "librecord/ossl/handles.hpp"

#include <boost/test/unit_test.hpp>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ossl = cassiopeia::ossl;
using Bytes = std::vector<uint8_t>;

namespace {

void need(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string{"test setup failed: "} + what);
    }
}

ossl::EvpPkeyPtr make_key() {
    ossl::EvpPkeyPtr key{::EVP_EC_gen("P-256")};
    need(key != nullptr, "EVP_EC_gen");
    return key;
}

ossl::X509NamePtr make_name() {
    ossl::X509NamePtr name{::X509_NAME_new()};
    need(name != nullptr, "X509_NAME_new");
    // reinterpret_cast: OpenSSL takes the value as unsigned char bytes
    const auto* cn = reinterpret_cast<const unsigned char*>("librecord test CA");
    need(::X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1,
         "X509_NAME_add_entry_by_txt");
    return name;
}

ossl::X509Ptr make_cert(EVP_PKEY* key) {
    ossl::X509Ptr cert{::X509_new()};
    need(cert != nullptr, "X509_new");
    need(::X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    need(::ASN1_INTEGER_set(::X509_get_serialNumber(cert.get()), 0x1234) == 1, "serial");
    const auto name = make_name();
    need(::X509_set_subject_name(cert.get(), name.get()) == 1, "subject");
    need(::X509_set_issuer_name(cert.get(), name.get()) == 1, "issuer");
    need(::X509_gmtime_adj(::X509_getm_notBefore(cert.get()), 0) != nullptr, "notBefore");
    need(::X509_gmtime_adj(::X509_getm_notAfter(cert.get()), 3600) != nullptr, "notAfter");
    need(::X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    need(::X509_sign(cert.get(), key, ::EVP_sha256()) > 0, "X509_sign");
    return cert;
}

ossl::X509CrlPtr make_crl(X509* issuer, EVP_PKEY* key) {
    ossl::X509CrlPtr crl{::X509_CRL_new()};
    need(crl != nullptr, "X509_CRL_new");
    need(::X509_CRL_set_version(crl.get(), 1) == 1, "X509_CRL_set_version");
    need(::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(issuer)) == 1, "issuer");
    const ossl::Asn1TimePtr now{::X509_gmtime_adj(nullptr, 0)};
    const ossl::Asn1TimePtr next{::X509_gmtime_adj(nullptr, 86400)};
    need(now != nullptr && next != nullptr, "X509_gmtime_adj");
    need(::X509_CRL_set1_lastUpdate(crl.get(), now.get()) == 1, "lastUpdate");
    need(::X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "nextUpdate");

    ossl::X509RevokedPtr revoked{::X509_REVOKED_new()};
    need(revoked != nullptr, "X509_REVOKED_new");
    const ossl::Asn1IntegerPtr serial{::ASN1_INTEGER_new()};
    need(serial != nullptr && ::ASN1_INTEGER_set(serial.get(), 0x0A) == 1, "revoked serial");
    need(::X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) == 1, "set serial");
    need(::X509_REVOKED_set_revocationDate(revoked.get(), now.get()) == 1, "revocationDate");
    need(::X509_CRL_add0_revoked(crl.get(), revoked.get()) == 1, "X509_CRL_add0_revoked");
    (void)revoked.release();  // add0: the CRL owns it now

    need(::X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");
    need(::X509_CRL_sign(crl.get(), key, ::EVP_sha256()) > 0, "X509_CRL_sign");
    return crl;
}

template <class T, auto I2d>
Bytes der_of(T* object) {
    unsigned char* raw = nullptr;
    const int n = I2d(object, &raw);
    need(n > 0 && raw != nullptr, "i2d");
    const ossl::OsslBytesPtr owned{raw};
    return Bytes(raw, raw + n);
}

/** One key, certificate and CRL for every test case (EC key generation is quick, but once is
 * enough). */
struct Pki {
    ossl::EvpPkeyPtr key = make_key();
    ossl::X509Ptr cert = make_cert(key.get());
    ossl::X509CrlPtr crl = make_crl(cert.get(), key.get());
    Bytes cert_der = der_of<X509, &::i2d_X509>(cert.get());
    Bytes crl_der = der_of<X509_CRL, &::i2d_X509_CRL>(crl.get());
};

const Pki& pki() {
    static const Pki p;
    return p;
}

/** Offsets to cut a DER object at: the header bytes, a few inside and the last one. */
std::vector<size_t> cut_offsets(size_t size) {
    return {1, 2, 3, 4, 5, 10, size / 3, size / 2, size - 10, size - 2, size - 1};
}

Bytes garbage(size_t n) {
    Bytes b(n);
    uint32_t x = 0x9E3779B9U;
    for (auto& byte : b) {
        x = x * 1664525U + 1013904223U;
        byte = static_cast<uint8_t>(x >> 24);
    }
    return b;
}

bool queue_empty() {
    return ::ERR_peek_error() == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ossl_handles)

BOOST_AUTO_TEST_CASE(parse_cert_der_accepts_one_certificate) {
    const auto cert = ossl::parse_cert_der(pki().cert_der);
    BOOST_REQUIRE(cert != nullptr);
    BOOST_TEST(::X509_cmp(cert.get(), pki().cert.get()) == 0);
    BOOST_TEST(::X509_verify(cert.get(), pki().key.get()) == 1);
}

BOOST_AUTO_TEST_CASE(parse_crl_der_accepts_one_crl) {
    const auto crl = ossl::parse_crl_der(pki().crl_der);
    BOOST_REQUIRE(crl != nullptr);
    BOOST_TEST(::X509_CRL_verify(crl.get(), pki().key.get()) == 1);
    const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
    BOOST_REQUIRE(revoked != nullptr);
    BOOST_TEST(sk_X509_REVOKED_num(revoked) == 1);
}

BOOST_AUTO_TEST_CASE(refuse_empty_input) {
    BOOST_TEST(ossl::parse_cert_der({}) == nullptr);
    BOOST_TEST(ossl::parse_crl_der({}) == nullptr);
    BOOST_TEST(queue_empty());
}

BOOST_AUTO_TEST_CASE(refuse_input_truncated_at_several_offsets) {
    const Bytes& cert = pki().cert_der;
    for (const size_t n : cut_offsets(cert.size())) {
        BOOST_TEST(ossl::parse_cert_der(Bytes(
                       cert.begin(), cert.begin() + static_cast<std::ptrdiff_t>(n))) == nullptr,
                   n);
        BOOST_TEST(queue_empty(), n);
    }
    const Bytes& crl = pki().crl_der;
    for (const size_t n : cut_offsets(crl.size())) {
        BOOST_TEST(ossl::parse_crl_der(
                       Bytes(crl.begin(), crl.begin() + static_cast<std::ptrdiff_t>(n))) == nullptr,
                   n);
        BOOST_TEST(queue_empty(), n);
    }
}

BOOST_AUTO_TEST_CASE(refuse_a_trailing_byte) {
    for (const uint8_t extra : {uint8_t{0x00}, uint8_t{0x30}, uint8_t{0xFF}}) {
        Bytes cert = pki().cert_der;
        cert.push_back(extra);
        BOOST_TEST(ossl::parse_cert_der(cert) == nullptr, int{extra});
        Bytes crl = pki().crl_der;
        crl.push_back(extra);
        BOOST_TEST(ossl::parse_crl_der(crl) == nullptr, int{extra});
        BOOST_TEST(queue_empty());
    }
}

BOOST_AUTO_TEST_CASE(refuse_two_objects_back_to_back) {
    Bytes cert = pki().cert_der;
    cert.insert(cert.end(), pki().cert_der.begin(), pki().cert_der.end());
    BOOST_TEST(ossl::parse_cert_der(cert) == nullptr);
    Bytes crl = pki().crl_der;
    crl.insert(crl.end(), pki().crl_der.begin(), pki().crl_der.end());
    BOOST_TEST(ossl::parse_crl_der(crl) == nullptr);
}

BOOST_AUTO_TEST_CASE(refuse_garbage) {
    for (const size_t n : {size_t{1}, size_t{2}, size_t{16}, size_t{300}, size_t{4096}}) {
        BOOST_TEST(ossl::parse_cert_der(garbage(n)) == nullptr, n);
        BOOST_TEST(ossl::parse_crl_der(garbage(n)) == nullptr, n);
        BOOST_TEST(ossl::parse_cert_der(Bytes(n, 0x00)) == nullptr, n);
        BOOST_TEST(ossl::parse_crl_der(Bytes(n, 0xFF)) == nullptr, n);
    }
    BOOST_TEST(queue_empty());
}

BOOST_AUTO_TEST_CASE(refuse_the_other_kind_of_object) {
    BOOST_TEST(ossl::parse_cert_der(pki().crl_der) == nullptr);
    BOOST_TEST(ossl::parse_crl_der(pki().cert_der) == nullptr);
    BOOST_TEST(queue_empty());
}

BOOST_AUTO_TEST_CASE(refuse_a_flipped_length_byte) {
    Bytes cert = pki().cert_der;
    cert[3] = static_cast<uint8_t>(cert[3] ^ 0x01U);  // the outer SEQUENCE's length
    BOOST_TEST(ossl::parse_cert_der(cert) == nullptr);
    Bytes crl = pki().crl_der;
    crl[1] = static_cast<uint8_t>(crl[1] ^ 0x04U);
    BOOST_TEST(ossl::parse_crl_der(crl) == nullptr);
}

BOOST_AUTO_TEST_CASE(check_ossl_passes_on_success_and_throws_on_failure) {
    BOOST_CHECK_NO_THROW(ossl::check_ossl(true, "X509_new"));
    ::ERR_clear_error();
    try {
        ossl::check_ossl(false, "X509_sign");
        BOOST_FAIL("check_ossl(false) did not throw");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST((e.kind() == cassiopeia::ErrorKind::crypto));
        BOOST_TEST(e.call() == "X509_sign");
        BOOST_TEST(e.detail() == "failed");  // nothing on the queue
    }
}

BOOST_AUTO_TEST_CASE(check_ossl_drains_the_error_queue_into_the_exception) {
    // A failed parse by OpenSSL itself leaves its reason on the queue.
    const unsigned char bad[] = {0x30, 0x05, 0x01};
    const unsigned char* p = bad;
    const ossl::X509Ptr none{::d2i_X509(nullptr, &p, sizeof bad)};
    BOOST_REQUIRE(none == nullptr);
    BOOST_REQUIRE(!queue_empty());
    try {
        ossl::check_ossl(false, "d2i_X509");
        BOOST_FAIL("check_ossl(false) did not throw");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST(e.call() == "d2i_X509");
        BOOST_TEST(!e.detail().empty());
        BOOST_TEST(e.detail() != "failed");
    }
    BOOST_TEST(queue_empty());
}

BOOST_AUTO_TEST_CASE(drain_errors_is_empty_on_an_empty_queue) {
    ::ERR_clear_error();
    BOOST_TEST(ossl::drain_errors().empty());
}

BOOST_AUTO_TEST_CASE(share_gives_a_second_owner) {
    X509* raw_cert = pki().cert.get();
    {
        const ossl::X509Ptr shared = ossl::share(raw_cert);
        BOOST_TEST(shared.get() == raw_cert);
    }
    BOOST_TEST(::X509_cmp(raw_cert, pki().cert.get()) == 0);  // still alive

    EVP_PKEY* raw_key = pki().key.get();
    {
        const ossl::EvpPkeyPtr shared = ossl::share(raw_key);
        BOOST_TEST(shared.get() == raw_key);
    }
    BOOST_TEST(::EVP_PKEY_get_bits(raw_key) == 256);
}

BOOST_AUTO_TEST_CASE(share_of_null_throws) {
    BOOST_CHECK_THROW((void)ossl::share(static_cast<X509*>(nullptr)), cassiopeia::Error);
    BOOST_CHECK_THROW((void)ossl::share(static_cast<EVP_PKEY*>(nullptr)), cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()
