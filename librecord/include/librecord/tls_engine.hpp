// Sans-I/O TLS 1.3 engine on GnuTLS with mandatory mutual X.509 authentication (docs/protocol.md
// §3). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/pkcs11.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace librecord::tls {

/** ALPN protocol every session must select (§3). */
inline constexpr std::string_view alpn_protocol = "cassiopeia/1";

enum class Role { client, server };

/**
 * Files of one side's link identity. Keys are PEM, unencrypted, mode 0600 (checked by
 * callers), or a key in a token named by a pkcs11: URI (docs/hsm.md; pkcs11::configure first).
 */
struct CredentialFiles {
    std::string ca_file;    ///< the link CA (PEM) that the peer's certificate must chain to
    std::string cert_file;  ///< this side's certificate (PEM)
    std::string key_file;   ///< this side's private key (PEM) or its pkcs11: URI
};

/**
 * Loaded credentials, shareable by many sessions of one process.
 * Throws cassiopeia::Error{crypto} when a file cannot be read or the key does not match.
 */
class Credentials final {
public:
    explicit Credentials(const CredentialFiles& files);
    ~Credentials();
    Credentials(const Credentials&) = delete;
    Credentials& operator=(const Credentials&) = delete;

    /**
     * For a key in a token: signs a probe through it and verifies it with the certificate.
     * Throws cassiopeia::Error{config} when it cannot sign or is another certificate's key (a
     * configuration fault at start). No-op for a key file.
     */
    void check_key() const;
    /** The token's state for a key in a token; nullopt for a key file. */
    [[nodiscard]] std::optional<pkcs11::TokenState> token_state() const;

    struct Impl;

    [[nodiscard]] Impl& impl() const noexcept { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

/** Options that tests may bend to prove the checks (a client that offers no ALPN). */
struct SessionOptions {
    std::string peer_name;                          ///< must be a dNSName SAN of the peer
    std::string alpn = std::string(alpn_protocol);  ///< empty: offer none (tests only)
};

/**
 * One TLS session over an in-memory transport. Ciphertext from the link goes in with
 * feed(); ciphertext for the link comes out of take_output(). Nothing blocks.
 *
 * Typical use: feed() what arrived, call handshake() until it returns established or an
 * error, flushing take_output() to the link after every call; then write()/read().
 */
class Engine final {
public:
    enum class State { handshaking, established, closed, failed };

    /** Throws cassiopeia::Error{crypto} if GnuTLS cannot set up the session. */
    Engine(Role role, const Credentials& creds, SessionOptions options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /** Ciphertext received from the link. */
    void feed(std::span<const uint8_t> ciphertext);

    /** Ciphertext to send; empties the internal buffer. */
    [[nodiscard]] std::vector<uint8_t> take_output();

    /**
     * Drives the handshake as far as the input allows.
     * @return {} with state() == established when done, or when more input is needed
     *   (state() stays handshaking); tls_handshake, tls_peer or tls_alpn on failure
     *   (state() == failed; an alert may wait in take_output()).
     */
    [[nodiscard]] std::error_code handshake();

    /** Encrypts plaintext into the output buffer. Precondition: established. */
    [[nodiscard]] std::error_code write(std::span<const uint8_t> plaintext);

    /**
     * Decrypts what the fed ciphertext allows and appends it to `out`.
     * @return {} (possibly nothing appended: more input needed), tls_closed after the
     *   peer's close_notify, or tls_failed (bad MAC, fatal alert).
     */
    [[nodiscard]] std::error_code read(std::vector<uint8_t>& out);

    /** Sends close_notify (into the output buffer) and moves to closed. */
    void close() noexcept;

    [[nodiscard]] State state() const noexcept { return m_state; }

    /** Human-readable reason of the last failure (never key material). */
    [[nodiscard]] const std::string& failure() const noexcept { return m_failure; }

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
    State m_state = State::handshaking;
    std::string m_failure;
};

}  // namespace librecord::tls
