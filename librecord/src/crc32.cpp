// Table-driven CRC-32/IEEE 802.3 for link frames (docs/protocol.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/crc32.hpp"

#include <array>

namespace librecord {
namespace {

constexpr uint32_t reflected_poly = 0xEDB88320U;

constexpr std::array<uint32_t, 256> make_table() noexcept {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1U) != 0 ? (c >> 1U) ^ reflected_poly : c >> 1U;
        }
        t.at(i) = c;
    }
    return t;
}

constexpr std::array<uint32_t, 256> table = make_table();
static_assert(table[1] == 0x77073096U, "CRC-32 table");
static_assert(table[255] == 0x2D02EF8DU, "CRC-32 table");

}  // namespace

uint32_t crc32(std::span<const uint8_t> data) noexcept {
    uint32_t c = 0xFFFFFFFFU;
    for (const uint8_t b : data) {
        c = table.at((c ^ b) & 0xFFU) ^ (c >> 8U);  // index masked to 0..255
    }
    return c ^ 0xFFFFFFFFU;
}

}  // namespace librecord
