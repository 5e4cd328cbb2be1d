// The wire's UTC time `YYYY-MM-DDTHH:MM:SSZ` (docs/protocol.md §5): whole seconds, `Z`.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace librecord {

/// Most digits decimal_digits reads: 9 decimal digits always fit an unsigned.
inline constexpr size_t max_decimal_digits = 9;

/**
 * Reads exactly `width` decimal digits at `pos` (the digit fields of UTC times, dates and
 * periods); nullopt when any is not a digit, the field runs past the text, or width is over
 * max_decimal_digits.
 */
[[nodiscard]] std::optional<unsigned> decimal_digits(std::string_view s,
                                                     size_t pos,
                                                     size_t width) noexcept;

/** Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (years 1950-9999, no leap second); nullopt otherwise. */
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text);

/** Parses exactly `YYYY-MM-DD` as midnight UTC; nullopt otherwise. */
[[nodiscard]] std::optional<std::chrono::sys_days> parse_date(std::string_view text);

/** Formats as `YYYY-MM-DDTHH:MM:SSZ`. */
[[nodiscard]] std::string format_utc(std::chrono::sys_seconds t);

}  // namespace librecord
