// The client's CRL work (docs/protocol.md §5.6): delta rebuild, verification, reported fields.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl.hpp"

#include "ossl/x509.hpp"

#include <librecord/ossl/handles.hpp>
#include <librecord/serial_text.hpp>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <climits>
#include <ctime>

namespace cassiopeia::client::crl {

using ::cassiopeia::ossl::Asn1BitStringPtr;
using ::cassiopeia::ossl::Asn1EnumPtr;
using ::cassiopeia::ossl::Asn1IntegerPtr;
using ::cassiopeia::ossl::Asn1TimePtr;
using ::cassiopeia::ossl::BignumPtr;
using ::cassiopeia::ossl::BioPtr;
using ::cassiopeia::ossl::OsslBytesPtr;
using ::cassiopeia::ossl::parse_cert_der;
using ::cassiopeia::ossl::parse_crl_der;
using ::cassiopeia::ossl::X509CrlPtr;
using ::cassiopeia::ossl::X509Ptr;
using ::cassiopeia::ossl::X509RevokedPtr;

namespace {

template <class T, class F>
std::optional<std::vector<uint8_t>> to_der(T* value, F i2d) {
    unsigned char* out = nullptr;
    const int len = i2d(value, &out);
    const OsslBytesPtr owner{out};
    if (len <= 0 || out == nullptr) {
        return std::nullopt;
    }
    return std::vector<uint8_t>(
        out, out + len);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

X509Ptr parse_cert(std::span<const uint8_t> bytes) {
    if (bytes.empty() || bytes.size() > INT_MAX) {
        return nullptr;
    }
    if (bytes.front() == 0x30) {
        return parse_cert_der(bytes);
    }
    const BioPtr bio{::BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()))};
    if (!bio) {
        return nullptr;
    }
    return X509Ptr{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
}

std::optional<int64_t> number_of(const X509_CRL* crl) {
    int critical = -1;
    const Asn1IntegerPtr n{static_cast<ASN1_INTEGER*>(
        ::X509_CRL_get_ext_d2i(crl, NID_crl_number, &critical, nullptr))};
    int64_t value = 0;
    if (!n || ::ASN1_INTEGER_get_int64(&value, n.get()) != 1) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::vector<uint8_t>> algorithm_of(const X509_CRL* crl) {
    const ASN1_BIT_STRING* sig = nullptr;
    const X509_ALGOR* alg = nullptr;
    ::X509_CRL_get0_signature(crl, &sig, &alg);
    return to_der(alg, ::i2d_X509_ALGOR);
}

std::vector<uint8_t> signature_of(const X509_CRL* crl) {
    const ASN1_BIT_STRING* sig = nullptr;
    const X509_ALGOR* alg = nullptr;
    ::X509_CRL_get0_signature(crl, &sig, &alg);
    const unsigned char* d = ::ASN1_STRING_get0_data(sig);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    return {d, d + ::ASN1_STRING_length(sig)};
}

Asn1TimePtr time_from_der(const std::vector<uint8_t>& der) {
    const unsigned char* p = der.data();
    Asn1TimePtr t{::d2i_ASN1_TIME(nullptr, &p, static_cast<long>(der.size()))};
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    if (!t || p != der.data() + der.size()) {
        return nullptr;
    }
    return t;
}

Asn1IntegerPtr integer_from_magnitude(const std::vector<uint8_t>& mag) {
    const BignumPtr bn{::BN_bin2bn(mag.data(), static_cast<int>(mag.size()), nullptr)};
    if (!bn) {
        return nullptr;
    }
    return Asn1IntegerPtr{::BN_to_ASN1_INTEGER(bn.get(), nullptr)};
}

/// Index of serial in the CRL's entries, or -1.
int find_entry(STACK_OF(X509_REVOKED) * revoked, const ASN1_INTEGER* serial) {
    const int n = revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
    for (int i = 0; i < n; ++i) {
        if (::ASN1_INTEGER_cmp(::X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)),
                               serial) == 0) {
            return i;
        }
    }
    return -1;
}

X509RevokedPtr make_entry(const librecord::crl::DeltaEntry& e, ASN1_INTEGER* serial) {
    X509RevokedPtr rev{::X509_REVOKED_new()};
    const Asn1TimePtr date = time_from_der(e.revocation_date);
    if (!rev || !date || ::X509_REVOKED_set_serialNumber(rev.get(), serial) != 1 ||
        ::X509_REVOKED_set_revocationDate(rev.get(), date.get()) != 1) {
        return nullptr;
    }
    if (e.reason) {
        const Asn1EnumPtr reason{::ASN1_ENUMERATED_new()};
        if (!reason || ::ASN1_ENUMERATED_set(reason.get(), *e.reason) != 1 ||
            ::X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
            return nullptr;
        }
    }
    return rev;
}

/// SEQUENCE { tbs, algorithm, signature BIT STRING }: the outer CRL, built by hand because
/// OpenSSL 3.0 cannot set a CRL's signature without signing (§5.6).
std::optional<std::vector<uint8_t>> assemble(const std::vector<uint8_t>& tbs,
                                             const std::vector<uint8_t>& algorithm,
                                             const std::vector<uint8_t>& signature) {
    const Asn1BitStringPtr bits{::ASN1_BIT_STRING_new()};
    if (!bits || signature.size() > INT_MAX ||
        ::ASN1_STRING_set(bits.get(), signature.data(), static_cast<int>(signature.size())) != 1) {
        return std::nullopt;
    }
    // Whole octets: without BITS_LEFT, OpenSSL would drop trailing zero bits on output.
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07L);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    const auto bits_der = to_der(bits.get(), ::i2d_ASN1_BIT_STRING);
    if (!bits_der) {
        return std::nullopt;
    }
    const size_t content = tbs.size() + algorithm.size() + bits_der->size();
    if (content > INT_MAX / 2) {
        return std::nullopt;
    }
    const int total = ::ASN1_object_size(1, static_cast<int>(content), V_ASN1_SEQUENCE);
    if (total <= 0) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(static_cast<size_t>(total));
    unsigned char* p = out.data();
    ::ASN1_put_object(&p, 1, static_cast<int>(content), V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    const auto header = static_cast<size_t>(p - out.data());
    if (header + content != out.size()) {
        return std::nullopt;
    }
    auto at = out.begin() + static_cast<std::ptrdiff_t>(header);
    at = std::copy(tbs.begin(), tbs.end(), at);
    at = std::copy(algorithm.begin(), algorithm.end(), at);
    std::copy(bits_der->begin(), bits_der->end(), at);
    return out;
}

std::optional<std::vector<uint8_t>> apply(std::span<const uint8_t> copy_der,
                                          const librecord::crl::RevokedDelta& delta) {
    const X509CrlPtr crl = parse_crl_der(copy_der);
    if (!crl || delta.crl_number < 2) {
        return std::nullopt;
    }
    const auto number = number_of(crl.get());
    if (!number || *number != delta.crl_number - 1) {
        return std::nullopt;  // not the copy this delta applies to
    }
    if (algorithm_of(crl.get()) != delta.signature_algorithm) {
        return std::nullopt;  // the TBS signature field cannot be changed in OpenSSL 3.0
    }
    const Asn1TimePtr this_update = time_from_der(delta.this_update);
    const Asn1TimePtr next_update = time_from_der(delta.next_update);
    if (!this_update || !next_update ||
        ::X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
        ::X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
        return std::nullopt;
    }
    for (const auto& serial : delta.dropped) {
        const Asn1IntegerPtr s = integer_from_magnitude(serial);
        STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
        const int at = s ? find_entry(revoked, s.get()) : -1;
        if (at < 0) {
            return std::nullopt;
        }
        ::X509_REVOKED_free(sk_X509_REVOKED_delete(revoked, at));
    }
    for (const auto& e : delta.added) {
        const Asn1IntegerPtr s = integer_from_magnitude(e.serial);
        if (!s || find_entry(::X509_CRL_get_REVOKED(crl.get()), s.get()) >= 0) {
            return std::nullopt;
        }
        X509RevokedPtr rev = make_entry(e, s.get());
        if (!rev || ::X509_CRL_add0_revoked(crl.get(), rev.get()) != 1) {
            return std::nullopt;
        }
        (void)rev.release();  // now owned by crl
    }
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
    if (revoked == nullptr || sk_X509_REVOKED_num(revoked) == 0) {
        return std::nullopt;  // an emptied stack encodes as an empty SEQUENCE, not as absent
    }
    const Asn1IntegerPtr n{::ASN1_INTEGER_new()};
    if (!n || ::ASN1_INTEGER_set_int64(n.get(), delta.crl_number) != 1 ||
        ::X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, n.get(), 0, X509V3_ADD_REPLACE) != 1) {
        return std::nullopt;
    }
    if (::X509_CRL_sort(crl.get()) != 1) {
        return std::nullopt;
    }
    const auto tbs = to_der(crl.get(), ::i2d_re_X509_CRL_tbs);
    if (!tbs) {
        return std::nullopt;
    }
    return assemble(*tbs, delta.signature_algorithm, delta.signature);
}

bool verify(std::span<const uint8_t> crl_der, std::span<const uint8_t> ca_cert) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    const X509Ptr ca = parse_cert(ca_cert);
    if (!crl || !ca || ::X509_CRL_get_version(crl.get()) != X509_CRL_VERSION_2) {
        return false;
    }
    const auto again = to_der(crl.get(), ::i2d_X509_CRL);
    if (!again || !std::equal(again->begin(), again->end(), crl_der.begin(), crl_der.end())) {
        return false;
    }
    const auto issuer = to_der(::X509_CRL_get_issuer(crl.get()), ::i2d_X509_NAME);
    const auto subject = to_der(::X509_get_subject_name(ca.get()), ::i2d_X509_NAME);
    if (!issuer || issuer != subject) {
        return false;
    }
    EVP_PKEY* key = ::X509_get0_pubkey(ca.get());
    return key != nullptr && ::X509_CRL_verify(crl.get(), key) == 1;
}

}  // namespace

std::optional<std::vector<uint8_t>> apply_delta(std::span<const uint8_t> copy_der,
                                                const librecord::crl::RevokedDelta& delta) {
    auto out = apply(copy_der, delta);
    ::ERR_clear_error();  // a refusal is a value: leave no stale error queue
    return out;
}

bool verify_crl(std::span<const uint8_t> crl_der, std::span<const uint8_t> ca_cert) {
    const bool ok = verify(crl_der, ca_cert);
    ::ERR_clear_error();
    return ok;
}

bool matches_delta(std::span<const uint8_t> crl_der, const librecord::crl::RevokedDelta& delta) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    ::ERR_clear_error();
    if (!crl) {
        return false;
    }
    return number_of(crl.get()) == delta.crl_number &&
           algorithm_of(crl.get()) == delta.signature_algorithm &&
           signature_of(crl.get()) == delta.signature;
}

std::optional<int64_t> crl_number(std::span<const uint8_t> crl_der) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    auto n = crl ? number_of(crl.get()) : std::nullopt;
    ::ERR_clear_error();
    return n;
}

std::optional<std::string> crl_this_update(std::span<const uint8_t> crl_der) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    ::ERR_clear_error();
    return crl ? ossl::utc_text(::X509_CRL_get0_lastUpdate(crl.get())) : std::nullopt;
}

std::optional<std::string> crl_next_update(std::span<const uint8_t> crl_der) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    ::ERR_clear_error();
    return crl ? ossl::utc_text(::X509_CRL_get0_nextUpdate(crl.get())) : std::nullopt;
}

std::optional<size_t> crl_entries(std::span<const uint8_t> crl_der) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    ::ERR_clear_error();
    if (!crl) {
        return std::nullopt;
    }
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
    return revoked == nullptr ? 0U : static_cast<size_t>(sk_X509_REVOKED_num(revoked));
}

std::optional<std::vector<CrlEntry>> crl_revoked(std::span<const uint8_t> crl_der) {
    const X509CrlPtr crl = parse_crl_der(crl_der);
    ::ERR_clear_error();
    if (!crl) {
        return std::nullopt;
    }
    std::vector<CrlEntry> out;
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
    const int n = revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
    for (int i = 0; i < n; ++i) {
        const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
        const BignumPtr bn{::ASN1_INTEGER_to_BN(::X509_REVOKED_get0_serialNumber(r), nullptr)};
        const auto when = ossl::utc_text(::X509_REVOKED_get0_revocationDate(r));
        if (!bn || !when) {
            return std::nullopt;
        }
        // BN_num_bytes is a macro in OpenSSL 3.
        std::vector<uint8_t> magnitude(static_cast<size_t>(BN_num_bytes(bn.get())));
        ::BN_bn2bin(bn.get(), magnitude.data());
        CrlEntry e;
        e.serial = librecord::format_serial(magnitude);
        e.revoked_at = *when;
        int crit = 0;
        const Asn1EnumPtr code{static_cast<ASN1_ENUMERATED*>(
            ::X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, nullptr))};
        if (code) {
            // RFC 5280 §5.3.1 codes of the reasons docs/protocol.md §5.6 allows.
            switch (::ASN1_ENUMERATED_get(code.get())) {
                case 1:
                    e.reason = "keyCompromise";
                    break;
                case 3:
                    e.reason = "affiliationChanged";
                    break;
                case 4:
                    e.reason = "superseded";
                    break;
                case 5:
                    e.reason = "cessationOfOperation";
                    break;
                case 9:
                    e.reason = "privilegeWithdrawn";
                    break;
                default:
                    break;
            }
        }
        out.push_back(std::move(e));
    }
    ::ERR_clear_error();
    return out;
}

}  // namespace cassiopeia::client::crl
