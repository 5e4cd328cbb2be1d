// CRC-32/IEEE 802.3 (reflected, polynomial 0xEDB88320, init and xorout 0xFFFFFFFF).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <span>

namespace librecord {

/** CRC-32 of data; crc32("123456789") == 0xCBF43926. */
[[nodiscard]] uint32_t crc32(std::span<const uint8_t> data) noexcept;

}  // namespace librecord
