// A certificate signed anew (resign.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/resign.hpp"

#include "issuance/extension_values.hpp"

#include <librecord/errors.hpp>

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace cassiopeia::server {

namespace {

using ossl::check_ossl;

[[noreturn]] void refuse(const std::string& why) {
    throw Error(ErrorKind::config, "resign", why);
}

/**
 * Puts `value` as extension `nid` where the old one was, with its criticality; appended
 * (non-critical) when the certificate had none.
 */
void replace_extension(X509* cert, int nid, void* value) {
    const int at = ::X509_get_ext_by_NID(cert, nid, -1);
    const int critical = at >= 0 ? ::X509_EXTENSION_get_critical(::X509_get_ext(cert, at)) : 0;
    const ossl::X509ExtPtr ext{::X509V3_EXT_i2d(nid, critical, value)};
    check_ossl(ext != nullptr, "X509V3_EXT_i2d");
    if (at >= 0) {
        const ossl::X509ExtPtr old{::X509_delete_ext(cert, at)};
        check_ossl(old != nullptr, "X509_delete_ext");
    }
    check_ossl(::X509_add_ext(cert, ext.get(), at) == 1, "X509_add_ext");
}

void set_serial(X509* cert, const std::vector<uint8_t>& magnitude) {
    const ossl::BignumPtr bn{
        ::BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr)};
    check_ossl(bn != nullptr, "BN_bin2bn");
    if (BN_is_zero(bn.get()) || magnitude.size() > 20) {
        refuse("--serial must be positive and at most 20 bytes (RFC 5280 4.1.2.2)");
    }
    const ossl::Asn1IntegerPtr serial{::BN_to_ASN1_INTEGER(bn.get(), nullptr)};
    check_ossl(serial != nullptr && ::X509_set_serialNumber(cert, serial.get()) == 1,
               "X509_set_serialNumber");
}

/** authorityInfoAccess: `ocsp_urls` as its OCSP entries, then its other entries as they were. */
void set_ocsp(X509* cert, const std::vector<std::string>& ocsp_urls) {
    const ossl::AuthorityInfoAccessPtr old{static_cast<AUTHORITY_INFO_ACCESS*>(
        ::X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr))};
    ::ERR_clear_error();
    const ossl::AuthorityInfoAccessPtr aia{sk_ACCESS_DESCRIPTION_new_null()};
    check_ossl(aia != nullptr, "sk_ACCESS_DESCRIPTION_new_null");
    for (const auto& url : ocsp_urls) {
        push_access_description(aia.get(), NID_ad_OCSP, url);
    }
    while (old && sk_ACCESS_DESCRIPTION_num(old.get()) > 0) {
        ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_shift(old.get());
        if (::OBJ_obj2nid(ad->method) == NID_ad_OCSP) {
            ::ACCESS_DESCRIPTION_free(ad);
        } else if (sk_ACCESS_DESCRIPTION_push(aia.get(), ad) <= 0) {
            ::ACCESS_DESCRIPTION_free(ad);
            check_ossl(false, "sk_ACCESS_DESCRIPTION_push");
        }
    }
    replace_extension(cert, NID_info_access, aia.get());
}

/**
 * authorityKeyIdentifier reduced to its key identifier: the old one's, else the issuer's
 * subject key identifier; the two must agree when both exist.
 */
void reduce_aki(X509* cert, X509* issuer) {
    const ossl::AuthorityKeyIdPtr old{static_cast<AUTHORITY_KEYID*>(
        ::X509_get_ext_d2i(cert, NID_authority_key_identifier, nullptr, nullptr))};
    ::ERR_clear_error();
    if (!old) {
        refuse("--aki keyid: the certificate has no authority key identifier to reduce");
    }
    const ASN1_OCTET_STRING* issuer_ski = ::X509_get0_subject_key_id(issuer);
    if (old->keyid != nullptr && issuer_ski != nullptr &&
        ::ASN1_OCTET_STRING_cmp(old->keyid, issuer_ski) != 0) {
        refuse("the authority key identifier is not the issuer's subject key identifier");
    }
    const ASN1_OCTET_STRING* keyid = old->keyid != nullptr ? old->keyid : issuer_ski;
    if (keyid == nullptr) {
        refuse("--aki keyid: neither the certificate nor its issuer has a key identifier");
    }
    const ossl::AuthorityKeyIdPtr aki{::AUTHORITY_KEYID_new()};
    check_ossl(aki != nullptr, "AUTHORITY_KEYID_new");
    aki->keyid = ::ASN1_OCTET_STRING_dup(keyid);
    check_ossl(aki->keyid != nullptr, "ASN1_OCTET_STRING_dup");
    replace_extension(cert, NID_authority_key_identifier, aki.get());
}

/** What must hold before anything is signed (resign_certificate). */
void check_before(const ParsedCertificate& old_cert, X509* issuer, const CaKey& key) {
    X509* old = old_cert.x509.get();
    if (::X509_NAME_cmp(::X509_get_subject_name(issuer), ::X509_get_issuer_name(old)) != 0) {
        refuse("the issuer certificate's subject is not the certificate's issuer");
    }
    try {
        key.check_matches(issuer);
    } catch (const Error& e) {
        refuse("the key is not the issuer's: " + e.detail());
    }
    const int verified = ::X509_verify(old, ::X509_get0_pubkey(issuer));
    ::ERR_clear_error();
    if (verified != 1) {
        refuse("the old certificate's signature does not verify with the issuer's key");
    }
    const ParsedCertificate& same = old_cert;
    if (!compare_certificates(old_cert, same, {}).equivalent()) {
        refuse(
            "the old certificate is not DER as OpenSSL encodes what it parsed: a new "
            "signature could not keep its bytes");
    }
}

/** What must hold of the signed result (resign_certificate). */
ParsedCertificate check_after(const ParsedCertificate& old_cert,
                              X509* signed_cert,
                              X509* issuer,
                              bool self_signed,
                              const ResignChanges& changes) {
    auto parsed = parse_certificate(ossl::to_der(::i2d_X509, signed_cert, "i2d_X509"));
    check_ossl(parsed.has_value(), "parse_certificate");
    X509* cert = parsed->x509.get();
    X509* by = self_signed ? cert : issuer;
    const int verified = ::X509_verify(cert, ::X509_get0_pubkey(by));
    const int issued = ::X509_check_issued(by, cert);
    ::ERR_clear_error();
    if (verified != 1) {
        refuse("the new signature does not verify with the issuer's key");
    }
    if (issued != X509_V_OK) {
        refuse(
            std::string("the new certificate is not issued by its issuer as OpenSSL judges: ") +
            ::X509_verify_cert_error_string(issued) +
            (self_signed ? " (a new serial needs --aki keyid when the AKI names the serial)" : ""));
    }
    const auto comparison = compare_certificates(old_cert, *parsed, changed_fields(changes));
    std::string fields;
    for (const auto& f : comparison.fields) {
        if (f.verdict == FieldVerdict::differs) {
            fields += (fields.empty() ? "" : ", ") + f.field;
        }
    }
    if (!fields.empty()) {
        refuse("the new certificate differs in more than was asked: " + fields);
    }
    return std::move(*parsed);
}

}  // namespace

std::set<std::string> changed_fields(const ResignChanges& changes) {
    std::set<std::string> fields{"signature"};
    if (changes.serial) {
        fields.insert("serial");
    }
    if (!changes.crl_urls.empty()) {
        fields.insert(::OBJ_nid2sn(NID_crl_distribution_points));
    }
    if (!changes.ocsp_urls.empty()) {
        fields.insert(::OBJ_nid2sn(NID_info_access));
    }
    if (changes.aki_key_id_only) {
        fields.insert(::OBJ_nid2sn(NID_authority_key_identifier));
    }
    return fields;
}

ParsedCertificate resign_certificate(const ParsedCertificate& old_cert,
                                     X509* issuer,
                                     const CaKey& key,
                                     const ResignChanges& changes) {
    check_before(old_cert, issuer, key);
    const bool self_signed = issuer == old_cert.x509.get();
    const ossl::X509Ptr cert{::X509_dup(old_cert.x509.get())};
    check_ossl(cert != nullptr, "X509_dup");
    if (changes.serial) {
        set_serial(cert.get(), *changes.serial);
    }
    if (!changes.crl_urls.empty()) {
        const auto points = crl_distribution_points(changes.crl_urls);
        replace_extension(cert.get(), NID_crl_distribution_points, points.get());
    }
    if (!changes.ocsp_urls.empty()) {
        set_ocsp(cert.get(), changes.ocsp_urls);
    }
    if (changes.aki_key_id_only) {
        reduce_aki(cert.get(), issuer);
    }
    key.sign(cert.get(), changes.md);
    return check_after(old_cert, cert.get(), issuer, self_signed, changes);
}

}  // namespace cassiopeia::server
