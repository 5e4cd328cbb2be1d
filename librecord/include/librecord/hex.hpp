// Hex text of bytes, the one encoder and decoder both daemons use (records, serials, hashes,
// fingerprints).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace librecord {

/** Which digits to_hex writes: records and serials are upper case (docs/protocol.md §4, §5.4),
 * the SHA-256 of `logSaved` lower case (§5). */
enum class HexCase { upper, lower };

/** Two hex digits per byte, no separators. */
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes, HexCase hex_case = HexCase::upper);

/** Parses hex (either case, even length, no separators). Error: Errc::bad_hex. */
[[nodiscard]] Result<std::vector<uint8_t>> from_hex(std::string_view hex);

/** The value of one hex digit of either case; nullopt for any other character. */
[[nodiscard]] std::optional<uint8_t> hex_digit_value(char c) noexcept;

}  // namespace librecord
