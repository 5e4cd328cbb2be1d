// A full-duplex byte stream with deadlines: the serial line, a pty, or an in-memory duplex.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace librecord::io {

using Clock = std::chrono::steady_clock;

/** The line as the link layer sees it (docs/protocol.md §1). */
class Stream {
public:
    Stream() = default;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    virtual ~Stream() = default;

    /**
     * Waits until some bytes arrive or `deadline` passes and appends what arrived to `out`.
     * @return {} with at least one byte appended; Errc::timed_out; Errc::io_failed.
     */
    [[nodiscard]] virtual std::error_code read_some(std::vector<uint8_t>& out,
                                                    Clock::time_point deadline) = 0;

    /** Writes all of `data` before `deadline`. @return {}, Errc::timed_out, Errc::io_failed. */
    [[nodiscard]] virtual std::error_code write_all(std::span<const uint8_t> data,
                                                    Clock::time_point deadline) = 0;

    /** Discards input not read yet (tcflush on a tty). */
    virtual void discard_input() {}
};

}  // namespace librecord::io
