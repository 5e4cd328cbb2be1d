// Signed results of one TLS session waiting for logSaved (docs/protocol.md §5.1, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/limits.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::server {

/** What `sign` answered with setLog and `logSaved` releases, per session, in any order. */
class WaitingResults final {
public:
    static constexpr size_t capacity = librecord::limits::max_waiting_results;

    /** The replies a logSaved releases: respondCertificate and signingCA payloads. */
    struct Released {
        std::vector<uint8_t> issued;
        std::string signing_ca;
    };

    [[nodiscard]] size_t size() const noexcept { return m_entries.size(); }

    [[nodiscard]] bool empty() const noexcept { return m_entries.empty(); }

    /**
     * Adds the result whose setLog payload is `log`.
     * Precondition: size() < capacity (throws Error{internal} otherwise).
     */
    void add(std::span<const uint8_t> log, std::vector<uint8_t> issued, std::string signing_ca);

    /**
     * Takes out the result whose setLog payload has `log_hash_hex` as its lower-case hex
     * SHA-256 (the logSaved payload), compared in constant time (docs/style.md §6.10); the
     * oldest when several match. Nothing is released when none matches.
     */
    [[nodiscard]] std::optional<Released> release(std::span<const uint8_t> log_hash_hex);

    void clear() noexcept { m_entries.clear(); }

private:
    struct Entry {
        std::string log_hash_hex;  ///< 64 lower-case hex digits
        Released result;
    };

    std::vector<Entry> m_entries;
};

}  // namespace cassiopeia::server
