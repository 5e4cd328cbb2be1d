// Builds the certificate from SignRequest + Profile + time CA, lints its TBS (signature algorithm
// written in, unsigned), signs it with the CA key and checks that the signed TBS is the linted one.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/builder.hpp"

#include "issuance/ca_policy.hpp"
#include "issuance/extension_values.hpp"
#include "issuance/key_usage.hpp"
#include "issuance/lint.hpp"
#include "issuance/signature_algorithm.hpp"

#include <librecord/serial_text.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <functional>

namespace cassiopeia::server {

namespace {

using ossl::check_ossl;

const EVP_MD* digest_for(std::string_view hash) {
    if (hash == "sha384") {
        return ::EVP_sha384();
    }
    if (hash == "sha512") {
        return ::EVP_sha512();
    }
    return ::EVP_sha256();
}

std::string expand_url(const std::string& url, const std::string& ca) {
    std::string out = url;
    const std::string token = "{ca}";
    for (size_t pos = out.find(token); pos != std::string::npos;
         pos = out.find(token, pos + ca.size())) {
        out.replace(pos, token.size(), ca);
    }
    return out;
}

void add_ext(X509* cert, int nid, void* value, bool critical, const char* what) {
    check_ossl(::X509_add1_ext_i2d(cert, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) == 1,
               what);
}

ossl::Asn1IntegerPtr random_serial() {
    std::array<unsigned char, serial_bytes> buf{};
    // RFC 5280 §4.1.2.2 and CA/B BR §7.1: positive, >= 64 bits from a CSPRNG, <= 20 bytes.
    // The top bit is cleared (positive) and a zero first byte is drawn again, so the DER
    // content is always exactly 16 bytes.
    do {
        check_ossl(::RAND_bytes(buf.data(), static_cast<int>(buf.size())) == 1, "RAND_bytes");
        buf[0] &= 0x7FU;
    } while (buf[0] == 0);
    const ossl::BignumPtr bn{::BN_bin2bn(buf.data(), static_cast<int>(buf.size()), nullptr)};
    ::OPENSSL_cleanse(buf.data(), buf.size());
    check_ossl(bn != nullptr, "BN_bin2bn");
    ossl::Asn1IntegerPtr serial{::BN_to_ASN1_INTEGER(bn.get(), nullptr)};
    check_ossl(serial != nullptr, "BN_to_ASN1_INTEGER");
    return serial;
}

int string_type_for(std::string_view short_name) {
    if (short_name == "C") {
        return V_ASN1_PRINTABLESTRING;
    }
    if (short_name == "emailAddress") {
        return V_ASN1_IA5STRING;
    }
    return V_ASN1_UTF8STRING;
}

std::vector<uint8_t> tbs_bytes(X509* cert) {
    return ossl::to_der(::i2d_re_X509_tbs, cert, "i2d_re_X509_tbs");
}

/** The fields before the extensions: version, serial, issuer, validity, public key. */
ossl::X509Ptr new_certificate(const SignRequest& req,
                              const TimeCa& ca,
                              SysSeconds not_before,
                              SysSeconds not_after) {
    ossl::X509Ptr cert{::X509_new()};
    check_ossl(cert != nullptr, "X509_new");
    check_ossl(::X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    const auto serial = random_serial();
    check_ossl(::X509_set_serialNumber(cert.get(), serial.get()) == 1, "X509_set_serialNumber");
    check_ossl(::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(ca.cert.get())) == 1,
               "X509_set_issuer_name");
    check_ossl(::ASN1_TIME_set(::X509_getm_notBefore(cert.get()),
                               not_before.time_since_epoch().count()) != nullptr,
               "ASN1_TIME_set");
    check_ossl(::ASN1_TIME_set(::X509_getm_notAfter(cert.get()),
                               not_after.time_since_epoch().count()) != nullptr,
               "ASN1_TIME_set");
    check_ossl(::X509_set_pubkey(cert.get(), req.key()) == 1, "X509_set_pubkey");
    return cert;
}

/** Subject: the AVAs in the order sent, string types set explicitly (§5.2). */
void set_subject(X509* cert, const SignRequest& req) {
    const ossl::X509NamePtr subject{::X509_NAME_new()};
    check_ossl(subject != nullptr, "X509_NAME_new");
    for (const auto& ava : req.avas()) {
        const AvaSpec* spec = find_ava_spec(ava.short_name);
        check_ossl(spec != nullptr, "find_ava_spec");
        const ossl::Asn1ObjectPtr obj{::OBJ_txt2obj(std::string{spec->oid}.c_str(), 1)};
        check_ossl(obj != nullptr, "OBJ_txt2obj");
        // reinterpret_cast: OpenSSL takes the UTF-8 bytes as unsigned char.
        check_ossl(
            ::X509_NAME_add_entry_by_OBJ(subject.get(),
                                         obj.get(),
                                         string_type_for(ava.short_name),
                                         reinterpret_cast<const unsigned char*>(ava.value.data()),
                                         static_cast<int>(ava.value.size()),
                                         -1,
                                         0) == 1,
            "X509_NAME_add_entry_by_OBJ");
    }
    check_ossl(::X509_set_subject_name(cert, subject.get()) == 1, "X509_set_subject_name");
}

/** basicConstraints, critical. */
void add_basic_constraints(X509* cert, const Profile& profile) {
    const ossl::BasicConstraintsPtr bc{::BASIC_CONSTRAINTS_new()};
    check_ossl(bc != nullptr, "BASIC_CONSTRAINTS_new");
    bc->ca = profile.basic_constraints_ca ? 0xFF : 0;
    if (profile.basic_constraints_ca && profile.path_len >= 0) {
        bc->pathlen = ::ASN1_INTEGER_new();
        check_ossl(bc->pathlen != nullptr && ::ASN1_INTEGER_set(bc->pathlen, profile.path_len) == 1,
                   "ASN1_INTEGER_set");
    }
    add_ext(cert, NID_basic_constraints, bc.get(), true, "basicConstraints");
}

/** keyUsage, critical. */
void add_key_usage(X509* cert, const std::vector<std::string>& key_usage) {
    const ossl::Asn1BitStringPtr ku{::ASN1_BIT_STRING_new()};
    check_ossl(ku != nullptr, "ASN1_BIT_STRING_new");
    for (const auto& u : key_usage) {
        const auto usage = key_usage_by_name(u);
        check_ossl(usage && ::ASN1_BIT_STRING_set_bit(ku.get(), usage->bit, 1) == 1,
                   "ASN1_BIT_STRING_set_bit");
    }
    add_ext(cert, NID_key_usage, ku.get(), true, "keyUsage");
}

/** extendedKeyUsage, when the profile has one. */
void add_extended_key_usage(X509* cert, const Profile& profile) {
    if (profile.extended_key_usage.empty()) {
        return;
    }
    const ossl::ExtKeyUsagePtr eku{sk_ASN1_OBJECT_new_null()};
    check_ossl(eku != nullptr, "sk_ASN1_OBJECT_new_null");
    for (const auto& e : profile.extended_key_usage) {
        ASN1_OBJECT* obj = ::OBJ_nid2obj(::OBJ_sn2nid(e.c_str()));
        check_ossl(obj != nullptr && sk_ASN1_OBJECT_push(eku.get(), obj) > 0,
                   "sk_ASN1_OBJECT_push");
        // obj is a static table entry: ASN1_OBJECT_free leaves it alone
    }
    add_ext(cert, NID_ext_key_usage, eku.get(), profile.eku_critical, "extendedKeyUsage");
}

/** subjectKeyIdentifier: SHA-1 of the subject public key (RFC 5280 §4.2.1.2 method 1). */
void add_subject_key_id(X509* cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    check_ossl(::X509_pubkey_digest(cert, ::EVP_sha1(), md.data(), &md_len) == 1,
               "X509_pubkey_digest");
    const ossl::Asn1OctetStringPtr ski{::ASN1_OCTET_STRING_new()};
    check_ossl(ski != nullptr &&
                   ::ASN1_OCTET_STRING_set(ski.get(), md.data(), static_cast<int>(md_len)) == 1,
               "ASN1_OCTET_STRING_set");
    add_ext(cert, NID_subject_key_identifier, ski.get(), false, "subjectKeyIdentifier");
}

/** authorityKeyIdentifier: keyIdentifier only, the CA's subject key identifier. */
void add_authority_key_id(X509* cert, const TimeCa& ca) {
    const ossl::AuthorityKeyIdPtr aki{::AUTHORITY_KEYID_new()};
    check_ossl(aki != nullptr, "AUTHORITY_KEYID_new");
    aki->keyid = ::ASN1_OCTET_STRING_dup(::X509_get0_subject_key_id(ca.cert.get()));
    check_ossl(aki->keyid != nullptr, "ASN1_OCTET_STRING_dup");
    add_ext(cert, NID_authority_key_identifier, aki.get(), false, "authorityKeyIdentifier");
}

/** subjectAltName, critical when the subject is empty (RFC 5280 §4.2.1.6). */
void add_subject_alt_name(X509* cert, const SignRequest& req) {
    if (req.sans().empty()) {
        return;
    }
    const ossl::GeneralNamesPtr names{sk_GENERAL_NAME_new_null()};
    check_ossl(names != nullptr, "sk_GENERAL_NAME_new_null");
    for (const auto& san : req.sans()) {
        push_name(names.get(),
                  new_ia5_name(san.type == SanType::dns ? GEN_DNS : GEN_EMAIL, san.value));
    }
    add_ext(cert, NID_subject_alt_name, names.get(), req.avas().empty(), "subjectAltName");
}

/** cRLDistributionPoints, when the profile names a CRL URL. */
void add_crl_distribution_points(X509* cert, const Profile& profile, const TimeCa& ca) {
    if (profile.crl_url.empty()) {
        return;
    }
    const auto points = crl_distribution_points({expand_url(profile.crl_url, ca.name)});
    add_ext(cert, NID_crl_distribution_points, points.get(), false, "cRLDistributionPoints");
}

/** authorityInfoAccess: OCSP then caIssuers, when the profile names either. */
void add_authority_info_access(X509* cert, const Profile& profile, const TimeCa& ca) {
    if (profile.ocsp_url.empty() && profile.ca_issuers_url.empty()) {
        return;
    }
    const ossl::AuthorityInfoAccessPtr aia{sk_ACCESS_DESCRIPTION_new_null()};
    check_ossl(aia != nullptr, "sk_ACCESS_DESCRIPTION_new_null");
    const std::array<std::pair<int, const std::string*>, 2> entries{
        {{NID_ad_OCSP, &profile.ocsp_url}, {NID_ad_ca_issuers, &profile.ca_issuers_url}}};
    for (const auto& [nid, url] : entries) {
        if (url->empty()) {
            continue;
        }
        push_access_description(aia.get(), nid, expand_url(*url, ca.name));
    }
    add_ext(cert, NID_info_access, aia.get(), false, "authorityInfoAccess");
}

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1), when the profile asks for it. */
void add_ocsp_nocheck(X509* cert, const Profile& profile) {
    if (!profile.ocsp_nocheck) {
        return;
    }
    ASN1_NULL* null_value = ::ASN1_NULL_new();
    check_ossl(null_value != nullptr, "ASN1_NULL_new");
    const int rc =
        ::X509_add1_ext_i2d(cert, NID_id_pkix_OCSP_noCheck, null_value, 0, X509V3_ADD_DEFAULT);
    ::ASN1_NULL_free(null_value);
    check_ossl(rc == 1, "ocspNoCheck");
}

// The certificate body, everything but the signature.
ossl::X509Ptr build(const SignRequest& req,
                    const Profile& profile,
                    const TimeCa& ca,
                    const std::vector<std::string>& key_usage,
                    SysSeconds not_before,
                    SysSeconds not_after) {
    ossl::X509Ptr cert = new_certificate(req, ca, not_before, not_after);
    set_subject(cert.get(), req);
    add_basic_constraints(cert.get(), profile);
    add_key_usage(cert.get(), key_usage);
    add_extended_key_usage(cert.get(), profile);
    add_subject_key_id(cert.get());
    add_authority_key_id(cert.get(), ca);
    add_subject_alt_name(cert.get(), req);
    add_crl_distribution_points(cert.get(), profile, ca);
    add_authority_info_access(cert.get(), profile, ca);
    add_ocsp_nocheck(cert.get(), profile);
    return cert;
}

}  // namespace

std::string serial_text(const ASN1_INTEGER* serial) {
    check_ossl(serial != nullptr && ::ASN1_STRING_type(serial) == V_ASN1_INTEGER, "serial_text");
    // ASN1_INTEGER holds the big-endian magnitude; the sign lives in the type.
    return librecord::format_serial(std::span<const uint8_t>{
        ::ASN1_STRING_get0_data(serial), static_cast<size_t>(::ASN1_STRING_length(serial))});
}

namespace {

/** The profile `req` names, when the request is complete and the profile may serve it. */
Refusable<const Profile*> served_profile(const ProfileSet& profiles,
                                         const SignRequest& req,
                                         bool allow_local_only) {
    if (auto st = req.check_complete(); !st) {
        return std::move(st).error();
    }
    const Profile* profile = profiles.find(req.profile_name());
    if (profile == nullptr) {
        return refuse(ErrorCode::unknown_profile, "setProfile: no profile " + req.profile_name());
    }
    if (profile->local_only && !allow_local_only) {
        return refuse(ErrorCode::profile_local_only,
                      "setProfile: profile " + profile->name + " is never served on the line");
    }
    if (profile->ocsp_nocheck && !req.ocsp_target_ca()) {
        return refuse(ErrorCode::bad_request,
                      "setProfile: profile " + profile->name + " needs ocspTargetCA");
    }
    return profile;
}

/** The served profile, once the request passed its checks; the request is logged. */
Refusable<const Profile*> checked_request(const ProfileSet& profiles,
                                          const SignRequest& req,
                                          bool allow_local_only,
                                          std::vector<std::string>& log) {
    const auto served = served_profile(profiles, req, allow_local_only);
    if (!served) {
        return served.error();
    }
    const Profile& profile = **served;
    // The log crosses the line for every job: one short line per decision, nothing the
    // certificate says in full (names, validity, serial); the proofs name what they back.
    log.push_back("profile " + profile.name + ", " + req.hash() + ", " + req.key_description());
    if (auto st = check_against_profile(req, profile); !st) {
        return std::move(st).error();
    }
    return &profile;
}

struct Validity {
    SysSeconds not_before;
    SysSeconds not_after;
    Period cap;
};

/** Validity (§5.2): the wishes within the profile's cap and the CA's own validity. */
Refusable<Validity> resolve_validity(const SignRequest& req,
                                     const Profile& profile,
                                     const TimeCa& ca,
                                     SysSeconds now,
                                     std::vector<std::string>& log) {
    const auto cap = profile.cap_at(now);
    if (!cap) {
        return refuse(ErrorCode::validity_cap,
                      "wishTo: profile " + profile.name + " has no cap in force");
    }
    auto nb = resolve_not_before(req.wish_from_time(), now);
    if (!nb) {
        return std::move(nb).error();
    }
    const SysSeconds not_before = nb.value();
    if (not_before < ca.not_before) {
        return refuse(ErrorCode::bad_validity,
                      "wishFrom: notBefore precedes CA " + ca.name + "'s notBefore");
    }
    auto na = resolve_not_after(not_before, req.wish_to_value(), *cap);
    if (!na) {
        return std::move(na).error();
    }
    SysSeconds not_after = na.value();
    log.push_back("validity within cap " + format_period(*cap));
    if (not_after > ca.not_after) {
        not_after = ca.not_after;
        log.push_back("notAfter clamped to the CA's");
        if (not_after <= not_before) {
            return refuse(
                ErrorCode::bad_validity,
                "wishFrom: CA " + ca.name + " expires before notBefore " + format_utc(not_before));
        }
    }
    return Validity{not_before, not_after, *cap};
}

/** The profile's keyUsage that fits the key; what it drops is logged. */
std::vector<std::string> key_usage_for(const Profile& profile,
                                       const SignRequest& req,
                                       std::vector<std::string>& log) {
    auto key_usage = effective_key_usage(profile, req.key());
    for (const auto& u : profile.key_usage) {
        if (std::find(key_usage.begin(), key_usage.end(), u) == key_usage.end()) {
            log.push_back("keyUsage " + u + " dropped (key " + req.key_description() + ")");
        }
    }
    return key_usage;
}

/**
 * Pre-issuance lint of the exact TBS the CA key will sign (its signature algorithm written
 * in beforehand; a throwaway signature of the CA key's type where it cannot be, see
 * set_signature_algorithm); then the CA signature, a check that the signed TBS is the linted
 * one, and a verification. One private-key operation per certificate.
 */
Status lint_then_sign(X509* cert,
                      const TimeCa& ca,
                      const EVP_MD* md,
                      const std::function<EVP_PKEY*()>& throwaway,
                      const LintExpectations& want,
                      std::vector<std::string>& log) {
    if (!set_signature_algorithm(cert, ca.key.public_key(), md)) {
        check_ossl(::X509_sign(cert, throwaway(), md) > 0, "X509_sign(throwaway)");
    }
    const std::vector<uint8_t> linted = tbs_bytes(cert);
    if (auto finding = lint_certificate(cert, want)) {
        log.push_back("lint: " + *finding);
        return refuse(ErrorCode::lint, *finding);
    }
    log.push_back("lint passed");

    ca.key.sign(cert, md);
    const std::vector<uint8_t> signed_tbs = tbs_bytes(cert);
    if (signed_tbs.size() != linted.size() ||
        ::CRYPTO_memcmp(signed_tbs.data(), linted.data(), linted.size()) != 0) {
        return refuse(ErrorCode::lint, "tbs_changed: the signed TBS differs from the linted one");
    }
    const int verified = ::X509_verify(cert, ::X509_get0_pubkey(ca.cert.get()));
    ::ERR_clear_error();
    if (verified != 1) {
        return refuse(ErrorCode::lint, "signature: the CA signature does not verify");
    }
    return ok_status();
}

/** The issued certificate, parsed again from its final DER. */
IssuedCertificate issued_from(X509* signed_cert, const TimeCa& ca, const Validity& validity) {
    IssuedCertificate out;
    out.der = ossl::to_der(::i2d_X509, signed_cert, "i2d_X509");
    // Hand out a certificate parsed from the final DER: the built object still caches
    // values (hash, extension flags) computed before it was signed.
    const unsigned char* p = out.der.data();
    ossl::X509Ptr parsed{::d2i_X509(nullptr, &p, static_cast<long>(out.der.size()))};
    check_ossl(
        parsed != nullptr &&
            p == out.der.data() +
                     out.der.size(),  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        "d2i_X509");
    out.serial_hex = serial_text(::X509_get0_serialNumber(parsed.get()));
    out.ca_name = ca.name;
    out.not_before = validity.not_before;
    out.not_after = validity.not_after;
    out.cert = std::move(parsed);
    return out;
}

}  // namespace

Refusable<IssuedCertificate> Issuer::issue(const SignRequest& req,
                                           SysSeconds now,
                                           std::vector<std::string>& log,
                                           bool allow_local_only) {
    const auto profile = checked_request(m_profiles, req, allow_local_only, log);
    if (!profile) {
        return profile.error();
    }
    const auto ca = issuing_ca(m_cas, req, **profile, now, log);
    if (!ca) {
        return ca.error();
    }
    return sign_as(req, **profile, **ca, now, log, true);
}

Refusable<IssuedCertificate> Issuer::issue_by_root(const SignRequest& req,
                                                   const TimeCa& root,
                                                   SysSeconds now,
                                                   std::vector<std::string>& log) {
    const auto profile = checked_request(m_profiles, req, true, log);
    if (!profile) {
        return profile.error();
    }
    if (!(*profile)->local_only || !(*profile)->basic_constraints_ca || req.ocsp_target_ca()) {
        return refuse(ErrorCode::bad_request,
                      "setProfile: the root signs only with a local-only CA profile");
    }
    log.push_back("CA " + root.name + " (the root, at a key ceremony)");
    return sign_as(req, **profile, root, now, log, false);
}

Refusable<IssuedCertificate> Issuer::sign_as(const SignRequest& req,
                                             const Profile& profile,
                                             const TimeCa& ca,
                                             SysSeconds now,
                                             std::vector<std::string>& log,
                                             bool check_proofs) {
    const auto validity = resolve_validity(req, profile, ca, now, log);
    if (!validity) {
        return validity.error();
    }
    // Proofs of freshness (§5.3); at a key ceremony the operator vouches for the names.
    if (check_proofs) {
        if (auto st = check_request_proofs(req, profile, now, log); !st) {
            return std::move(st).error();
        }
    }
    const auto key_usage = key_usage_for(profile, req, log);
    const ossl::X509Ptr cert =
        build(req, profile, ca, key_usage, validity->not_before, validity->not_after);
    const LintExpectations want{profile,
                                ca,
                                req.key(),
                                req.sans(),
                                req.avas(),
                                req.hash(),
                                key_usage,
                                validity->cap,
                                validity->not_before,
                                validity->not_after};
    const auto throwaway = [&] { return throwaway_key_like(ca.key.public_key()); };
    const Status signed_ok =
        lint_then_sign(cert.get(), ca, digest_for(req.hash()), throwaway, want, log);
    if (!signed_ok) {
        return signed_ok.error();
    }
    IssuedCertificate out = issued_from(cert.get(), ca, *validity);
    log.push_back("signed");
    return out;
}

}  // namespace cassiopeia::server
