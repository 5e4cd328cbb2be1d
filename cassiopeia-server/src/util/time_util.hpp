// UTC times `YYYY-MM-DDTHH:MM:SSZ`, periods `<n>d|m|y` and the validity rules (docs/protocol.md
// §5.2). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "util/signer_error.hpp"

#include <librecord/utc.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cassiopeia::server {

using SysSeconds = std::chrono::sys_seconds;
/// Whole seconds since the epoch, UTC, as the repository stores them (docs/protocol.md §5.2).
using UnixTime = std::chrono::sys_seconds;

/** A validity or proof-age period: n calendar days, months or years. */
struct Period {
    enum class Unit { days, months, years };
    uint32_t count = 0;
    Unit unit = Unit::days;

    friend bool operator==(const Period&, const Period&) = default;
};

namespace time_limits {
// Upper bounds that keep period arithmetic far from overflow (no certificate lives 100 years).
inline constexpr uint32_t max_days = 36500;
inline constexpr uint32_t max_months = 1200;
inline constexpr uint32_t max_years = 100;
// §5.2: wishFrom at most 1 h in the past and 48 h in the future.
inline constexpr std::chrono::seconds max_backdate{3600};
inline constexpr std::chrono::seconds max_postdate{48 * 3600};
}  // namespace time_limits

// The wire's UTC time format, shared with the client (librecord/utc.hpp).
using librecord::format_utc;
using librecord::parse_date;
using librecord::parse_utc;

/** Parses `<n>d`, `<n>m`, `<n>y` with 1 <= n <= the unit's bound, no sign or leading zero. */
[[nodiscard]] std::optional<Period> parse_period(std::string_view text);

/** Formats a period back to `<n>d|m|y`. */
[[nodiscard]] std::string format_period(Period p);

/**
 * Adds a period: days as n*86400 s; months and years on the calendar, a day past the target
 * month's end clamping to its last day (Jan 31 + 1m = Feb 28/29; Feb 29 + 1y = Feb 28).
 */
[[nodiscard]] SysSeconds add_period(SysSeconds from, Period p);

/** §5.2: notAfter = notBefore + period - 1 s (validity counts inclusively). */
[[nodiscard]] SysSeconds not_after_for(SysSeconds not_before, Period p);

/** What wishTo asked: a period from notBefore or an absolute notAfter. */
struct WishTo {
    std::optional<Period> period;
    std::optional<SysSeconds> at;
};

/** Parses a wishTo payload (a UTC time or a period); nullopt when it is neither. */
[[nodiscard]] std::optional<WishTo> parse_wish_to(std::string_view text);

/** Parses a wishFrom payload: `now` (empty optional inside) or a UTC time; nullopt if neither. */
[[nodiscard]] std::optional<std::optional<SysSeconds>> parse_wish_from(std::string_view text);

/**
 * notBefore from a wishFrom time: now when absent, else the time if it is at most 1 h past and
 * 48 h ahead of now (§5.2); otherwise bad_validity.
 */
[[nodiscard]] Refusable<SysSeconds> resolve_not_before(std::optional<SysSeconds> wish,
                                                       SysSeconds now);

/**
 * notAfter from wishTo and the cap in force (§5.2): no wish gives notBefore + cap - 1 s; a wish
 * past that is validity_cap; a notAfter not after notBefore is bad_validity.
 */
[[nodiscard]] Refusable<SysSeconds> resolve_not_after(SysSeconds not_before,
                                                      const std::optional<WishTo>& wish,
                                                      Period cap);

}  // namespace cassiopeia::server
