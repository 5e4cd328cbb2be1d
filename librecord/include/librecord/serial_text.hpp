// Serial numbers in text (docs/protocol.md §5.4): the canonical writer and the lenient reader,
// one for both daemons. Zero, which RFC 5280 §4.1.2.2 forbids as a serial, is written "00".
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace librecord {

namespace serial_limits {
/// RFC 5280 §4.1.2.2: a serial number is at most 20 octets (its magnitude, here).
inline constexpr size_t max_magnitude_octets = 20;
/// Longest text the reader looks at: 20 octets with a colon after each, plus leading zeros.
inline constexpr size_t max_text_length = 128;
}  // namespace serial_limits

/**
 * Writes the §5.4 form of a non-negative serial given as big-endian magnitude bytes (e.g. the
 * DER INTEGER content): upper-case hex, two digits per byte, leading zero bytes dropped (the
 * DER sign byte `00` included), no colons. Zero is written "00".
 */
[[nodiscard]] std::string format_serial(std::span<const uint8_t> magnitude);

/**
 * Reads a serial as an integer: hex digits in either case, odd length and leading zeros
 * accepted, colons accepted between digit groups (`8a:3f`). Returns the minimal big-endian
 * magnitude (empty for zero).
 * Errors: Errc::bad_hex (empty, a character other than a hex digit or a colon between digits,
 * `0x`, a leading, trailing or doubled colon); Errc::payload_too_large (text longer than
 * serial_limits::max_text_length, or a magnitude above max_magnitude_octets).
 */
[[nodiscard]] Result<std::vector<uint8_t>> parse_serial(std::string_view text);

/// parse_serial, then format_serial: the canonical text for comparisons and storage.
[[nodiscard]] Result<std::string> canonical_serial(std::string_view text);

/// True if text is already in the canonical form format_serial writes.
[[nodiscard]] bool is_canonical_serial(std::string_view text);

}  // namespace librecord
