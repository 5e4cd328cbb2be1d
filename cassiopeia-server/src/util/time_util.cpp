// UTC time parsing and formatting, calendar period arithmetic and validity resolution.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "util/time_util.hpp"

#include <librecord/utc.hpp>

#include <algorithm>

namespace cassiopeia::server {

using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_days;

std::optional<Period> parse_period(std::string_view text) {
    if (text.size() < 2 || text.size() > 6) {
        return std::nullopt;
    }
    Period p;
    switch (text.back()) {
        case 'd':
            p.unit = Period::Unit::days;
            break;
        case 'm':
            p.unit = Period::Unit::months;
            break;
        case 'y':
            p.unit = Period::Unit::years;
            break;
        default:
            return std::nullopt;
    }
    const std::string_view num = text.substr(0, text.size() - 1);
    if (num.front() == '0') {
        return std::nullopt;  // no zero period, no leading zeros
    }
    const auto v = librecord::decimal_digits(num, 0, num.size());
    if (!v) {
        return std::nullopt;
    }
    const uint32_t bound = p.unit == Period::Unit::days     ? time_limits::max_days
                           : p.unit == Period::Unit::months ? time_limits::max_months
                                                            : time_limits::max_years;
    if (*v > bound) {
        return std::nullopt;
    }
    p.count = *v;
    return p;
}

std::string format_period(Period p) {
    const char unit = p.unit == Period::Unit::days     ? 'd'
                      : p.unit == Period::Unit::months ? 'm'
                                                       : 'y';
    return std::to_string(p.count) + unit;
}

SysSeconds add_period(SysSeconds from, Period p) {
    if (p.unit == Period::Unit::days) {
        return from + days{p.count};
    }
    const sys_days day = std::chrono::floor<days>(from);
    const seconds tod = from - day;
    const std::chrono::year_month_day ymd{day};
    const std::chrono::months step{p.unit == Period::Unit::years ? int64_t{p.count} * 12
                                                                 : int64_t{p.count}};
    const std::chrono::year_month target = ymd.year() / ymd.month() + step;
    const std::chrono::day last = (target / std::chrono::last).day();
    const std::chrono::year_month_day clamped{target / std::min(ymd.day(), last)};
    return SysSeconds{sys_days{clamped}} + tod;
}

SysSeconds not_after_for(SysSeconds not_before, Period p) {
    return add_period(not_before, p) - seconds{1};
}

std::optional<WishTo> parse_wish_to(std::string_view text) {
    if (const auto t = parse_utc(text)) {
        return WishTo{std::nullopt, *t};
    }
    if (const auto p = parse_period(text)) {
        return WishTo{*p, std::nullopt};
    }
    return std::nullopt;
}

std::optional<std::optional<SysSeconds>> parse_wish_from(std::string_view text) {
    if (text == "now") {
        return std::optional<SysSeconds>{};
    }
    if (const auto t = parse_utc(text)) {
        return std::optional<SysSeconds>{*t};
    }
    return std::nullopt;
}

Refusable<SysSeconds> resolve_not_before(std::optional<SysSeconds> wish, SysSeconds now) {
    if (!wish) {
        return now;
    }
    if (*wish < now - time_limits::max_backdate) {
        return refuse(ErrorCode::bad_validity,
                      "wishFrom: " + format_utc(*wish) + " is more than 1 h in the past");
    }
    if (*wish > now + time_limits::max_postdate) {
        return refuse(ErrorCode::bad_validity,
                      "wishFrom: " + format_utc(*wish) + " is more than 48 h in the future");
    }
    return *wish;
}

Refusable<SysSeconds> resolve_not_after(SysSeconds not_before,
                                        const std::optional<WishTo>& wish,
                                        Period cap) {
    const SysSeconds cap_end = not_after_for(not_before, cap);
    if (!wish) {
        return cap_end;
    }
    const SysSeconds want = wish->period ? not_after_for(not_before, *wish->period) : *wish->at;
    if (want <= not_before) {
        return refuse(ErrorCode::bad_validity,
                      "wishTo: notAfter " + format_utc(want) + " is not after notBefore " +
                          format_utc(not_before));
    }
    if (want > cap_end) {
        return refuse(ErrorCode::validity_cap,
                      "wishTo: notAfter " + format_utc(want) + " passes the cap of " +
                          format_period(cap) + " (" + format_utc(cap_end) + ")");
    }
    return want;
}

}  // namespace cassiopeia::server
