// Tests for the serial text form of docs/protocol.md §5.4: canonical writer, lenient reader.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <librecord/serial_text.hpp>

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

namespace cs = librecord;
using librecord::Errc;
using Bytes = std::vector<uint8_t>;

BOOST_AUTO_TEST_SUITE(SerialText)

BOOST_AUTO_TEST_CASE(format_drops_der_sign_byte_and_writes_upper_case) {
    BOOST_TEST(cs::format_serial(Bytes{0x00, 0x8A, 0x3F}) == "8A3F");
    BOOST_TEST(cs::format_serial(Bytes{0x8A, 0x3F}) == "8A3F");
    BOOST_TEST(cs::format_serial(Bytes{0x0a, 0xbc}) == "0ABC");
    BOOST_TEST(cs::format_serial(Bytes{0x01}) == "01");
    BOOST_TEST(cs::format_serial(Bytes{0x00, 0x00, 0x7F}) == "7F");
}

BOOST_AUTO_TEST_CASE(format_writes_zero_as_00) {
    BOOST_TEST(cs::format_serial(Bytes{}) == "00");
    BOOST_TEST(cs::format_serial(Bytes{0x00, 0x00}) == "00");
}

BOOST_AUTO_TEST_CASE(parse_accepts_canonical_form) {
    const auto r = cs::parse_serial("8A3F");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == (Bytes{0x8A, 0x3F}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parse_accepts_lower_case_odd_length_leading_zeros_and_colons) {
    const Bytes want{0x0A, 0x3F};
    for (const char* text : {"a3f", "A3F", "0a3f", "000A3F", "0A:3F", "0a:3f", "A:3F", "0:0A:3F"}) {
        const auto r = cs::parse_serial(text);
        BOOST_TEST_CONTEXT(text) {
            BOOST_REQUIRE(r.ok());
            BOOST_TEST(*r == want, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_zero_is_empty_magnitude) {
    for (const char* text : {"0", "00", "0000", "00:00"}) {
        const auto r = cs::parse_serial(text);
        BOOST_TEST_CONTEXT(text) {
            BOOST_REQUIRE(r.ok());
            BOOST_TEST(r->empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed_text) {
    for (const char* text : {"",
                             ":",
                             "8A:",
                             ":8A",
                             "8A::3F",
                             "0x8A",
                             "0X8A",
                             "8G",
                             " 8A",
                             "8A ",
                             "-1",
                             "+1",
                             "8A\n",
                             "8A-3F",
                             "８A"}) {
        const auto r = cs::parse_serial(text);
        BOOST_TEST_CONTEXT("'" << text << "'") {
            BOOST_TEST(!r.ok());
            BOOST_TEST(r.error() == Errc::bad_hex);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_rejects_embedded_nul) {
    const std::string text{
        "8A\0"
        "3F",
        5};
    const auto r = cs::parse_serial(text);
    BOOST_TEST(r.error() == Errc::bad_hex);
}

BOOST_AUTO_TEST_CASE(magnitude_limit_is_20_octets) {
    const std::string twenty(40, 'F');
    BOOST_TEST(cs::parse_serial(twenty).ok());
    BOOST_TEST(cs::parse_serial("00" + twenty).ok());  // leading zeros do not count
    BOOST_TEST(cs::parse_serial("1" + twenty).error() == Errc::payload_too_large);
    BOOST_TEST(cs::parse_serial(std::string(42, 'F')).error() == Errc::payload_too_large);
}

BOOST_AUTO_TEST_CASE(text_length_limit) {
    const std::string at_limit = std::string(cs::serial_limits::max_text_length - 2, '0') + "01";
    BOOST_TEST(cs::parse_serial(at_limit).ok());
    BOOST_TEST(cs::parse_serial("0" + at_limit).error() == Errc::payload_too_large);
}

BOOST_AUTO_TEST_CASE(every_prefix_parses_or_fails_cleanly) {
    const std::string text = "00:8a:3F:01:fe";
    for (size_t n = 0; n <= text.size(); ++n) {
        const auto prefix = text.substr(0, n);
        const auto r = cs::parse_serial(prefix);
        const bool ends_in_digit = n > 0 && text[n - 1] != ':';
        BOOST_TEST_CONTEXT(prefix) {
            BOOST_TEST(r.ok() == ends_in_digit);
        }
    }
}

BOOST_AUTO_TEST_CASE(canonical_serial_normalises) {
    BOOST_TEST(*cs::canonical_serial("00:8a:3f") == "8A3F");
    BOOST_TEST(*cs::canonical_serial("a3f") == "0A3F");
    BOOST_TEST(*cs::canonical_serial("0") == "00");
    BOOST_TEST(cs::canonical_serial("zz").error() == Errc::bad_hex);
}

BOOST_AUTO_TEST_CASE(is_canonical_serial_only_for_writer_output) {
    BOOST_TEST(cs::is_canonical_serial("8A3F"));
    BOOST_TEST(cs::is_canonical_serial("0A3F"));
    BOOST_TEST(cs::is_canonical_serial("00"));
    BOOST_TEST(!cs::is_canonical_serial("A3F"));
    BOOST_TEST(!cs::is_canonical_serial("8a3f"));
    BOOST_TEST(!cs::is_canonical_serial("008A3F"));
    BOOST_TEST(!cs::is_canonical_serial("8A:3F"));
    BOOST_TEST(!cs::is_canonical_serial(""));
}

BOOST_AUTO_TEST_CASE(round_trip_random_magnitudes) {
    std::mt19937 rng{20260101};
    std::uniform_int_distribution<int> len{0, 20};
    std::uniform_int_distribution<int> byte{0, 255};
    for (int i = 0; i < 2000; ++i) {
        Bytes v(static_cast<size_t>(len(rng)));
        for (auto& b : v) {
            b = static_cast<uint8_t>(byte(rng));
        }
        const std::string text = cs::format_serial(v);
        const auto parsed = cs::parse_serial(text);
        BOOST_REQUIRE(parsed.ok());
        Bytes minimal = v;
        minimal.erase(minimal.begin(), std::find_if(minimal.begin(), minimal.end(), [](uint8_t b) {
                          return b != 0;
                      }));
        BOOST_TEST(*parsed == minimal, boost::test_tools::per_element());
        BOOST_TEST(cs::format_serial(*parsed) == text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
