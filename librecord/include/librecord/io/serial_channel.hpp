// The serial port or pty transport (docs/protocol.md §1), on Boost.Asio.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "../result.hpp"
#include "stream.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace librecord::io {

struct SerialOptions {
    std::string path;        ///< /dev/ttyS0, /dev/ttyUSB0, or a pty (socat link)
    unsigned baud = 115200;  ///< ignored for a pty
};

/**
 * An open line: raw 8N1 at the configured baud rate, held with an exclusive flock and
 * TIOCEXCL for as long as the object lives. Reads and writes run on a private
 * io_context with deadlines.
 */
class SerialChannel final : public Stream {
public:
    /**
     * Opens and locks the line. When another process holds it (EBUSY, a held flock), retries
     * with back-off until `wait_until`, calling `on_busy` once.
     * @return the channel; Errc::line_busy; the OS's reason (std::generic_category(): ENOENT,
     *   EACCES, ENOTTY...) or Errc::io_failed when the line cannot be opened and set up; or
     *   std::errc::invalid_argument when options.baud is not a supported rate.
     */
    [[nodiscard]] static Result<std::unique_ptr<SerialChannel>> open(
        const SerialOptions& options,
        Clock::time_point wait_until,
        const std::function<void(const std::string&)>& on_busy = {});

    /** True for the rates open() accepts: 9600 to 921600 baud, the standard steps. */
    [[nodiscard]] static bool supported_baud(unsigned baud) noexcept;

    ~SerialChannel() override;

    [[nodiscard]] std::error_code read_some(std::vector<uint8_t>& out,
                                            Clock::time_point deadline) override;
    [[nodiscard]] std::error_code write_all(std::span<const uint8_t> data,
                                            Clock::time_point deadline) override;
    [[nodiscard]] std::error_code write_all_reading(std::span<const uint8_t> data,
                                                    Clock::time_point deadline,
                                                    std::vector<uint8_t>& incoming) override;
    void discard_input() override;

    struct Impl;
    explicit SerialChannel(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace librecord::io
