// The wire's UTC time `YYYY-MM-DDTHH:MM:SSZ` (docs/protocol.md §5): whole seconds, `Z`.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace librecord {

/** Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (years 1950-9999, no leap second); nullopt otherwise. */
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text);

/** Parses exactly `YYYY-MM-DD` as midnight UTC; nullopt otherwise. */
[[nodiscard]] std::optional<std::chrono::sys_days> parse_date(std::string_view text);

/** Formats as `YYYY-MM-DDTHH:MM:SSZ`. */
[[nodiscard]] std::string format_utc(std::chrono::sys_seconds t);

}  // namespace librecord
