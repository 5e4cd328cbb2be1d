// Unit tests of the hex text of bytes (librecord/hex.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"
#include "librecord/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

using librecord::Errc;
using librecord::HexCase;
using Bytes = std::vector<uint8_t>;

namespace {

std::error_code err(Errc e) {
    return librecord::make_error_code(e);
}

Bytes all_byte_values() {
    Bytes b(256);
    for (size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<uint8_t>(i);
    }
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hex)

BOOST_AUTO_TEST_CASE(encodes_upper_case_and_decodes_both_cases) {
    const Bytes b{0x00, 0xAB, 0xCD, 0xEF, 0x9F};
    BOOST_TEST(librecord::to_hex(b) == "00ABCDEF9F");
    BOOST_TEST(*librecord::from_hex("00abcdef9F") == b, boost::test_tools::per_element());
    BOOST_TEST(librecord::from_hex("")->empty());
}

BOOST_AUTO_TEST_CASE(rejects_odd_length_and_non_hex) {
    for (const char* bad : {"0", "ABC", "0G", "G0", " 0", "0x", "+1", "1\n", "zz"}) {
        BOOST_TEST((librecord::from_hex(bad).error() == err(Errc::bad_hex)), bad);
    }
}

BOOST_AUTO_TEST_CASE(writes_upper_case_by_default_and_lower_case_on_request) {
    const Bytes b{0x0A, 0xBC, 0xDE, 0xF0};
    BOOST_TEST(librecord::to_hex(b) == "0ABCDEF0");
    BOOST_TEST(librecord::to_hex(b, HexCase::upper) == "0ABCDEF0");
    BOOST_TEST(librecord::to_hex(b, HexCase::lower) == "0abcdef0");
}

BOOST_AUTO_TEST_CASE(round_trips_every_byte_value_in_both_cases) {
    const Bytes b = all_byte_values();
    for (const HexCase c : {HexCase::upper, HexCase::lower}) {
        const std::string text = librecord::to_hex(b, c);
        BOOST_TEST(text.size() == 2 * b.size());
        const auto back = librecord::from_hex(text);
        BOOST_REQUIRE(back.ok());
        BOOST_TEST(*back == b, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(decodes_mixed_case) {
    const auto r = librecord::from_hex("aBcD");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == (Bytes{0xAB, 0xCD}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_input_gives_empty_text_and_empty_bytes) {
    BOOST_TEST(librecord::to_hex(Bytes{}).empty());
    BOOST_TEST(librecord::to_hex(Bytes{}, HexCase::lower).empty());
    const auto r = librecord::from_hex("");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->empty());
}

BOOST_AUTO_TEST_CASE(rejects_odd_length) {
    for (const char* bad : {"0", "ABC", "00112", "abcdefabcdefabcdefa"}) {
        BOOST_TEST((librecord::from_hex(bad).error() == err(Errc::bad_hex)), bad);
    }
}

BOOST_AUTO_TEST_CASE(rejects_a_non_hex_character_at_any_position) {
    const std::string good = "00112233AABBccdd";
    for (size_t i = 0; i < good.size(); ++i) {
        for (const char c : {'g', 'G', 'x', ' ', ':', '-', '\0', '\xFF'}) {
            std::string bad = good;
            bad[i] = c;
            BOOST_TEST((librecord::from_hex(bad).error() == err(Errc::bad_hex)),
                       i << ' ' << int{c});
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_separators_and_prefixes) {
    for (const char* bad : {"0x00", "00 11", "00:11", "00-11", " 0011", "0011 "}) {
        BOOST_TEST((librecord::from_hex(bad).error() == err(Errc::bad_hex)), bad);
    }
}

BOOST_AUTO_TEST_CASE(digit_value_reads_every_hex_digit_of_either_case) {
    const std::string digits = "0123456789abcdef";
    for (size_t i = 0; i < digits.size(); ++i) {
        const auto lower = librecord::hex_digit_value(digits[i]);
        BOOST_REQUIRE(lower.has_value());
        BOOST_TEST(unsigned{*lower} == i);
        const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(digits[i])));
        const auto value = librecord::hex_digit_value(upper);
        BOOST_REQUIRE(value.has_value());
        BOOST_TEST(unsigned{*value} == i);
    }
}

BOOST_AUTO_TEST_CASE(digit_value_refuses_every_other_character) {
    const std::string hex_digits = "0123456789abcdefABCDEF";
    for (int c = -128; c < 128; ++c) {
        const char ch = static_cast<char>(c);
        if (hex_digits.find(ch) != std::string::npos && ch != '\0') {
            continue;
        }
        BOOST_TEST(!librecord::hex_digit_value(ch).has_value(), c);
    }
}

BOOST_AUTO_TEST_SUITE_END()
