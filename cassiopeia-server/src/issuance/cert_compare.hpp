// Two certificates compared field by field: the proof of the re-sign ceremony that a new
// certificate holds what the old one held, but for the fields the operator allowed to change
// (docs/key-ceremony.md, "compare"). Untrusted input: never throws for bad bytes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/ossl/handles.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

/** One certificate as read: its DER bytes exactly as given, and OpenSSL's parse of them. */
struct ParsedCertificate {
    ossl::X509Ptr x509;
    std::vector<uint8_t> der;
};

/** Exactly one DER certificate (nothing may follow it); nullopt otherwise. */
[[nodiscard]] std::optional<ParsedCertificate> parse_certificate(std::span<const uint8_t> der);

/**
 * The DER of the one certificate in `text`: a PEM `CERTIFICATE` block (its bytes as encoded,
 * not re-encoded), or the bytes themselves when they do not start with `-----BEGIN`.
 * nullopt for a PEM that does not decode or holds something else.
 */
[[nodiscard]] std::optional<std::vector<uint8_t>> certificate_der(std::span<const uint8_t> text);

enum class FieldVerdict { same, allowed, differs };

struct FieldComparison {
    std::string field;  ///< `serial`, `validity`, an extension's short name or dotted OID...
    FieldVerdict verdict = FieldVerdict::same;
    std::string old_text;  ///< what the old certificate holds, one line ("absent" when missing)
    std::string new_text;
};

struct CertComparison {
    std::vector<FieldComparison> fields;
    /** True when no field differs but those allowed to. */
    [[nodiscard]] bool equivalent() const noexcept;
};

/**
 * The field name `--allow NAME` means: a fixed field (version, serial, signature, issuer,
 * subject, key, issuer-uid, subject-uid, extension-order) as is, an extension by its OpenSSL
 * short or long name or dotted OID as its canonical name (the short name, or the OID when
 * OpenSSL has none). nullopt for an unknown name and for the fields never allowed to differ:
 * validity, encoding, certificate.
 */
[[nodiscard]] std::optional<std::string> allowable_field(std::string_view name);

/** The canonical name of an extension's field: its short name, or its dotted OID. */
[[nodiscard]] std::string extension_field(const ASN1_OBJECT* oid);

/**
 * Every field of `old_cert` against `new_cert`: version, serial, signature (algorithm in the
 * TBS and outside it, and the value), issuer, validity, subject, key, the unique ids, each
 * extension by OID (criticality and value; present in one only), the order of the extensions
 * both hold, `encoding` (both DER as OpenSSL encodes what it parsed, so no byte escapes the
 * fields) and `certificate` (the bytes, when every field agrees). A field whose name is in
 * `allowed` (canonical names, allowable_field) and that differs is `allowed`.
 */
[[nodiscard]] CertComparison compare_certificates(const ParsedCertificate& old_cert,
                                                  const ParsedCertificate& new_cert,
                                                  const std::set<std::string>& allowed);

/** SHA-256 of `der` as `openssl x509 -fingerprint -sha256` prints it: `AB:CD:...`. */
[[nodiscard]] std::string sha256_fingerprint(std::span<const uint8_t> der);

}  // namespace cassiopeia::server
