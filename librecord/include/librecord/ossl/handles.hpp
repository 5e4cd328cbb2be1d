// RAII owners for OpenSSL handles (docs/style.md §4), check_ossl(), the one OpenSSL error checker,
// and the strict DER readers both daemons use: the project's one OpenSSL wrapper.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "librecord/c_handle.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::ossl {

/** The project's one C-handle deleter (librecord/c_handle.hpp). */
template <auto FreeFn>
using CFree = librecord::CFree<FreeFn>;

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, CFree<&::EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, CFree<&::EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, CFree<&::EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, CFree<&::X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, CFree<&::X509_CRL_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, CFree<&::X509_REVOKED_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, CFree<&::X509_ALGOR_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, CFree<&::X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, CFree<&::X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, CFree<&::X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, CFree<&::X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, CFree<&::X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, CFree<&::BIO_free_all>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, CFree<&::ASN1_INTEGER_free>>;
using Asn1EnumPtr = std::unique_ptr<ASN1_ENUMERATED, CFree<&::ASN1_ENUMERATED_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, CFree<&::ASN1_TIME_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, CFree<&::ASN1_OBJECT_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, CFree<&::ASN1_OCTET_STRING_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, CFree<&::BN_free>>;
using NetscapeSpkiPtr = std::unique_ptr<NETSCAPE_SPKI, CFree<&::NETSCAPE_SPKI_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, CFree<&::GENERAL_NAMES_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, CFree<&::BASIC_CONSTRAINTS_free>>;
using ExtKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, CFree<&::EXTENDED_KEY_USAGE_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, CFree<&::ASN1_BIT_STRING_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, CFree<&::AUTHORITY_KEYID_free>>;
using CrlDistPointsPtr = std::unique_ptr<CRL_DIST_POINTS, CFree<&::CRL_DIST_POINTS_free>>;
using AuthorityInfoAccessPtr =
    std::unique_ptr<AUTHORITY_INFO_ACCESS, CFree<&::AUTHORITY_INFO_ACCESS_free>>;

/** Frees an OpenSSL-allocated buffer (OPENSSL_free is a macro, so it needs a function). */
void openssl_free(void* p) noexcept;
using OsslBytesPtr = std::unique_ptr<unsigned char, CFree<&openssl_free>>;
using OsslStringPtr = std::unique_ptr<char, CFree<&openssl_free>>;

/** A new owner of a reference-counted handle (X509_up_ref / EVP_PKEY_up_ref). */
[[nodiscard]] X509Ptr share(X509* cert);
[[nodiscard]] EvpPkeyPtr share(EVP_PKEY* key);

/** Drains this thread's OpenSSL error queue into one line ("" when empty). */
[[nodiscard]] std::string drain_errors();

/** Throws cassiopeia::Error{crypto, call, drained error queue} when !ok. */
void check_ossl(bool ok, const char* call);

/**
 * The DER that `i2d` (an OpenSSL i2d_* function, or a callable of its shape) writes for `obj`.
 * Throws cassiopeia::Error{crypto, what} when it writes nothing.
 */
template <typename Obj, typename I2d>
[[nodiscard]] std::vector<uint8_t> to_der(I2d&& i2d, Obj* obj, const char* what = "i2d") {
    unsigned char* raw = nullptr;
    const int len = i2d(obj, &raw);
    const OsslBytesPtr owned{raw};
    check_ossl(len > 0 && raw != nullptr, what);
    return {raw, raw + len};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

/**
 * Reads exactly one DER CRL (docs/style.md §6.7: nothing may follow it).
 * @return the CRL, or null when the bytes are empty, not one DER CertificateList, or followed by
 *   more bytes. Untrusted input: never throws for bad bytes.
 */
[[nodiscard]] X509CrlPtr parse_crl_der(std::span<const uint8_t> der);

/** Reads exactly one DER certificate, like parse_crl_der. */
[[nodiscard]] X509Ptr parse_cert_der(std::span<const uint8_t> der);

}  // namespace cassiopeia::ossl
