// The one retry back-off of the client: 0.5 s, doubling, capped at 10 s (docs/protocol.md §2),
// used by the link's session retries, the daemon's WebDB reconnects and its signer checks.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/limits.hpp>

#include <algorithm>
#include <chrono>

namespace cassiopeia::client {

class Backoff final {
public:
    using Duration = std::chrono::milliseconds;

    explicit Backoff(Duration first = librecord::limits::hello_initial_backoff,
                     Duration cap = librecord::limits::hello_max_backoff) noexcept
        : m_first(first), m_cap(cap), m_next(first) {}

    /** The delay to wait now, without stepping. */
    [[nodiscard]] Duration peek() const noexcept { return m_next; }

    /** The delay to wait now; the next one is twice as long, up to the cap. */
    [[nodiscard]] Duration next() noexcept {
        const auto now = m_next;
        m_next = std::min(m_next * 2, m_cap);
        return now;
    }

    /** Back to the first delay, after a success. */
    void reset() noexcept { m_next = m_first; }

private:
    Duration m_first;
    Duration m_cap;
    Duration m_next;
};

}  // namespace cassiopeia::client
