// The RevokedDelta of docs/protocol.md §5.6 (CRL n-1 -> n) as plain values, with its
// strict DER codec.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

namespace librecord::crl {

/** Why a RevokedDelta was refused (category "revoked_delta"). Values are stable. */
enum class DeltaErrc {
    not_der = 1,     ///< not one DER RevokedDelta: truncated, wrong tag, BER, bad length
    trailing_bytes,  ///< bytes after the outer SEQUENCE
    bad_field,       ///< a well-formed field out of range (see decode / encode)
    too_large,       ///< over delta_limits::max_delta_size
};

[[nodiscard]] const std::error_category& delta_category() noexcept;

[[nodiscard]] std::error_code make_error_code(DeltaErrc e) noexcept;

namespace delta_limits {
/// RFC 5280 §4.1.2.2: a serial number is at most 20 octets (its magnitude, here).
inline constexpr size_t max_serial_octets = 20;
/// docs/protocol.md §7: a reply is at most 16 MiB; a delta is never larger.
inline constexpr size_t max_delta_size = size_t{16} * 1024 * 1024;
}  // namespace delta_limits

/** One entry of `added`: SEQUENCE { serial INTEGER, revocationDate Time, reason CRLReason OPTIONAL
 * }. */
struct DeltaEntry {
    /// Serial as minimal big-endian magnitude (no leading zero byte; empty for zero).
    std::vector<uint8_t> serial;
    /// The revocationDate, DER of the Time (UTCTime or GeneralizedTime TLV), as in the CRL.
    std::vector<uint8_t> revocation_date;
    /// RFC 5280 CRLReason value (0-6, 8-10); nullopt = the field is absent.
    std::optional<int> reason;

    friend bool operator==(const DeltaEntry&, const DeltaEntry&) = default;
};

/**
 * RevokedDelta ::= SEQUENCE { crlNumber INTEGER, thisUpdate Time, nextUpdate Time,
 *   added SEQUENCE OF SEQUENCE {...}, dropped SEQUENCE OF INTEGER,
 *   signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }   (docs/protocol.md §5.6)
 */
struct RevokedDelta {
    int64_t crl_number = 0;                     ///< n, at least 1
    std::vector<uint8_t> this_update;           ///< DER of the Time, byte for byte as in CRL n
    std::vector<uint8_t> next_update;           ///< DER of the Time, byte for byte as in CRL n
    std::vector<DeltaEntry> added;              ///< entries in n and not in n-1
    std::vector<std::vector<uint8_t>> dropped;  ///< serials (magnitudes) in n-1 and not in n
    std::vector<uint8_t> signature_algorithm;   ///< DER of CRL n's AlgorithmIdentifier
    std::vector<uint8_t> signature;  ///< CRL n's signature: the BIT STRING's octets (0 unused bits)

    friend bool operator==(const RevokedDelta&, const RevokedDelta&) = default;
};

/**
 * Encodes a delta as DER.
 * @return the DER, or an error: DeltaErrc::bad_field when a field is out of range
 *   (crl_number < 1, a serial with a leading zero byte or over max_serial_octets, a time that
 *   is not one RFC 5280 Time, an algorithm that is not one DER AlgorithmIdentifier, a reason
 *   outside CRLReason, an empty signature), DeltaErrc::too_large when the result would pass
 *   max_delta_size.
 */
[[nodiscard]] Result<std::vector<uint8_t>> encode(const RevokedDelta& delta);

/**
 * Decodes a delta strictly: DER only (re-encoding must give the same bytes), no trailing
 * bytes, times `YYMMDDHHMMSSZ` UTCTime before 2050 or `YYYYMMDDHHMMSSZ` GeneralizedTime from
 * 2050 (RFC 5280 §4.1.2.5), crlNumber in [1, 2^63), serials non-negative and at most
 * max_serial_octets, reasons in CRLReason, signature with 0 unused bits.
 * @return the delta, or DeltaErrc::too_large (input over max_delta_size),
 *   DeltaErrc::trailing_bytes (bytes after the SEQUENCE), DeltaErrc::not_der (empty,
 *   truncated, wrong tags, BER that is not DER), DeltaErrc::bad_field (a field out of range).
 */
[[nodiscard]] Result<RevokedDelta> decode(std::span<const uint8_t> der);

}  // namespace librecord::crl

template <>
struct std::is_error_code_enum<librecord::crl::DeltaErrc> : std::true_type {};
