// The canonical CRL of docs/protocol.md §5.6: building, signing, linting, and its RevokedDelta.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_signer.hpp"

#include <librecord/errors.hpp>
#include <librecord/ossl/handles.hpp>
#include <librecord/revoked_delta.hpp>
#include <librecord/serial_text.hpp>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace cassiopeia::server {

namespace {

using ossl::check_ossl;

[[noreturn]] void fail(const std::string& what) {
    throw Error{ErrorKind::internal, "sign_crl", what};
}

template <class T, class F>
std::vector<uint8_t> to_der(T* value, F i2d) {
    unsigned char* out = nullptr;
    const int len = i2d(value, &out);
    const ossl::OsslBytesPtr owner{out};
    check_ossl(len > 0 && out != nullptr, "i2d");
    return {out, out + len};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

ossl::Asn1TimePtr make_time(UnixTime t) {
    // ASN1_TIME_set picks UTCTime for 1950-2049 and GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
    ossl::Asn1TimePtr out{
        ::ASN1_TIME_set(nullptr, static_cast<time_t>(t.time_since_epoch().count()))};
    check_ossl(out != nullptr, "ASN1_TIME_set");
    return out;
}

std::vector<uint8_t> serial_magnitude(const std::string& text) {
    auto m = librecord::parse_serial(text);
    if (!m) {
        fail("serial not readable: " + text);
    }
    return std::move(m).value();
}

ossl::Asn1IntegerPtr integer_from_magnitude(const std::vector<uint8_t>& mag) {
    const ossl::BignumPtr bn{::BN_bin2bn(mag.data(), static_cast<int>(mag.size()), nullptr)};
    check_ossl(bn != nullptr, "BN_bin2bn");
    ossl::Asn1IntegerPtr out{::BN_to_ASN1_INTEGER(bn.get(), nullptr)};
    check_ossl(out != nullptr, "BN_to_ASN1_INTEGER");
    return out;
}

std::optional<std::vector<uint8_t>> magnitude_of(const ASN1_INTEGER* i) {
    if (i == nullptr || ::ASN1_STRING_type(i) != V_ASN1_INTEGER) {
        return std::nullopt;
    }
    const ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(i, nullptr)};
    if (!bn) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(static_cast<size_t>(BN_num_bytes(bn.get())));
    ::BN_bn2bin(bn.get(), out.data());
    return out;
}

void add_entry(X509_CRL* crl, const RevocationEntry& e) {
    ossl::X509RevokedPtr rev{::X509_REVOKED_new()};
    check_ossl(rev != nullptr, "X509_REVOKED_new");
    const auto serial = integer_from_magnitude(serial_magnitude(e.serial));
    check_ossl(::X509_REVOKED_set_serialNumber(rev.get(), serial.get()) == 1,
               "X509_REVOKED_set_serialNumber");
    const auto date = make_time(e.revoked_at);
    check_ossl(::X509_REVOKED_set_revocationDate(rev.get(), date.get()) == 1,
               "X509_REVOKED_set_revocationDate");
    if (e.reason) {
        // CA/Browser Forum BR §7.2.2: unspecified is the absent reasonCode, never code 0.
        const auto code = crl_reason_code(*e.reason);
        if (!code) {
            fail("reason not allowed: " + *e.reason);
        }
        const ossl::Asn1EnumPtr value{::ASN1_ENUMERATED_new()};
        check_ossl(value != nullptr && ::ASN1_ENUMERATED_set(value.get(), *code) == 1,
                   "ASN1_ENUMERATED_set");
        check_ossl(::X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, value.get(), 0, 0) == 1,
                   "X509_REVOKED_add1_ext_i2d");
    }
    check_ossl(::X509_CRL_add0_revoked(crl, rev.get()) == 1, "X509_CRL_add0_revoked");
    (void)rev.release();  // now owned by crl
}

/// RFC 5280 §4.1.2.5: UTCTime `YYMMDDHHMMSSZ` before 2050, GeneralizedTime with seconds after.
bool rfc5280_time(const ASN1_TIME* t) {
    if (t == nullptr || ::ASN1_TIME_check(t) != 1) {
        return false;
    }
    std::tm tm{};
    if (::ASN1_TIME_to_tm(t, &tm) != 1) {
        return false;
    }
    const bool utc = tm.tm_year + 1900 < 2050;
    const int type = ::ASN1_STRING_type(t);
    const int len = ::ASN1_STRING_length(t);
    const unsigned char* d = ::ASN1_STRING_get0_data(t);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    return type == (utc ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME) && len == (utc ? 13 : 15) &&
           d[len - 1] == 'Z';  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

int compare_serials(const ASN1_INTEGER* a, const ASN1_INTEGER* b) {
    const ossl::BignumPtr x{::ASN1_INTEGER_to_BN(a, nullptr)};
    const ossl::BignumPtr y{::ASN1_INTEGER_to_BN(b, nullptr)};
    check_ossl(x != nullptr && y != nullptr, "ASN1_INTEGER_to_BN");
    return ::BN_cmp(x.get(), y.get());
}

std::string lint_entries(const X509_CRL* crl) {
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(const_cast<X509_CRL*>(crl));
    if (revoked == nullptr) {
        return {};
    }
    const int n = sk_X509_REVOKED_num(revoked);
    if (n == 0) {
        return "revokedCertificates present but empty";
    }
    const ASN1_INTEGER* previous = nullptr;
    for (int i = 0; i < n; ++i) {
        const X509_REVOKED* rev = sk_X509_REVOKED_value(revoked, i);
        const ASN1_INTEGER* serial = ::X509_REVOKED_get0_serialNumber(rev);
        if (::ASN1_STRING_type(serial) != V_ASN1_INTEGER) {
            return "negative serial in entry " + std::to_string(i);
        }
        if (previous != nullptr && compare_serials(previous, serial) >= 0) {
            return "entries not sorted ascending and unique at entry " + std::to_string(i);
        }
        previous = serial;
        if (!rfc5280_time(::X509_REVOKED_get0_revocationDate(rev))) {
            return "revocationDate not in RFC 5280 form in entry " + std::to_string(i);
        }
        const int exts = ::X509_REVOKED_get_ext_count(rev);
        if (exts > 1) {
            return "entry " + std::to_string(i) + " has more than a reasonCode";
        }
        if (exts == 1) {
            X509_EXTENSION* ext = ::X509_REVOKED_get_ext(rev, 0);
            if (::OBJ_obj2nid(::X509_EXTENSION_get_object(ext)) != NID_crl_reason ||
                ::X509_EXTENSION_get_critical(ext) != 0) {
                return "entry " + std::to_string(i) + " has an extension other than reasonCode";
            }
            const ossl::Asn1EnumPtr reason{static_cast<ASN1_ENUMERATED*>(::X509V3_EXT_d2i(ext))};
            const long code = reason ? ::ASN1_ENUMERATED_get(reason.get()) : -1;
            if (code < 1 || code > 10 || code == 7) {
                return "entry " + std::to_string(i) + " has a reasonCode that is not allowed";
            }
        }
    }
    return {};
}

std::string lint_extensions(const X509_CRL* crl, X509* ca_cert) {
    if (::X509_CRL_get_ext_count(crl) != 2) {
        return "crlExtensions are not exactly authorityKeyIdentifier and cRLNumber";
    }
    X509_EXTENSION* akid_ext = ::X509_CRL_get_ext(crl, 0);
    X509_EXTENSION* number_ext = ::X509_CRL_get_ext(crl, 1);
    if (::OBJ_obj2nid(::X509_EXTENSION_get_object(akid_ext)) != NID_authority_key_identifier ||
        ::OBJ_obj2nid(::X509_EXTENSION_get_object(number_ext)) != NID_crl_number) {
        return "crlExtensions not authorityKeyIdentifier then cRLNumber";
    }
    if (::X509_EXTENSION_get_critical(akid_ext) != 0 ||
        ::X509_EXTENSION_get_critical(number_ext) != 0) {
        return "a CRL extension is critical";
    }
    const ossl::AuthorityKeyIdPtr akid{static_cast<AUTHORITY_KEYID*>(::X509V3_EXT_d2i(akid_ext))};
    const ASN1_OCTET_STRING* ski = ::X509_get0_subject_key_id(ca_cert);
    if (!akid || akid->keyid == nullptr || akid->issuer != nullptr || akid->serial != nullptr ||
        ski == nullptr || ::ASN1_OCTET_STRING_cmp(akid->keyid, ski) != 0) {
        return "authorityKeyIdentifier is not exactly the CA's subject key identifier";
    }
    const ossl::Asn1IntegerPtr number{static_cast<ASN1_INTEGER*>(::X509V3_EXT_d2i(number_ext))};
    int64_t value = 0;
    if (!number || ::ASN1_INTEGER_get_int64(&value, number.get()) != 1 || value < 1) {
        return "cRLNumber is not a positive integer";
    }
    return {};
}

}  // namespace

std::string lint_crl(std::span<const uint8_t> crl_der, X509* ca_cert) {
    const ossl::X509CrlPtr crl = ossl::parse_crl_der(crl_der);
    if (!crl) {
        return "not one DER CRL";
    }
    if (to_der(crl.get(), ::i2d_X509_CRL) != std::vector<uint8_t>(crl_der.begin(), crl_der.end())) {
        return "re-encoding differs";
    }
    if (::X509_CRL_get_version(crl.get()) != X509_CRL_VERSION_2) {
        return "version is not v2";
    }
    if (to_der(::X509_CRL_get_issuer(crl.get()), ::i2d_X509_NAME) !=
        to_der(::X509_get_subject_name(ca_cert), ::i2d_X509_NAME)) {
        return "issuer is not the CA subject byte for byte";
    }
    const ASN1_TIME* this_update = ::X509_CRL_get0_lastUpdate(crl.get());
    const ASN1_TIME* next_update = ::X509_CRL_get0_nextUpdate(crl.get());
    if (!rfc5280_time(this_update) || !rfc5280_time(next_update)) {
        return "thisUpdate or nextUpdate missing or not in RFC 5280 form";
    }
    if (::ASN1_TIME_compare(this_update, next_update) >= 0) {
        return "nextUpdate is not after thisUpdate";
    }
    if (auto fault = lint_entries(crl.get()); !fault.empty()) {
        return fault;
    }
    if (auto fault = lint_extensions(crl.get(), ca_cert); !fault.empty()) {
        return fault;
    }
    EVP_PKEY* key = ::X509_get0_pubkey(ca_cert);
    if (key == nullptr || ::X509_CRL_verify(crl.get(), key) != 1) {
        (void)ossl::drain_errors();
        return "signature does not verify with the CA certificate";
    }
    return {};
}

namespace {

/** The CRL's extensions: authorityKeyIdentifier (keyIdentifier = the CA's SKI), cRLNumber. */
void add_crl_extensions(X509_CRL* crl, const ASN1_OCTET_STRING* ski, int64_t crl_number) {
    const ossl::AuthorityKeyIdPtr akid{::AUTHORITY_KEYID_new()};
    check_ossl(akid != nullptr, "AUTHORITY_KEYID_new");
    akid->keyid = ::ASN1_OCTET_STRING_dup(ski);
    check_ossl(akid->keyid != nullptr, "ASN1_OCTET_STRING_dup");
    check_ossl(::X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid.get(), 0, 0) == 1,
               "X509_CRL_add1_ext_i2d(authorityKeyIdentifier)");
    const ossl::Asn1IntegerPtr number{::ASN1_INTEGER_new()};
    check_ossl(number != nullptr && ::ASN1_INTEGER_set_int64(number.get(), crl_number) == 1,
               "ASN1_INTEGER_set_int64");
    check_ossl(::X509_CRL_add1_ext_i2d(crl, NID_crl_number, number.get(), 0, 0) == 1,
               "X509_CRL_add1_ext_i2d(cRLNumber)");
}

/** CRL n of `in`, signed by `ca`, not yet linted. */
ossl::X509CrlPtr build_crl(const TimeCa& ca, const CrlInput& in, const ASN1_OCTET_STRING* ski) {
    ossl::X509CrlPtr crl{::X509_CRL_new()};
    check_ossl(crl != nullptr, "X509_CRL_new");
    check_ossl(::X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "X509_CRL_set_version");
    // X509_NAME_dup keeps the cached DER: the issuer is the CA subject byte for byte.
    check_ossl(::X509_CRL_set_issuer_name(crl.get(), ::X509_get_subject_name(ca.cert.get())) == 1,
               "X509_CRL_set_issuer_name");
    check_ossl(::X509_CRL_set1_lastUpdate(crl.get(), make_time(in.this_update).get()) == 1,
               "X509_CRL_set1_lastUpdate");
    check_ossl(::X509_CRL_set1_nextUpdate(crl.get(), make_time(in.next_update).get()) == 1,
               "X509_CRL_set1_nextUpdate");
    for (const RevocationEntry& e : in.entries) {
        add_entry(crl.get(), e);
    }
    add_crl_extensions(crl.get(), ski, in.crl_number);
    check_ossl(::X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");
    // SHA-256; RSA keys sign PKCS#1 v1.5, EC keys ECDSA (the EVP defaults).
    ca.key.sign(crl.get(), ::EVP_sha256());
    return crl;
}

using EntriesBySerial = std::map<std::vector<uint8_t>, const X509_REVOKED*>;

/** The signed CRL's entries of the serials the delta names (added or dropped) by serial
 * magnitude, after checking its number and entry count against the input. Only those are
 * kept: a CRL of 100,000 entries is scanned, not copied (docs/performance.md, peak RSS). */
EntriesBySerial signed_entries(X509_CRL* signed_crl, const CrlInput& in) {
    const ossl::Asn1IntegerPtr parsed_number{static_cast<ASN1_INTEGER*>(
        ::X509_CRL_get_ext_d2i(signed_crl, NID_crl_number, nullptr, nullptr))};
    int64_t number_value = 0;
    if (!parsed_number || ::ASN1_INTEGER_get_int64(&number_value, parsed_number.get()) != 1 ||
        number_value != in.crl_number) {
        fail("lint: cRLNumber differs from the input");
    }
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(signed_crl);
    const int count = revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
    if (static_cast<size_t>(count) != in.entries.size()) {
        fail("lint: entry count differs from the input");
    }
    std::set<std::vector<uint8_t>> named;
    for (const RevocationEntry& e : in.added) {
        named.insert(serial_magnitude(e.serial));
    }
    for (const std::string& s : in.dropped) {
        named.insert(serial_magnitude(s));
    }
    EntriesBySerial by_serial;
    for (int i = 0; i < count; ++i) {
        const X509_REVOKED* rev = sk_X509_REVOKED_value(revoked, i);
        auto mag = magnitude_of(::X509_REVOKED_get0_serialNumber(rev));
        check_ossl(mag.has_value(), "ASN1_INTEGER_to_BN");
        if (named.count(*mag) != 0) {
            by_serial.emplace(std::move(*mag), rev);
        }
    }
    return by_serial;
}

/** The delta entry of an added serial, as the signed CRL holds it. */
librecord::crl::DeltaEntry added_entry(const EntriesBySerial& by_serial, const RevocationEntry& e) {
    auto mag = serial_magnitude(e.serial);
    const auto it = by_serial.find(mag);
    if (it == by_serial.end()) {
        fail("added serial " + e.serial + " is not on the CRL");
    }
    librecord::crl::DeltaEntry entry;
    entry.serial = std::move(mag);
    entry.revocation_date = to_der(::X509_REVOKED_get0_revocationDate(it->second), ::i2d_ASN1_TIME);
    const ossl::Asn1EnumPtr reason{static_cast<ASN1_ENUMERATED*>(
        ::X509_REVOKED_get_ext_d2i(it->second, NID_crl_reason, nullptr, nullptr))};
    if (reason) {
        entry.reason = static_cast<int>(::ASN1_ENUMERATED_get(reason.get()));
    }
    return entry;
}

/** The RevokedDelta from n-1 to n, every field taken from the signed CRL as parsed back, so
 * it is byte-exact. */
std::vector<uint8_t> revoked_delta(std::span<const uint8_t> crl_der, const CrlInput& in) {
    const ossl::X509CrlPtr signed_crl = ossl::parse_crl_der(crl_der);
    check_ossl(signed_crl != nullptr, "d2i_X509_CRL");
    const EntriesBySerial by_serial = signed_entries(signed_crl.get(), in);

    librecord::crl::RevokedDelta delta;
    delta.crl_number = in.crl_number;
    delta.this_update = to_der(::X509_CRL_get0_lastUpdate(signed_crl.get()), ::i2d_ASN1_TIME);
    delta.next_update = to_der(::X509_CRL_get0_nextUpdate(signed_crl.get()), ::i2d_ASN1_TIME);
    for (const RevocationEntry& e : in.added) {
        delta.added.push_back(added_entry(by_serial, e));
    }
    for (const std::string& s : in.dropped) {
        auto mag = serial_magnitude(s);
        if (by_serial.count(mag) != 0) {
            fail("dropped serial " + s + " is still on the CRL");
        }
        delta.dropped.push_back(std::move(mag));
    }
    const ASN1_BIT_STRING* signature = nullptr;
    const X509_ALGOR* algorithm = nullptr;
    ::X509_CRL_get0_signature(signed_crl.get(), &signature, &algorithm);
    delta.signature_algorithm = to_der(algorithm, ::i2d_X509_ALGOR);
    const unsigned char* sig = ::ASN1_STRING_get0_data(signature);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    delta.signature.assign(sig, sig + ::ASN1_STRING_length(signature));

    auto encoded = librecord::crl::encode(delta);
    if (!encoded) {
        fail("RevokedDelta encoding failed: " + encoded.error().message());
    }
    return std::move(encoded).value();
}

}  // namespace

SignedCrl sign_crl(const TimeCa& ca, const CrlInput& in) {
    if (in.crl_number < 1) {
        fail("CRL number below 1");
    }
    if (in.next_update <= in.this_update) {
        fail("nextUpdate not after thisUpdate");
    }
    const ASN1_OCTET_STRING* ski = ::X509_get0_subject_key_id(ca.cert.get());
    if (ski == nullptr) {
        fail("CA " + ca.name + " has no subject key identifier");
    }
    SignedCrl out;
    {
        // Freed before the DER is parsed back: one CRL in memory at a time.
        const ossl::X509CrlPtr crl = build_crl(ca, in, ski);
        out.crl_der = to_der(crl.get(), ::i2d_X509_CRL);
    }
    if (const auto fault = lint_crl(out.crl_der, ca.cert.get()); !fault.empty()) {
        fail("lint: " + fault);
    }
    out.delta_der = revoked_delta(out.crl_der, in);
    return out;
}

}  // namespace cassiopeia::server
