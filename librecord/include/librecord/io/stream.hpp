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

    /**
     * write_all() that keeps reading while it writes, appending what arrives to `incoming`: a
     * client that pipelines (docs/protocol.md §5.1) writes requests while the signer writes
     * replies, and neither may wait for the other's buffers to drain. By default it only
     * writes (for streams whose buffers never fill, such as the in-memory duplex of tests).
     */
    [[nodiscard]] virtual std::error_code write_all_reading(std::span<const uint8_t> data,
                                                            Clock::time_point deadline,
                                                            std::vector<uint8_t>& incoming) {
        (void)incoming;
        return write_all(data, deadline);
    }

    /** Discards input not read yet (tcflush on a tty). */
    virtual void discard_input() {}
};

}  // namespace librecord::io
