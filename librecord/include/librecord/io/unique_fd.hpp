// UniqueFd: one owner of a POSIX file descriptor, closed at scope exit.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <unistd.h>
#include <utility>

namespace librecord::io {

class UniqueFd final {
public:
    explicit UniqueFd(int fd) noexcept : m_fd(fd) {}

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}

    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }

    ~UniqueFd() { reset(-1); }

    [[nodiscard]] int get() const noexcept { return m_fd; }

    [[nodiscard]] bool valid() const noexcept { return m_fd >= 0; }

    /** Gives the descriptor up without closing it (ownership moves to the caller). */
    int release() noexcept { return std::exchange(m_fd, -1); }

    /** Closes now and reports close()'s result (it may report a deferred write error). */
    [[nodiscard]] int close_now() noexcept { return ::close(release()); }

private:
    void reset(int fd) noexcept {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }

    int m_fd;
};

}  // namespace librecord::io
