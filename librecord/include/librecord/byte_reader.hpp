// Bounded readers and writers for wire buffers (docs/style.md §6.2, §6.8).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace librecord {

/**
 * Reads little-endian fields from a span. Every accessor checks that enough bytes remain
 * before it moves; on failure it returns std::nullopt / false and the offset is unchanged.
 */
class ByteReader final {
public:
    explicit ByteReader(std::span<const uint8_t> data) noexcept : m_data(data) {}

    [[nodiscard]] std::optional<uint8_t> u8() noexcept;
    [[nodiscard]] std::optional<uint16_t> u16_le() noexcept;
    [[nodiscard]] std::optional<uint32_t> u32_le() noexcept;
    /** @return the next n bytes as a sub-span, or nullopt (offset unchanged) if fewer remain. */
    [[nodiscard]] std::optional<std::span<const uint8_t>> take(size_t n) noexcept;
    /** @return false (offset unchanged) if fewer than n bytes remain. */
    [[nodiscard]] bool skip(size_t n) noexcept;

    [[nodiscard]] std::span<const uint8_t> rest() const noexcept { return m_data.subspan(m_off); }

    [[nodiscard]] size_t remaining() const noexcept { return m_data.size() - m_off; }

    [[nodiscard]] size_t offset() const noexcept { return m_off; }

    /** @return true when every byte was read. */
    [[nodiscard]] bool expect_end() const noexcept { return m_off == m_data.size(); }

private:
    std::span<const uint8_t> m_data;
    size_t m_off = 0;  // invariant: m_off <= m_data.size()
};

/** Appends little-endian fields to a buffer that refuses to pass a set capacity. */
class ByteWriter final {
public:
    explicit ByteWriter(size_t capacity) : m_capacity(capacity) {}

    [[nodiscard]] bool u8(uint8_t v);
    [[nodiscard]] bool u16_le(uint16_t v);
    [[nodiscard]] bool u32_le(uint32_t v);
    [[nodiscard]] bool bytes(std::span<const uint8_t> b);

    [[nodiscard]] const std::vector<uint8_t>& data() const noexcept { return m_buf; }

    [[nodiscard]] std::vector<uint8_t> take() noexcept { return std::move(m_buf); }

    [[nodiscard]] size_t size() const noexcept { return m_buf.size(); }

private:
    size_t m_capacity;
    std::vector<uint8_t> m_buf;
};

}  // namespace librecord
