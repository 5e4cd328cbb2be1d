// Bounded little-endian ByteReader and capacity-capped ByteWriter (docs/style.md §6.2, §6.8).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/byte_reader.hpp"

namespace librecord {

std::optional<std::span<const uint8_t>> ByteReader::take(size_t n) noexcept {
    // Overflow-safe: m_off <= size always holds, so size - m_off cannot wrap.
    if (n > remaining()) {
        return std::nullopt;
    }
    const auto out = m_data.subspan(m_off, n);
    m_off += n;
    return out;
}

bool ByteReader::skip(size_t n) noexcept {
    return take(n).has_value();
}

std::optional<uint8_t> ByteReader::u8() noexcept {
    const auto b = take(1);
    if (!b) {
        return std::nullopt;
    }
    return b->front();
}

std::optional<uint16_t> ByteReader::u16_le() noexcept {
    const auto b = take(2);
    if (!b) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(b->front() | ((*b)[1] << 8U));
}

std::optional<uint32_t> ByteReader::u32_le() noexcept {
    const auto b = take(4);
    if (!b) {
        return std::nullopt;
    }
    uint32_t v = 0;
    for (size_t i = 4; i-- > 0;) {
        v = (v << 8U) | (*b)[i];
    }
    return v;
}

bool ByteWriter::u8(uint8_t v) {
    if (m_buf.size() >= m_capacity) {
        return false;
    }
    m_buf.push_back(v);
    return true;
}

bool ByteWriter::u16_le(uint16_t v) {
    if (2 > m_capacity - m_buf.size()) {
        return false;
    }
    m_buf.push_back(static_cast<uint8_t>(v & 0xFFU));
    m_buf.push_back(static_cast<uint8_t>(v >> 8U));
    return true;
}

bool ByteWriter::u32_le(uint32_t v) {
    if (4 > m_capacity - m_buf.size()) {
        return false;
    }
    for (unsigned shift = 0; shift < 32; shift += 8) {
        m_buf.push_back(static_cast<uint8_t>((v >> shift) & 0xFFU));
    }
    return true;
}

bool ByteWriter::bytes(std::span<const uint8_t> b) {
    if (b.size() > m_capacity - m_buf.size()) {
        return false;
    }
    m_buf.insert(m_buf.end(), b.begin(), b.end());
    return true;
}

}  // namespace librecord
