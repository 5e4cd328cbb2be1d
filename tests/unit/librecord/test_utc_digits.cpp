// Unit tests of decimal_digits (librecord/utc.hpp), the digit field reader of UTC times, dates
// and periods.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/utc.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

using librecord::decimal_digits;
using librecord::max_decimal_digits;

namespace {

/// decimal_digits as a value Boost.Test can print: -1 for nullopt.
long long digits(std::string_view s, size_t pos, size_t width) {
    const auto v = decimal_digits(s, pos, width);
    return v ? static_cast<long long>(*v) : -1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(utc_decimal_digits)

BOOST_AUTO_TEST_CASE(reads_every_width_from_zero_to_nine) {
    const std::string s = "1234567890";
    long long want = 0;
    for (size_t w = 0; w <= max_decimal_digits; ++w) {
        BOOST_TEST(digits(s, 0, w) == want, "width " << w);
        want = want * 10 + static_cast<long long>(s[w] - '0');
    }
}

BOOST_AUTO_TEST_CASE(max_width_is_nine_and_nine_nines_fit) {
    BOOST_TEST(max_decimal_digits == 9U);
    BOOST_TEST(digits("999999999", 0, 9) == 999999999LL);
}

BOOST_AUTO_TEST_CASE(refuses_width_over_the_max) {
    BOOST_TEST(digits("0000000000", 0, 10) == -1);
    BOOST_TEST(digits("1234567890123", 0, 10) == -1);
    BOOST_TEST(digits("12345678901234567890", 2, 12) == -1);
}

BOOST_AUTO_TEST_CASE(reads_at_an_offset_and_keeps_leading_zeros) {
    const std::string s = "2026-03-15T07:05:09Z";
    BOOST_TEST(digits(s, 0, 4) == 2026);
    BOOST_TEST(digits(s, 5, 2) == 3);
    BOOST_TEST(digits(s, 8, 2) == 15);
    BOOST_TEST(digits(s, 11, 2) == 7);
    BOOST_TEST(digits(s, 17, 2) == 9);
    BOOST_TEST(digits("0000", 0, 4) == 0);
}

BOOST_AUTO_TEST_CASE(width_zero_reads_zero_anywhere_in_or_at_the_end_of_the_text) {
    BOOST_TEST(digits("", 0, 0) == 0);
    BOOST_TEST(digits("ab", 1, 0) == 0);
    BOOST_TEST(digits("ab", 2, 0) == 0);
}

BOOST_AUTO_TEST_CASE(refuses_fields_past_the_end) {
    BOOST_TEST(digits("", 0, 1) == -1);
    BOOST_TEST(digits("123", 0, 4) == -1);
    BOOST_TEST(digits("123", 1, 3) == -1);
    BOOST_TEST(digits("123", 3, 1) == -1);
    BOOST_TEST(digits("123", 4, 0) == -1);
    BOOST_TEST(digits("123", 100, 1) == -1);
    BOOST_TEST(digits("123", std::string::npos, 1) == -1);
    BOOST_TEST(digits("123", 1, std::string::npos) == -1);
    BOOST_TEST(digits("123", std::string::npos, std::string::npos) == -1);
}

BOOST_AUTO_TEST_CASE(refuses_a_non_digit_anywhere_in_the_field) {
    for (size_t i = 0; i < 4; ++i) {
        for (const char c : {'a', ' ', '-', '+', '/', ':', '\0', '\xD9'}) {
            std::string s = "1234";
            s[i] = c;
            BOOST_TEST(digits(s, 0, 4) == -1, i << ' ' << int{c});
        }
    }
}

BOOST_AUTO_TEST_CASE(ignores_non_digits_outside_the_field) {
    BOOST_TEST(digits("x12y", 1, 2) == 12);
    BOOST_TEST(digits("-5", 1, 1) == 5);
}

BOOST_AUTO_TEST_SUITE_END()
