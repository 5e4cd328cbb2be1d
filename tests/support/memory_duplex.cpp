// In-memory full-duplex line for tests.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "memory_duplex.hpp"

#include <librecord/errors.hpp>

namespace cassiopeia::test {

void ByteQueue::push(std::span<const uint8_t> data) {
    {
        const std::lock_guard lock(m_mutex);
        m_bytes.insert(m_bytes.end(), data.begin(), data.end());
    }
    m_cv.notify_all();
}

bool ByteQueue::pop(std::vector<uint8_t>& out, librecord::io::Clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    if (!m_cv.wait_until(lock, deadline, [this] { return !m_bytes.empty(); })) {
        return false;
    }
    out.insert(out.end(), m_bytes.begin(), m_bytes.end());
    m_bytes.clear();
    return true;
}

void ByteQueue::clear() {
    const std::lock_guard lock(m_mutex);
    m_bytes.clear();
}

std::error_code DuplexEnd::read_some(std::vector<uint8_t>& out,
                                     librecord::io::Clock::time_point deadline) {
    if (!m_in.pop(out, deadline)) {
        return librecord::Errc::timed_out;
    }
    return {};
}

std::error_code DuplexEnd::write_all(std::span<const uint8_t> data,
                                     librecord::io::Clock::time_point /*deadline*/) {
    if (tamper) {
        std::vector<uint8_t> copy(data.begin(), data.end());
        tamper(copy);
        m_out.push(copy);
    } else {
        m_out.push(data);
    }
    return {};
}

}  // namespace cassiopeia::test
