// OpenPGP packet framing (RFC 4880 §4.2): the keys that cross the line are split with it on
// both sides, bounds-checked through ByteReader (docs/style.md §6.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace librecord::openpgp {

/** RFC 4880 §4.3 packet tags the trim looks at. */
namespace tag {
inline constexpr uint8_t signature = 2;
inline constexpr uint8_t public_key = 6;
inline constexpr uint8_t trust = 12;
inline constexpr uint8_t user_id = 13;
inline constexpr uint8_t public_subkey = 14;
inline constexpr uint8_t user_attribute = 17;
}  // namespace tag

/** One packet of a binary keyblock: its tag, the whole packet and its body (views). */
struct Packet {
    uint8_t tag = 0;
    std::span<const uint8_t> whole;
    std::span<const uint8_t> body;
};

/**
 * Splits a binary transferable public key into packets. Old and new header formats; partial
 * and indeterminate lengths (never valid in keys) and truncation give nullopt.
 */
[[nodiscard]] std::optional<std::vector<Packet>> split_packets(std::span<const uint8_t> bytes);

/** RFC 4880 §6.1 CRC-24 of the binary data. */
[[nodiscard]] uint32_t crc24(std::span<const uint8_t> bytes) noexcept;

}  // namespace librecord::openpgp
