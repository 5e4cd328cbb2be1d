// The client's CRL work (docs/protocol.md §5.6): rebuilding CRL n from n-1 and a RevokedDelta,
// verifying a CRL with its CA certificate, and reading the fields the client reports.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/revoked_delta.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::client::crl {

/**
 * Rebuilds CRL n from the copy n-1 and the delta n-1 -> n, as docs/protocol.md §5.6 says
 * (docs/crl.md). The result is NOT verified: the caller runs verify_crl before storing it.
 * @return the DER of CRL n, or nullopt when a full fetch is needed: the copy is not one DER CRL,
 *   its cRLNumber is not delta.crl_number - 1, its signature algorithm differs from the delta's,
 *   a dropped serial is not on the copy, an added serial already is, or no entry is left.
 */
[[nodiscard]] std::optional<std::vector<uint8_t>> apply_delta(
    std::span<const uint8_t> copy_der, const librecord::crl::RevokedDelta& delta);

/**
 * True if the CRL (DER, nothing trailing) is issued by the CA (certificate in DER or PEM):
 * version v2, issuer equal to the CA subject byte for byte, signature verified with the CA key.
 */
[[nodiscard]] bool verify_crl(std::span<const uint8_t> crl_der, std::span<const uint8_t> ca_cert);

/**
 * True if the CRL (DER) carries the delta's number, signature algorithm and signature: the
 * delta produced the CRL the client already holds (§5.6, "its copy is numbered n").
 */
[[nodiscard]] bool matches_delta(std::span<const uint8_t> crl_der,
                                 const librecord::crl::RevokedDelta& delta);

/** The cRLNumber of a DER CRL; nullopt if unreadable, absent or above 2^63-1. */
[[nodiscard]] std::optional<int64_t> crl_number(std::span<const uint8_t> crl_der);

/** thisUpdate / nextUpdate of a DER CRL as `YYYY-MM-DDTHH:MM:SSZ`; nullopt if unreadable. */
[[nodiscard]] std::optional<std::string> crl_this_update(std::span<const uint8_t> crl_der);
[[nodiscard]] std::optional<std::string> crl_next_update(std::span<const uint8_t> crl_der);

/** The number of entries of a DER CRL (0 when the field is absent); nullopt if unreadable. */
[[nodiscard]] std::optional<size_t> crl_entries(std::span<const uint8_t> crl_der);

/** One entry of a CRL as the client reports it. */
struct CrlEntry {
    std::string serial;                 ///< §5.4 text form
    std::string revoked_at;             ///< YYYY-MM-DDTHH:MM:SSZ
    std::optional<std::string> reason;  ///< RFC 5280 name; none = unspecified
};

/** The entries of a CRL (nullopt when it does not parse). */
[[nodiscard]] std::optional<std::vector<CrlEntry>> crl_revoked(std::span<const uint8_t> crl_der);

}  // namespace cassiopeia::client::crl
