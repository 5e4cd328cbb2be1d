// The canonical CRL of docs/protocol.md §5.6: building, signing, linting, and its RevokedDelta.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "crl/crl_types.hpp"
#include "issuance/ca_store.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::server {

/**
 * Signs CRL n for `ca` from `in` (entries, times, number) and encodes the RevokedDelta from
 * n-1 (in.added, in.dropped) to n (docs/crl.md). The CRL is linted before it is returned.
 * Fits the CRL book's CrlSigner: `[&ca](const CrlInput& in) { return sign_crl(ca, in); }`.
 * Throws cassiopeia::Error{internal} if the input is not canonical (serial text, unknown reason,
 * number < 1, nextUpdate not after thisUpdate, an added serial missing from the entries) or
 * the lint fails; Error{crypto} if an OpenSSL call fails.
 */
[[nodiscard]] SignedCrl sign_crl(const TimeCa& ca, const CrlInput& in);

/**
 * The lint sign_crl runs, for CRLs of any origin: DER that re-encodes identically with nothing
 * trailing, version v2, issuer = the CA subject byte for byte, thisUpdate < nextUpdate in
 * RFC 5280 time form, entries sorted ascending and unique, entries with at most a non-critical
 * reasonCode, no empty revokedCertificates, crlExtensions exactly authorityKeyIdentifier
 * (keyIdentifier = the CA's SKI only) then cRLNumber >= 1, both non-critical, and a signature
 * the CA certificate verifies.
 * @return an empty string when the CRL passes, else the first fault found.
 */
[[nodiscard]] std::string lint_crl(std::span<const uint8_t> crl_der, X509* ca_cert);

}  // namespace cassiopeia::server
