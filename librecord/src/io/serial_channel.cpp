// Serial port / pty transport on Boost.Asio, with flock + TIOCEXCL and deadlines (docs/protocol.md
// §1). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/io/serial_channel.hpp"

#include "librecord/errors.hpp"
#include "librecord/io/unique_fd.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace librecord::io {

namespace asio = boost::asio;

namespace {

/** The termios speed of `baud`, or B0 for a rate we do not support. */
speed_t to_speed(unsigned baud) noexcept {
    switch (baud) {
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 921600:
            return B921600;
        default:
            return B0;
    }
}

/** Raw 8N1, no flow control, no echo, reads return what is there (§1). */
bool make_raw(int fd, unsigned baud) {
    termios t{};
    if (::tcgetattr(fd, &t) != 0) {
        return false;
    }
    ::cfmakeraw(&t);
    t.c_cflag |= (CLOCAL | CREAD);
    t.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS | PARENB);
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    const speed_t speed = to_speed(baud);
    ::cfsetispeed(&t, speed);
    ::cfsetospeed(&t, speed);
    return ::tcsetattr(fd, TCSANOW, &t) == 0;
}

using Fd = UniqueFd;

/**
 * The OS's reason for a failed open, as errno says it; EINVAL stays io_failed, since
 * std::errc::invalid_argument means an unsupported baud rate (open()).
 */
std::error_code os_error(int err) {
    if (err == EINVAL || err == 0) {
        return Errc::io_failed;
    }
    return {err, std::generic_category()};
}

}  // namespace

struct SerialChannel::Impl {
    asio::io_context ctx;
    asio::serial_port port{ctx};
    std::array<uint8_t, 4096> buf{};

    /** Runs the context until `done` or `deadline`; cancels and drains on timeout. */
    bool run_until(const bool& done, Clock::time_point deadline) {
        ctx.restart();
        while (!done && Clock::now() < deadline) {
            ctx.run_one_until(deadline);
        }
        if (done) {
            return true;
        }
        boost::system::error_code ignored;
        port.cancel(ignored);  // NOLINT(bugprone-unused-return-value)
        ctx.restart();
        ctx.run();  // let the cancelled handler run before `done` and `buf` go away
        return false;
    }
};

SerialChannel::SerialChannel(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

SerialChannel::~SerialChannel() {
    // TIOCEXCL stays on the tty after close while another process (socat, a getty) keeps it
    // open; clear it so that the next user of the line is not refused with EBUSY.
    if (m_impl && m_impl->port.is_open()) {
        ::ioctl(m_impl->port.native_handle(), TIOCNXCL);
    }
}

bool SerialChannel::supported_baud(unsigned baud) noexcept {
    return to_speed(baud) != B0;
}

Result<std::unique_ptr<SerialChannel>> SerialChannel::open(
    const SerialOptions& options,
    Clock::time_point wait_until,
    const std::function<void(const std::string&)>& on_busy) {
    if (!supported_baud(options.baud)) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    auto backoff = std::chrono::milliseconds(100);
    bool told = false;
    while (true) {
        int err = 0;
        Fd fd{::open(options.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)};
        if (fd.get() < 0) {
            err = errno;
        } else if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            err = errno == EWOULDBLOCK ? EBUSY : errno;
        }
        if (err == 0) {
            // §1: exclusive flock first, then TIOCEXCL, both held while the line is used.
            if (::ioctl(fd.get(), TIOCEXCL) != 0 || !make_raw(fd.get(), options.baud)) {
                return os_error(errno);  // ENOTTY: not a tty
            }
            auto impl = std::make_unique<Impl>();
            boost::system::error_code aec;
            impl->port.assign(fd.get(), aec);  // NOLINT(bugprone-unused-return-value)
            if (aec) {
                return Errc::io_failed;
            }
            fd.release();  // now owned by the serial_port
            return std::make_unique<SerialChannel>(std::move(impl));
        }
        if (err != EBUSY) {
            return os_error(err);  // ENOENT, EACCES...: the caller names the path
        }
        if (!told && on_busy) {
            on_busy(options.path + " is in use by another process; waiting");
            told = true;
        }
        if (Clock::now() + backoff > wait_until) {
            return Errc::line_busy;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
}

std::error_code SerialChannel::read_some(std::vector<uint8_t>& out, Clock::time_point deadline) {
    auto& impl = *m_impl;
    bool done = false;
    boost::system::error_code rec;
    size_t got = 0;
    impl.port.async_read_some(asio::buffer(impl.buf),
                              [&](const boost::system::error_code& e, size_t n) {
                                  rec = e;
                                  got = n;
                                  done = true;
                              });
    // Bytes that arrive as the deadline passes are kept: the cancelled read may have completed.
    if (!impl.run_until(done, deadline) && (rec || got == 0)) {
        return Errc::timed_out;
    }
    if (rec) {
        return Errc::io_failed;
    }
    out.insert(out.end(), impl.buf.begin(), impl.buf.begin() + static_cast<std::ptrdiff_t>(got));
    return {};
}

namespace {

/** Reads whatever arrives into `out` until stopped (write_all_reading). */
struct BackgroundReader {
    asio::serial_port& port;
    std::array<uint8_t, 4096>& buf;
    std::vector<uint8_t>& out;
    bool stop = false;

    void start() {
        port.async_read_some(
            asio::buffer(buf), [this](const boost::system::error_code& e, size_t n) {
                if (e) {
                    return;  // aborted at the end of the write, or a fault the next read reports
                }
                out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
                if (!stop) {
                    start();
                }
            });
    }
};

}  // namespace

std::error_code SerialChannel::write_all_reading(std::span<const uint8_t> data,
                                                 Clock::time_point deadline,
                                                 std::vector<uint8_t>& incoming) {
    auto& impl = *m_impl;
    bool done = false;
    boost::system::error_code wec;
    BackgroundReader reader{impl.port, impl.buf, incoming};
    impl.ctx.restart();
    asio::async_write(impl.port,
                      asio::buffer(data.data(), data.size()),
                      [&](const boost::system::error_code& e, size_t) {
                          wec = e;
                          done = true;
                      });
    reader.start();
    while (!done && Clock::now() < deadline) {
        impl.ctx.run_one_until(deadline);
    }
    reader.stop = true;
    boost::system::error_code ignored;
    impl.port.cancel(ignored);  // NOLINT(bugprone-unused-return-value): the read, or both
    impl.ctx.restart();
    impl.ctx.run();  // the cancelled handlers run before `reader` and `done` go away
    if (!done) {
        return Errc::timed_out;
    }
    return wec ? make_error_code(Errc::io_failed) : std::error_code{};
}

std::error_code SerialChannel::write_all(std::span<const uint8_t> data,
                                         Clock::time_point deadline) {
    auto& impl = *m_impl;
    bool done = false;
    boost::system::error_code wec;
    asio::async_write(impl.port,
                      asio::buffer(data.data(), data.size()),
                      [&](const boost::system::error_code& e, size_t) {
                          wec = e;
                          done = true;
                      });
    if (!impl.run_until(done, deadline)) {
        return Errc::timed_out;
    }
    return wec ? make_error_code(Errc::io_failed) : std::error_code{};
}

void SerialChannel::discard_input() {
    ::tcflush(m_impl->port.native_handle(), TCIOFLUSH);
}

}  // namespace librecord::io
