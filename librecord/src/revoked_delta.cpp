// The RevokedDelta of docs/protocol.md §5.6: OpenSSL ASN.1 template and the strict DER codec.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/revoked_delta.hpp"

#include "librecord/c_handle.hpp"
#include "librecord/ossl/handles.hpp"

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/safestack.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <climits>
#include <ctime>
#include <memory>

// The ASN.1 template macros expand to C casts; they are OpenSSL's documented way to define a type.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wzero-as-null-pointer-constant"

extern "C" {

// SEQUENCE { serial INTEGER, revocationDate Time, reason CRLReason OPTIONAL }
typedef struct CassDeltaEntry_st {  // NOLINT(modernize-use-using)
    ASN1_INTEGER* serial;
    ASN1_TIME* revocation_date;
    ASN1_ENUMERATED* reason;
} CASS_DELTA_ENTRY;

DECLARE_ASN1_FUNCTIONS(CASS_DELTA_ENTRY)
DEFINE_STACK_OF(CASS_DELTA_ENTRY)

ASN1_SEQUENCE(CASS_DELTA_ENTRY) =
    {
        ASN1_SIMPLE(CASS_DELTA_ENTRY, serial, ASN1_INTEGER),
        ASN1_SIMPLE(CASS_DELTA_ENTRY, revocation_date, ASN1_TIME),
        ASN1_OPT(CASS_DELTA_ENTRY, reason, ASN1_ENUMERATED),
} ASN1_SEQUENCE_END(CASS_DELTA_ENTRY)

        IMPLEMENT_ASN1_FUNCTIONS(CASS_DELTA_ENTRY)

    // RevokedDelta (docs/protocol.md §5.6)
    typedef struct CassRevokedDelta_st {  // NOLINT(modernize-use-using)
    ASN1_INTEGER* crl_number;
    ASN1_TIME* this_update;
    ASN1_TIME* next_update;
    STACK_OF(CASS_DELTA_ENTRY) * added;
    STACK_OF(ASN1_INTEGER) * dropped;
    X509_ALGOR* signature_algorithm;
    ASN1_BIT_STRING* signature;
} CASS_REVOKED_DELTA;

DECLARE_ASN1_FUNCTIONS(CASS_REVOKED_DELTA)

ASN1_SEQUENCE(CASS_REVOKED_DELTA) =
    {
        ASN1_SIMPLE(CASS_REVOKED_DELTA, crl_number, ASN1_INTEGER),
        ASN1_SIMPLE(CASS_REVOKED_DELTA, this_update, ASN1_TIME),
        ASN1_SIMPLE(CASS_REVOKED_DELTA, next_update, ASN1_TIME),
        ASN1_SEQUENCE_OF(CASS_REVOKED_DELTA, added, CASS_DELTA_ENTRY),
        ASN1_SEQUENCE_OF(CASS_REVOKED_DELTA, dropped, ASN1_INTEGER),
        ASN1_SIMPLE(CASS_REVOKED_DELTA, signature_algorithm, X509_ALGOR),
        ASN1_SIMPLE(CASS_REVOKED_DELTA, signature, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(CASS_REVOKED_DELTA)

        IMPLEMENT_ASN1_FUNCTIONS(CASS_REVOKED_DELTA)

}  // extern "C"

namespace {

// Typed stack helpers, wrapped here so that the casts of DEFINE_STACK_OF stay in this region.
int added_count(const CASS_REVOKED_DELTA* d) {
    return sk_CASS_DELTA_ENTRY_num(d->added);
}

CASS_DELTA_ENTRY* added_at(const CASS_REVOKED_DELTA* d, int i) {
    return sk_CASS_DELTA_ENTRY_value(d->added, i);
}

bool push_added(CASS_REVOKED_DELTA* d, CASS_DELTA_ENTRY* e) {
    return sk_CASS_DELTA_ENTRY_push(d->added, e) > 0;
}

int dropped_count(const CASS_REVOKED_DELTA* d) {
    return sk_ASN1_INTEGER_num(d->dropped);
}

ASN1_INTEGER* dropped_at(const CASS_REVOKED_DELTA* d, int i) {
    return sk_ASN1_INTEGER_value(d->dropped, i);
}

bool push_dropped(CASS_REVOKED_DELTA* d, ASN1_INTEGER* s) {
    return sk_ASN1_INTEGER_push(d->dropped, s) > 0;
}

void set_whole_octets(ASN1_BIT_STRING* bs) {
    // Without BITS_LEFT, OpenSSL would trim trailing zero bits of the signature on output.
    bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07L);
    bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
}

bool whole_octets(const ASN1_BIT_STRING* bs) {
    return (bs->flags & 0x07L) == 0;
}

}  // namespace

#pragma GCC diagnostic pop

namespace librecord::crl {

namespace ossl = cassiopeia::ossl;

namespace {

class DeltaCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "revoked_delta"; }

    [[nodiscard]] std::string message(int ev) const override {
        switch (static_cast<DeltaErrc>(ev)) {
            case DeltaErrc::not_der:
                return "not one DER RevokedDelta";
            case DeltaErrc::trailing_bytes:
                return "bytes after the RevokedDelta";
            case DeltaErrc::bad_field:
                return "a RevokedDelta field is out of range";
            case DeltaErrc::too_large:
                return "RevokedDelta too large";
        }
        return "unknown revoked_delta error";
    }
};

using DeltaPtr = std::unique_ptr<CASS_REVOKED_DELTA, CFree<&::CASS_REVOKED_DELTA_free>>;
using EntryPtr = std::unique_ptr<CASS_DELTA_ENTRY, CFree<&::CASS_DELTA_ENTRY_free>>;

/// Runs an i2d function into a vector; empty on failure.
template <class T, class F>
std::vector<uint8_t> to_der(T* value, F i2d) {
    unsigned char* out = nullptr;
    const int len = i2d(value, &out);
    const ossl::OsslBytesPtr owner{out};
    if (len <= 0 || out == nullptr) {
        return {};
    }
    return {out, out + len};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

/// Parses exactly one DER value of a type (no trailing bytes, re-encodes to the same bytes).
template <class Ptr, class D2i, class I2d>
Ptr from_der(std::span<const uint8_t> der, D2i d2i, I2d i2d) {
    if (der.empty() || der.size() > LONG_MAX) {
        return nullptr;
    }
    const unsigned char* p = der.data();
    Ptr v{d2i(nullptr, &p, static_cast<long>(der.size()))};
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    if (!v || p != der.data() + der.size()) {
        return nullptr;
    }
    const auto again = to_der(v.get(), i2d);
    if (!std::equal(again.begin(), again.end(), der.begin(), der.end())) {
        return nullptr;
    }
    return v;
}

bool all_digits(const unsigned char* p, int n) {
    for (int i = 0; i < n; ++i) {
        const unsigned char c = p[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

/// RFC 5280 §4.1.2.5: UTCTime `YYMMDDHHMMSSZ` through 2049, GeneralizedTime
/// `YYYYMMDDHHMMSSZ` from 2050, both valid dates.
bool rfc5280_time(const ASN1_TIME* t) {
    const int type = ::ASN1_STRING_type(t);
    const int len = ::ASN1_STRING_length(t);
    const unsigned char* d = ::ASN1_STRING_get0_data(t);
    int digits = 0;
    if (type == V_ASN1_UTCTIME) {
        digits = 12;
    } else if (type == V_ASN1_GENERALIZEDTIME) {
        digits = 14;
    } else {
        return false;
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    if (len != digits + 1 || d == nullptr || !all_digits(d, digits) || d[digits] != 'Z') {
        return false;
    }
    if (::ASN1_TIME_check(t) != 1) {
        return false;
    }
    std::tm tm{};
    if (::ASN1_TIME_to_tm(t, &tm) != 1) {
        return false;
    }
    const int year = tm.tm_year + 1900;
    return type == V_ASN1_UTCTIME ? year < 2050 : year >= 2050;
}

ossl::Asn1TimePtr time_from_der(std::span<const uint8_t> der) {
    auto t = from_der<ossl::Asn1TimePtr>(der, ::d2i_ASN1_TIME, ::i2d_ASN1_TIME);
    if (!t || !rfc5280_time(t.get())) {
        return nullptr;
    }
    return t;
}

bool valid_reason(int64_t r) {
    // RFC 5280 §5.3.1: 0-10, 7 unused.
    return r >= 0 && r <= 10 && r != 7;
}

ossl::Asn1IntegerPtr integer_from_magnitude(const std::vector<uint8_t>& mag) {
    if (mag.size() > delta_limits::max_serial_octets || (!mag.empty() && mag.front() == 0)) {
        return nullptr;
    }
    const ossl::BignumPtr bn{::BN_bin2bn(mag.data(), static_cast<int>(mag.size()), nullptr)};
    if (!bn) {
        return nullptr;
    }
    return ossl::Asn1IntegerPtr{::BN_to_ASN1_INTEGER(bn.get(), nullptr)};
}

std::optional<std::vector<uint8_t>> magnitude_of(const ASN1_INTEGER* i) {
    if (::ASN1_STRING_type(i) != V_ASN1_INTEGER) {
        return std::nullopt;  // negative
    }
    const ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(i, nullptr)};
    if (!bn) {
        return std::nullopt;
    }
    const int n = BN_num_bytes(bn.get());
    if (n < 0 || static_cast<size_t>(n) > delta_limits::max_serial_octets) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(static_cast<size_t>(n));
    if (::BN_bn2bin(bn.get(), out.data()) != n) {
        return std::nullopt;
    }
    return out;
}

Result<std::vector<uint8_t>> encode_impl(const RevokedDelta& delta) {
    const DeltaPtr d{::CASS_REVOKED_DELTA_new()};
    if (!d) {
        return make_error_code(DeltaErrc::bad_field);
    }
    if (delta.crl_number < 1 || ::ASN1_INTEGER_set_int64(d->crl_number, delta.crl_number) != 1) {
        return make_error_code(DeltaErrc::bad_field);
    }
    auto this_update = time_from_der(delta.this_update);
    auto next_update = time_from_der(delta.next_update);
    if (!this_update || !next_update) {
        return make_error_code(DeltaErrc::bad_field);
    }
    ::ASN1_TIME_free(d->this_update);
    d->this_update = this_update.release();  // now owned by d
    ::ASN1_TIME_free(d->next_update);
    d->next_update = next_update.release();  // now owned by d

    for (const DeltaEntry& e : delta.added) {
        EntryPtr entry{::CASS_DELTA_ENTRY_new()};
        auto serial = integer_from_magnitude(e.serial);
        auto date = time_from_der(e.revocation_date);
        if (!entry || !serial || !date) {
            return make_error_code(DeltaErrc::bad_field);
        }
        ::ASN1_INTEGER_free(entry->serial);
        entry->serial = serial.release();  // now owned by entry
        ::ASN1_TIME_free(entry->revocation_date);
        entry->revocation_date = date.release();  // now owned by entry
        if (e.reason) {
            if (!valid_reason(*e.reason)) {
                return make_error_code(DeltaErrc::bad_field);
            }
            ossl::Asn1EnumPtr reason{::ASN1_ENUMERATED_new()};
            if (!reason || ::ASN1_ENUMERATED_set(reason.get(), *e.reason) != 1) {
                return make_error_code(DeltaErrc::bad_field);
            }
            entry->reason = reason.release();  // now owned by entry
        }
        if (!push_added(d.get(), entry.get())) {
            return make_error_code(DeltaErrc::bad_field);
        }
        (void)entry.release();  // now owned by d->added
    }
    for (const auto& s : delta.dropped) {
        auto serial = integer_from_magnitude(s);
        if (!serial || !push_dropped(d.get(), serial.get())) {
            return make_error_code(DeltaErrc::bad_field);
        }
        (void)serial.release();  // now owned by d->dropped
    }

    auto alg =
        from_der<ossl::X509AlgorPtr>(delta.signature_algorithm, ::d2i_X509_ALGOR, ::i2d_X509_ALGOR);
    if (!alg) {
        return make_error_code(DeltaErrc::bad_field);
    }
    ::X509_ALGOR_free(d->signature_algorithm);
    d->signature_algorithm = alg.release();  // now owned by d

    if (delta.signature.empty() || delta.signature.size() > delta_limits::max_delta_size ||
        ::ASN1_STRING_set(
            d->signature, delta.signature.data(), static_cast<int>(delta.signature.size())) != 1) {
        return make_error_code(DeltaErrc::bad_field);
    }
    set_whole_octets(d->signature);

    auto out = to_der(d.get(), ::i2d_CASS_REVOKED_DELTA);
    if (out.empty()) {
        return make_error_code(DeltaErrc::bad_field);
    }
    if (out.size() > delta_limits::max_delta_size) {
        return make_error_code(DeltaErrc::too_large);
    }
    return out;
}

Result<RevokedDelta> decode_impl(std::span<const uint8_t> der) {
    if (der.size() > delta_limits::max_delta_size) {
        return make_error_code(DeltaErrc::too_large);
    }
    if (der.empty()) {
        return make_error_code(DeltaErrc::not_der);
    }
    const unsigned char* p = der.data();
    const DeltaPtr d{::d2i_CASS_REVOKED_DELTA(nullptr, &p, static_cast<long>(der.size()))};
    if (!d) {
        return make_error_code(DeltaErrc::not_der);
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    if (p != der.data() + der.size()) {
        return make_error_code(DeltaErrc::trailing_bytes);
    }
    // DER only: OpenSSL's decoder also takes some BER (long lengths, indefinite form).
    const auto again = to_der(d.get(), ::i2d_CASS_REVOKED_DELTA);
    if (!std::equal(again.begin(), again.end(), der.begin(), der.end())) {
        return make_error_code(DeltaErrc::not_der);
    }

    RevokedDelta out;
    int64_t number = 0;
    if (::ASN1_INTEGER_get_int64(&number, d->crl_number) != 1 || number < 1) {
        return make_error_code(DeltaErrc::bad_field);
    }
    out.crl_number = number;
    if (!rfc5280_time(d->this_update) || !rfc5280_time(d->next_update)) {
        return make_error_code(DeltaErrc::bad_field);
    }
    out.this_update = to_der(d->this_update, ::i2d_ASN1_TIME);
    out.next_update = to_der(d->next_update, ::i2d_ASN1_TIME);

    const int n_added = added_count(d.get());
    for (int i = 0; i < n_added; ++i) {
        const CASS_DELTA_ENTRY* e = added_at(d.get(), i);
        auto serial = magnitude_of(e->serial);
        if (!serial || !rfc5280_time(e->revocation_date)) {
            return make_error_code(DeltaErrc::bad_field);
        }
        DeltaEntry entry;
        entry.serial = std::move(*serial);
        entry.revocation_date = to_der(e->revocation_date, ::i2d_ASN1_TIME);
        if (e->reason != nullptr) {
            int64_t r = 0;
            if (::ASN1_ENUMERATED_get_int64(&r, e->reason) != 1 || !valid_reason(r)) {
                return make_error_code(DeltaErrc::bad_field);
            }
            entry.reason = static_cast<int>(r);
        }
        out.added.push_back(std::move(entry));
    }
    const int n_dropped = dropped_count(d.get());
    for (int i = 0; i < n_dropped; ++i) {
        auto serial = magnitude_of(dropped_at(d.get(), i));
        if (!serial) {
            return make_error_code(DeltaErrc::bad_field);
        }
        out.dropped.push_back(std::move(*serial));
    }
    out.signature_algorithm = to_der(d->signature_algorithm, ::i2d_X509_ALGOR);
    if (out.signature_algorithm.empty() || !whole_octets(d->signature) ||
        ::ASN1_STRING_length(d->signature) <= 0) {
        return make_error_code(DeltaErrc::bad_field);
    }
    const unsigned char* sig = ::ASN1_STRING_get0_data(d->signature);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    out.signature.assign(sig, sig + ::ASN1_STRING_length(d->signature));
    return out;
}

}  // namespace

const std::error_category& delta_category() noexcept {
    static const DeltaCategory category;
    return category;
}

std::error_code make_error_code(DeltaErrc e) noexcept {
    return {static_cast<int>(e), delta_category()};
}

Result<std::vector<uint8_t>> encode(const RevokedDelta& delta) {
    auto r = encode_impl(delta);
    ::ERR_clear_error();  // failures are values here; leave no stale queue for the caller
    return r;
}

Result<RevokedDelta> decode(std::span<const uint8_t> der) {
    auto r = decode_impl(der);
    ::ERR_clear_error();
    return r;
}

}  // namespace librecord::crl
