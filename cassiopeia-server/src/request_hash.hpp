// The request hash of docs/protocol.md §6 that binds a request id to its request, on SHA-256.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/hex.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace cassiopeia::server {

using Sha256Digest = std::array<uint8_t, 32>;

/// Incremental SHA-256 over OpenSSL EVP. finish() may be called once; update() after it throws.
class Sha256 final {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const uint8_t> bytes);
    void update(std::string_view text);
    [[nodiscard]] Sha256Digest finish();

    [[nodiscard]] static Sha256Digest digest(std::span<const uint8_t> bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/**
 * The §6 request hash: SHA-256 over every command after setRequestId up to, not including,
 * sign, in the order sent, each as `command u16 | length u32 | payload`, little-endian.
 * The session feeds each reassembled set-up command as it arrives.
 */
class RequestHasher final {
public:
    /// Throws cassiopeia::Error{internal} if the payload does not fit a u32 length (the
    /// record layer limits payloads to 65,536 bytes, §7, so this is an invariant).
    void add(uint16_t command, std::span<const uint8_t> payload);
    [[nodiscard]] Sha256Digest finish();

private:
    Sha256 m_sha;
};

}  // namespace cassiopeia::server
