// The client's OpenSSL work for issuance: CSR decoding, checking what came back, hashes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct asn1_string_st;  // OpenSSL's ASN1_TIME, kept out of this header

namespace cassiopeia::client::ossl {

/** An ASN.1 time as the wire writes it, `YYYY-MM-DDTHH:MM:SSZ`; nullopt when unreadable. */
[[nodiscard]] std::optional<std::string> utc_text(const asn1_string_st* t);

/** A PKCS#10 request given as PEM (one block) or DER, as DER; nullopt if it is neither. */
[[nodiscard]] std::optional<std::vector<uint8_t>> csr_to_der(std::span<const uint8_t> input);

/** The base64 SPKAC of a file (`SPKAC=` prefix and whitespace removed); nullopt if invalid. */
[[nodiscard]] std::optional<std::string> spkac_from_file(std::span<const uint8_t> input);

/** What the client reports of an issued certificate. */
struct CertificateSummary {
    std::string serial;      ///< docs/protocol.md §5.4 text form
    std::string not_before;  ///< YYYY-MM-DDTHH:MM:SSZ
    std::string not_after;
    std::string pem;
    bool clamped = false;  ///< notAfter is the issuing CA's notAfter (docs/conventions.md)
};

/**
 * Parses the signer's certificate (DER, no trailing bytes) and checks that it is issued by
 * `issuer_cert` (the certificate, PEM or DER, of the CA the signer named in `signingCA`: issuer
 * name and key identifier match, signature verifies with its key) and certifies the key of the
 * request (`csr_der`, or the base64 `spkac` when csr_der is empty).
 * nullopt when it does not: the result failed local verification (exit status 4).
 */
[[nodiscard]] std::optional<CertificateSummary> check_certificate(
    std::span<const uint8_t> cert_der,
    std::span<const uint8_t> csr_der,
    const std::string& spkac,
    std::span<const uint8_t> issuer_cert);

/** Lower-case hex SHA-256 (the payload of logSaved). */
[[nodiscard]] std::string sha256_hex(std::span<const uint8_t> data);

/** A random integer in [1, 2^63) from OpenSSL's CSPRNG (the `cli:<random>` request id). */
[[nodiscard]] uint64_t random_request_number();

}  // namespace cassiopeia::client::ossl
