// Pre-issuance lint checks: RFC 5280 and CA/Browser Forum rules plus the profile's own terms.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/lint.hpp"

#include "issuance/csr.hpp"
#include "issuance/key_usage.hpp"

#include <librecord/ossl/handles.hpp>

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>
#include <set>

namespace cassiopeia::server {

namespace {

using Finding = std::optional<std::string>;

std::string_view asn1_view(const ASN1_STRING* s) {
    // reinterpret_cast: ASN1 string bytes viewed as characters.
    return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
            static_cast<size_t>(::ASN1_STRING_length(s))};
}

std::vector<uint8_t> name_der(const X509_NAME* name) {
    return ossl::to_der(::i2d_X509_NAME, name, "i2d_X509_NAME");
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(x) == lower(y);
           });
}

bool has_eku(const Profile& p, std::string_view e) {
    return std::find(p.extended_key_usage.begin(), p.extended_key_usage.end(), e) !=
           p.extended_key_usage.end();
}

Finding check_serial(X509* cert) {
    const ASN1_INTEGER* serial = ::X509_get0_serialNumber(cert);
    if (::ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) {
        return "serial_not_positive: negative serial";
    }
    const ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(serial, nullptr)};
    ossl::check_ossl(bn != nullptr, "ASN1_INTEGER_to_BN");
    if (::BN_is_zero(bn.get()) == 1) {
        return "serial_not_positive: zero serial";
    }
    // >= 64 bits of CSPRNG output (CA/B BR §7.1) and <= 20 octets (RFC 5280 §4.1.2.2);
    // our generator makes exactly 16 octets.
    const int bytes = BN_num_bytes(bn.get());
    if (bytes != static_cast<int>(serial_bytes) || ::BN_num_bits(bn.get()) > 8 * 20 - 1) {
        return "serial_length: " + std::to_string(bytes) + " bytes, 16 expected";
    }
    return std::nullopt;
}

Finding check_signature_algorithm(X509* cert, const std::string& hash) {
    const X509_ALGOR* outer = nullptr;
    ::X509_get0_signature(nullptr, &outer, cert);
    if (outer == nullptr || ::X509_ALGOR_cmp(outer, ::X509_get0_tbs_sigalg(cert)) != 0) {
        return "signature_algorithm: TBS and outer algorithms differ";
    }
    int md_nid = NID_undef;
    int pk_nid = NID_undef;
    if (::OBJ_find_sigid_algs(::X509_get_signature_nid(cert), &md_nid, &pk_nid) != 1) {
        return "signature_algorithm: unknown";
    }
    if (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md5_sha1) {
        return "weak_hash: MD5 or SHA-1 signature";
    }
    const int want = hash == "sha384" ? NID_sha384 : hash == "sha512" ? NID_sha512 : NID_sha256;
    if (md_nid != want) {
        return std::string{"signature_hash: "} + ::OBJ_nid2sn(md_nid) + " instead of " + hash;
    }
    return std::nullopt;
}

Finding check_validity(X509* cert, const LintExpectations& want) {
    const ASN1_TIME* nb_asn1 = ::X509_get0_notBefore(cert);
    const ASN1_TIME* na_asn1 = ::X509_get0_notAfter(cert);
    const SysSeconds nb = to_sys_seconds(nb_asn1);
    const SysSeconds na = to_sys_seconds(na_asn1);
    if (nb != want.not_before || na != want.not_after) {
        return "validity: times differ from the decision";
    }
    if (na <= nb) {
        return "validity: notAfter not after notBefore";
    }
    if (na > not_after_for(nb, want.cap)) {
        return "validity_cap: longer than " + format_period(want.cap);
    }
    if (nb < want.ca.not_before || na > want.ca.not_after) {
        return "validity: outside the CA's validity";
    }
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    for (const auto* t : {nb_asn1, na_asn1}) {
        const bool utc_era =
            to_sys_seconds(t) < SysSeconds{std::chrono::sys_days{std::chrono::year{2050} / 1 / 1}};
        if (::ASN1_STRING_type(t) != (utc_era ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME)) {
            return "time_encoding: wrong ASN.1 time type";
        }
    }
    return std::nullopt;
}

Finding check_subject(X509* cert, const LintExpectations& want) {
    const X509_NAME* subject = ::X509_get_subject_name(cert);
    const int n = ::X509_NAME_entry_count(subject);
    if (n != static_cast<int>(want.avas.size())) {
        return "subject: " + std::to_string(n) + " attributes, " +
               std::to_string(want.avas.size()) + " requested";
    }
    for (int i = 0; i < n; ++i) {
        const X509_NAME_ENTRY* e = ::X509_NAME_get_entry(subject, i);
        const Ava& ava = want.avas[static_cast<size_t>(i)];
        const AvaSpec* spec = find_ava_spec(ava.short_name);
        std::array<char, 80> oid{};
        ::OBJ_obj2txt(oid.data(), static_cast<int>(oid.size()), ::X509_NAME_ENTRY_get_object(e), 1);
        const ASN1_STRING* data = ::X509_NAME_ENTRY_get_data(e);
        const int want_type = ava.short_name == "C"              ? V_ASN1_PRINTABLESTRING
                              : ava.short_name == "emailAddress" ? V_ASN1_IA5STRING
                                                                 : V_ASN1_UTF8STRING;
        if (spec == nullptr || spec->oid != oid.data() || asn1_view(data) != ava.value ||
            ::ASN1_STRING_type(data) != want_type || ::X509_NAME_ENTRY_set(e) != i) {
            return "subject: attribute " + std::to_string(i + 1) + " differs from the request";
        }
    }
    return std::nullopt;
}

Finding check_basic_constraints(X509* cert, const Profile& p) {
    int crit = -1;
    const ossl::BasicConstraintsPtr bc{static_cast<BASIC_CONSTRAINTS*>(
        ::X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr))};
    if (!bc || crit != 1) {
        return "basic_constraints: missing or not critical";
    }
    if ((bc->ca != 0) != p.basic_constraints_ca) {
        return "basic_constraints: CA flag differs from the profile";
    }
    const long pathlen = bc->pathlen == nullptr ? -1 : ::ASN1_INTEGER_get(bc->pathlen);
    if (pathlen != p.path_len) {
        return "basic_constraints: pathLenConstraint differs from the profile";
    }
    return std::nullopt;
}

Finding check_key_usage(X509* cert, const LintExpectations& want) {
    int crit = -1;
    const ossl::Asn1BitStringPtr ku{
        static_cast<ASN1_BIT_STRING*>(::X509_get_ext_d2i(cert, NID_key_usage, &crit, nullptr))};
    if (!ku || crit != 1) {
        return "key_usage: missing or not critical";
    }
    if (want.key_usage.empty()) {
        return "key_usage: no usage left for this key type";
    }
    const int key_type = ::EVP_PKEY_get_base_id(want.subject_key);
    for (const KeyUsage& usage : key_usages) {
        const bool set = ::ASN1_BIT_STRING_get_bit(ku.get(), usage.bit) == 1;
        const std::string_view name = usage.name;
        const bool wanted =
            std::find(want.key_usage.begin(), want.key_usage.end(), name) != want.key_usage.end();
        if (set != wanted) {
            return "key_usage: " + std::string{name} +
                   (set ? " set but not granted" : " granted but not set");
        }
        if (set && !key_usage_fits_key(name, key_type)) {
            return "key_usage: " + std::string{name} + " with an " +
                   (key_type == EVP_PKEY_EC ? "EC" : "RSA") + " key";
        }
        if (set && (name == "keyCertSign" || name == "cRLSign") &&
            !want.profile.basic_constraints_ca) {
            return "key_usage: " + std::string{name} + " in an end-entity certificate";
        }
    }
    return std::nullopt;
}

Finding check_eku(X509* cert, const Profile& p) {
    int crit = -1;
    const ossl::ExtKeyUsagePtr eku{static_cast<EXTENDED_KEY_USAGE*>(
        ::X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, nullptr))};
    if (p.extended_key_usage.empty()) {
        return eku ? Finding{"extended_key_usage: present but the profile has none"} : std::nullopt;
    }
    if (!eku || (crit == 1) != p.eku_critical) {
        return "extended_key_usage: missing or wrong criticality";
    }
    std::set<std::string> got;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        got.insert(::OBJ_nid2sn(::OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i))));
    }
    const std::set<std::string> expected(p.extended_key_usage.begin(), p.extended_key_usage.end());
    if (got != expected || static_cast<size_t>(sk_ASN1_OBJECT_num(eku.get())) != expected.size()) {
        return "extended_key_usage: differs from the profile";
    }
    // CA/B BR: a TLS server certificate never carries anyAuth-style mixes with code signing.
    if (has_eku(p, "serverAuth") && (has_eku(p, "codeSigning") || has_eku(p, "emailProtection"))) {
        return "extended_key_usage: serverAuth mixed with codeSigning or emailProtection";
    }
    return std::nullopt;
}

Finding check_sans(X509* cert, const LintExpectations& want) {
    int crit = -1;
    const ossl::GeneralNamesPtr names{static_cast<GENERAL_NAMES*>(
        ::X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, nullptr))};
    const bool empty_subject = want.avas.empty();
    if (want.sans.empty()) {
        if (names) {
            return "san: present but none requested";
        }
        if (empty_subject) {
            return "empty_subject: no subject and no subjectAltName";
        }
        if (want.profile.require_san) {
            return "san: the profile needs one";
        }
        return std::nullopt;
    }
    if (!names) {
        return "san: missing";
    }
    if ((crit == 1) != empty_subject) {
        return "san: must be critical exactly when the subject is empty";
    }
    if (static_cast<size_t>(sk_GENERAL_NAME_num(names.get())) != want.sans.size()) {
        return "san: count differs from the request";
    }
    for (size_t i = 0; i < want.sans.size(); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), static_cast<int>(i));
        int type = -1;
        const auto* value = static_cast<const ASN1_STRING*>(::GENERAL_NAME_get0_value(gn, &type));
        const San& san = want.sans[i];
        const int want_type = san.type == SanType::dns ? GEN_DNS : GEN_EMAIL;
        if (type != want_type || value == nullptr || asn1_view(value) != san.value) {
            return "san: entry " + std::to_string(i + 1) + " differs from the request";
        }
        if (san.type == SanType::dns && san.value.rfind("*.", 0) == 0 && !want.profile.wildcards) {
            return "san: wildcard not allowed by the profile";
        }
        if (san.type == SanType::dns && !normalise_dns_name(san.value, want.profile.wildcards)) {
            return "san: invalid DNS name";
        }
    }
    // CA/B BR §7.1.4.3: a CN must repeat one of the SANs (unless the profile proves names).
    if (!want.profile.cn_proof_names) {
        for (const auto& ava : want.avas) {
            if (ava.short_name != "CN") {
                continue;
            }
            const bool found = std::any_of(want.sans.begin(), want.sans.end(), [&](const San& s) {
                return s.type == SanType::dns ? iequals(s.value, ava.value) : s.value == ava.value;
            });
            if (!found) {
                return "cn_not_in_san: CN is not one of the SANs";
            }
        }
    }
    return std::nullopt;
}

Finding check_key_ids(X509* cert, const LintExpectations& want) {
    if (::X509_get0_subject_key_id(cert) == nullptr) {
        return "subject_key_identifier: missing";
    }
    int crit = -1;
    const ossl::AuthorityKeyIdPtr aki{static_cast<AUTHORITY_KEYID*>(
        ::X509_get_ext_d2i(cert, NID_authority_key_identifier, &crit, nullptr))};
    const ASN1_OCTET_STRING* ca_ski = ::X509_get0_subject_key_id(want.ca.cert.get());
    if (!aki || crit == 1 || aki->keyid == nullptr || aki->issuer != nullptr ||
        aki->serial != nullptr || ca_ski == nullptr ||
        ::ASN1_OCTET_STRING_cmp(aki->keyid, ca_ski) != 0) {
        return "authority_key_identifier: not exactly the CA's key identifier";
    }
    return std::nullopt;
}

Finding check_extension_set(X509* cert, const LintExpectations& want) {
    std::set<int> seen;
    const int count = ::X509_get_ext_count(cert);
    // basicConstraints, keyUsage, subjectKeyIdentifier, authorityKeyIdentifier, then the
    // optional ones the profile and the request call for.
    size_t expected = 4;
    const std::array<bool, 5> optional = {
        !want.profile.extended_key_usage.empty(),
        !want.sans.empty(),
        !want.profile.crl_url.empty(),
        !want.profile.ocsp_url.empty() || !want.profile.ca_issuers_url.empty(),
        want.profile.ocsp_nocheck};
    expected += static_cast<size_t>(std::count(optional.begin(), optional.end(), true));
    for (int i = 0; i < count; ++i) {
        const int nid = ::OBJ_obj2nid(::X509_EXTENSION_get_object(::X509_get_ext(cert, i)));
        if (nid == NID_undef || !seen.insert(nid).second) {
            return "extensions: unknown or duplicate extension";
        }
    }
    if (static_cast<size_t>(count) != expected) {
        return "extensions: " + std::to_string(count) + " present, " + std::to_string(expected) +
               " expected";
    }
    const bool has_nocheck = seen.count(NID_id_pkix_OCSP_noCheck) != 0;
    if (has_nocheck != want.profile.ocsp_nocheck) {
        return "ocsp_nocheck: differs from the profile";
    }
    if (has_nocheck && !has_eku(want.profile, "OCSPSigning")) {
        return "ocsp_nocheck: without OCSPSigning";
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> effective_key_usage(const Profile& profile, EVP_PKEY* key) {
    std::vector<std::string> out;
    const int type = ::EVP_PKEY_get_base_id(key);
    for (const auto& u : profile.key_usage) {
        if (key_usage_fits_key(u, type)) {
            out.push_back(u);
        }
    }
    return out;
}

std::optional<std::string> lint_certificate(X509* cert, const LintExpectations& want) {
    if (::X509_get_version(cert) != X509_VERSION_3) {
        return "version: not v3";
    }
    if (auto f = check_serial(cert)) {
        return f;
    }
    if (auto f = check_signature_algorithm(cert, want.hash)) {
        return f;
    }
    if (name_der(::X509_get_issuer_name(cert)) !=
        name_der(::X509_get_subject_name(want.ca.cert.get()))) {
        return "issuer: not the CA's subject byte for byte";
    }
    if (auto f = check_validity(cert, want)) {
        return f;
    }
    const EVP_PKEY* pub = ::X509_get0_pubkey(cert);
    if (pub == nullptr || ::EVP_PKEY_eq(pub, want.subject_key) != 1) {
        ::ERR_clear_error();
        return "public_key: not the request's key";
    }
    if (!check_key_policy(want.subject_key)) {
        return "weak_key: the key policy refuses the subject key";
    }
    for (auto* check :
         {&check_subject, &check_key_usage, &check_sans, &check_key_ids, &check_extension_set}) {
        if (auto f = check(cert, want)) {
            return f;
        }
    }
    if (auto f = check_basic_constraints(cert, want.profile)) {
        return f;
    }
    if (auto f = check_eku(cert, want.profile)) {
        return f;
    }
    return std::nullopt;
}

}  // namespace cassiopeia::server
