// The wire's UTC time `YYYY-MM-DDTHH:MM:SSZ` (docs/protocol.md §5), read and written the same way
// on both sides. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/utc.hpp"

#include <array>
#include <cstdio>

namespace librecord {

namespace {

using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_days;
using SysSeconds = std::chrono::sys_seconds;

std::optional<sys_days> date_at(std::string_view s) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    const auto y = decimal_digits(s, 0, 4);
    const auto m = decimal_digits(s, 5, 2);
    const auto d = decimal_digits(s, 8, 2);
    if (!y || !m || !d || *y < 1950) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{
        std::chrono::year{static_cast<int>(*y)}, std::chrono::month{*m}, std::chrono::day{*d}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return sys_days{ymd};
}

}  // namespace

std::optional<unsigned> decimal_digits(std::string_view s, size_t pos, size_t width) noexcept {
    if (pos > s.size() || width > s.size() - pos || width > max_decimal_digits) {
        return std::nullopt;
    }
    unsigned v = 0;
    for (const char c : s.substr(pos, width)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v;
}

std::optional<sys_days> parse_date(std::string_view text) {
    if (text.size() != 10) {
        return std::nullopt;
    }
    return date_at(text);
}

std::optional<SysSeconds> parse_utc(std::string_view text) {
    // Exactly 20 characters: 2026-03-15T12:00:00Z.
    if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text[19] != 'Z') {
        return std::nullopt;
    }
    const auto date = date_at(text.substr(0, 10));
    const auto hh = decimal_digits(text, 11, 2);
    const auto mm = decimal_digits(text, 14, 2);
    const auto ss = decimal_digits(text, 17, 2);
    if (!date || !hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 59) {
        return std::nullopt;
    }
    return SysSeconds{*date} + std::chrono::hours{*hh} + std::chrono::minutes{*mm} + seconds{*ss};
}

std::string format_utc(SysSeconds t) {
    const sys_days day = std::chrono::floor<days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss<seconds> tod{t - day};
    std::array<char, 32> buf{};
    std::snprintf(buf.data(),
                  buf.size(),
                  "%04d-%02u-%02u"
                  "T%02d:%02d:%02dZ",
                  static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()),
                  static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    return std::string{buf.data()};
}

}  // namespace librecord
