// RAII owners of the OpenSSL handles the client's CRL code uses (style.md §4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/c_handle.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <memory>

namespace cassiopeia::client::crl {

using librecord::CFree;
using X509Ptr = std::unique_ptr<X509, CFree<&::X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, CFree<&::X509_CRL_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, CFree<&::X509_REVOKED_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, CFree<&::X509_ALGOR_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, CFree<&::ASN1_INTEGER_free>>;
using Asn1EnumPtr = std::unique_ptr<ASN1_ENUMERATED, CFree<&::ASN1_ENUMERATED_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, CFree<&::ASN1_TIME_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, CFree<&::ASN1_BIT_STRING_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, CFree<&::BN_free>>;
using BioPtr = std::unique_ptr<BIO, CFree<&::BIO_free_all>>;

/** Frees an OpenSSL-allocated buffer (OPENSSL_free is a macro, so it needs a function). */
inline void openssl_free(void* p) noexcept {
    OPENSSL_free(p);
}

using OsslBytesPtr = std::unique_ptr<unsigned char, CFree<&openssl_free>>;

}  // namespace cassiopeia::client::crl
