// Private keys in PKCS#11 tokens, named by RFC 7512 URIs, through GnuTLS's PKCS#11 support
// (docs/hsm.md). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace librecord::pkcs11 {

/** True when `ref` is an RFC 7512 URI (`pkcs11:...`) rather than a file path. */
[[nodiscard]] bool is_uri(std::string_view ref) noexcept;

/** How this process reaches its tokens (the `[pkcs11]` section of both daemons). */
struct Settings {
    std::string module;    ///< module path; empty: every module of p11-kit's registry
    std::string pin_file;  ///< the user PIN; empty: $CREDENTIALS_DIRECTORY/pkcs11-pin
};

/** The systemd credential read when Settings::pin_file is empty. */
inline constexpr std::string_view pin_credential = "pkcs11-pin";

/**
 * Sets the process up for tokens: reads the PIN (a file that group or others can access is
 * refused), loads the module and installs the PIN callback (a wrong PIN is never retried, so
 * the token's retry counter is not spent). Call once, before any Key is used; a second call
 * replaces the settings. Throws cassiopeia::Error{config} (no PIN, bad mode) or {crypto}.
 */
void configure(const Settings& settings);

/**
 * The user PIN as configure() reads it (same file rules), for a component that hands it to the
 * token itself: the OpenPGP certifier's gnupg-pkcs11-scd asks through gpg-agent (docs/hsm.md).
 * The caller wipes it. Throws cassiopeia::Error{config}.
 */
[[nodiscard]] std::string read_pin(const Settings& settings);

/** What a token says about itself, for the status report. Never the PIN. */
struct TokenState {
    bool present = false;    ///< the token answered
    bool logged_in = false;  ///< the key is open (its session logged in)
    std::string label;       ///< token label
    std::string serial;      ///< token serial number
    std::string model;       ///< token model (e.g. "SoftHSM v2")
    std::string error;       ///< the last failure; empty when none
};

/** Public-key algorithm of a key in a token. */
enum class KeyType { rsa, ec, other };

/**
 * A private key in a token, named by its URI. It is opened (and the token logged in) on first
 * use. When an operation fails, as when the token was removed, reset or logged out, the
 * failure is thrown and the next use re-initialises the module, opens the key again and logs
 * in again: no restart is needed. All token operations of the process are serialised by one
 * lock (a token signs one thing at a time anyway), so a Key may be shared between threads.
 */
class Key final {
public:
    /** Throws cassiopeia::Error{config} when `uri` is not a pkcs11: URI. Opens nothing. */
    explicit Key(std::string uri);
    ~Key();
    Key(Key&&) noexcept;
    Key& operator=(Key&&) noexcept;
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;

    [[nodiscard]] const std::string& uri() const noexcept;

    /**
     * Signs `data` with the hash named by `digest` (an OpenSSL or GnuTLS name such as
     * "SHA256"): PKCS#1 v1.5 for RSA, a DER ECDSA-Sig-Value for EC, as X.509 wants.
     * Throws cassiopeia::Error{crypto} when the token fails.
     */
    [[nodiscard]] std::vector<uint8_t> sign(std::string_view digest,
                                            std::span<const uint8_t> data) const;

    /** The key's algorithm (opens the key). Throws as sign(). */
    [[nodiscard]] KeyType type() const;

    /** The token's state; never throws (a failure is TokenState::error). Opens the key. */
    [[nodiscard]] TokenState state() const;

    struct Impl;

    [[nodiscard]] Impl& impl() const noexcept { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

/**
 * Generates a key pair inside the token named by `token_uri`, labelled `label`: private,
 * sensitive and never extractable (C_GenerateKeyPair in the token). `bits` is the RSA modulus
 * size or the EC curve size (256 or 384). Returns the public key as DER SubjectPublicKeyInfo.
 * Throws cassiopeia::Error{crypto}; {config} when an object labelled `label` already exists.
 */
[[nodiscard]] std::vector<uint8_t> generate_key(const std::string& token_uri,
                                                const std::string& label,
                                                KeyType type,
                                                unsigned bits);

/**
 * Deletes every object labelled `label` on the token of `token_uri` (a key pair that
 * generate_key() made for a ceremony that failed afterwards). Throws cassiopeia::Error{crypto}.
 */
void delete_objects(const std::string& token_uri, std::string_view label);

/** The URI of the private key labelled `label` on the token of `token_uri`. */
[[nodiscard]] std::string key_uri(std::string_view token_uri, std::string_view label);

}  // namespace librecord::pkcs11
