// Parsing PKCS#10 (DER or PEM) and SPKAC requests: self-signature check and key policy (§5.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "util/signer_error.hpp"

#include <librecord/ossl/handles.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cassiopeia::server {

namespace key_limits {
inline constexpr int min_rsa_bits = 2048;
inline constexpr int max_rsa_bits = 8192;
}  // namespace key_limits

/** The only thing taken from a request: its public key, after the checks. */
struct RequestKey {
    ossl::EvpPkeyPtr key;
    std::string description;  ///< "RSA 2048" or "EC P-256", for the signing log
};

/**
 * Parses a PKCS#10 request, DER (all bytes consumed) or PEM (exactly one CERTIFICATE REQUEST
 * block, whitespace around it only), verifies its self-signature and applies the key policy.
 * @return the key, or bad_csr / csr_signature / weak_key.
 */
[[nodiscard]] Refusable<RequestKey> parse_pkcs10(std::span<const uint8_t> bytes);

/**
 * Parses an SPKAC (base64 of the DER SignedPublicKeyAndChallenge, an optional `SPKAC=` prefix
 * and ASCII whitespace tolerated), verifies its signature and applies the key policy.
 */
[[nodiscard]] Refusable<RequestKey> parse_spkac(std::string_view base64);

/** Key policy: RSA 2048..8192 bits with an odd exponent >= 3, EC P-256/P-384; else weak_key. */
[[nodiscard]] Refusable<std::string> check_key_policy(EVP_PKEY* key);

}  // namespace cassiopeia::server
