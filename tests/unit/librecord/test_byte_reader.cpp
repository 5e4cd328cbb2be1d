// Unit tests of ByteReader and ByteWriter: bounds, little-endian order, unchanged offsets.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/byte_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <vector>

using librecord::ByteReader;
using librecord::ByteWriter;

BOOST_AUTO_TEST_SUITE(byte_reader)

BOOST_AUTO_TEST_CASE(reads_little_endian_fields_in_order) {
    const std::vector<uint8_t> in{0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xAA, 0xBB};
    ByteReader r{in};
    BOOST_TEST(*r.u8() == 0x01);
    BOOST_TEST(*r.u16_le() == 0x1234);
    BOOST_TEST(*r.u32_le() == 0x12345678U);
    BOOST_TEST(r.offset() == 7U);
    BOOST_TEST(r.remaining() == 2U);
    BOOST_TEST(!r.expect_end());
    const auto rest = r.take(2);
    BOOST_REQUIRE(rest.has_value());
    BOOST_TEST(rest->size() == 2U);
    BOOST_TEST((*rest)[0] == 0xAA);
    BOOST_TEST(r.expect_end());
    BOOST_TEST(r.rest().empty());
}

BOOST_AUTO_TEST_CASE(reads_extreme_values) {
    const std::vector<uint8_t> in{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    ByteReader r{in};
    BOOST_TEST(*r.u16_le() == 0xFFFF);
    BOOST_TEST(*r.u32_le() == 0xFFFFFFFFU);
}

BOOST_AUTO_TEST_CASE(truncated_read_leaves_offset_unchanged_at_every_offset) {
    const std::vector<uint8_t> in{1, 2, 3, 4, 5, 6, 7};
    for (size_t start = 0; start <= in.size(); ++start) {
        ByteReader r{in};
        BOOST_REQUIRE(r.skip(start));
        const size_t left = in.size() - start;
        if (left < 4) {
            BOOST_TEST(!r.u32_le().has_value());
            BOOST_TEST(r.offset() == start);
        }
        if (left < 2) {
            BOOST_TEST(!r.u16_le().has_value());
            BOOST_TEST(r.offset() == start);
        }
        if (left < 1) {
            BOOST_TEST(!r.u8().has_value());
            BOOST_TEST(r.offset() == start);
        }
        BOOST_TEST(!r.take(left + 1).has_value());
        BOOST_TEST(!r.skip(left + 1));
        BOOST_TEST(r.offset() == start);
        BOOST_TEST(r.take(left).has_value());
        BOOST_TEST(r.expect_end());
    }
}

BOOST_AUTO_TEST_CASE(huge_length_does_not_wrap) {
    const std::vector<uint8_t> in{1, 2, 3};
    ByteReader r{in};
    BOOST_REQUIRE(r.skip(1));
    BOOST_TEST(!r.take(std::numeric_limits<size_t>::max()).has_value());
    BOOST_TEST(!r.skip(std::numeric_limits<size_t>::max() - 1));
    BOOST_TEST(r.offset() == 1U);
}

BOOST_AUTO_TEST_CASE(empty_input_is_at_end) {
    ByteReader r{std::span<const uint8_t>{}};
    BOOST_TEST(r.expect_end());
    BOOST_TEST(r.take(0).has_value());
    BOOST_TEST(!r.u8().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(byte_writer)

BOOST_AUTO_TEST_CASE(writes_little_endian_fields) {
    ByteWriter w{9};
    BOOST_TEST(w.u8(0x01));
    BOOST_TEST(w.u16_le(0x1234));
    BOOST_TEST(w.u32_le(0x12345678U));
    const std::vector<uint8_t> two{0xAA, 0xBB};
    BOOST_TEST(w.bytes(two));
    const std::vector<uint8_t> expect{0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xAA, 0xBB};
    BOOST_TEST(w.data() == expect, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refuses_to_pass_capacity_and_writes_nothing) {
    ByteWriter w{3};
    BOOST_TEST(w.u16_le(1));
    BOOST_TEST(!w.u16_le(2));
    BOOST_TEST(!w.u32_le(2));
    const std::vector<uint8_t> two{1, 2};
    BOOST_TEST(!w.bytes(two));
    BOOST_TEST(w.size() == 2U);
    BOOST_TEST(w.u8(3));
    BOOST_TEST(!w.u8(4));
    BOOST_TEST(w.size() == 3U);
    BOOST_TEST(w.bytes({}));
    const auto out = w.take();
    BOOST_TEST(out.size() == 3U);
}

BOOST_AUTO_TEST_CASE(zero_capacity_accepts_nothing) {
    ByteWriter w{0};
    BOOST_TEST(!w.u8(0));
    BOOST_TEST(w.size() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
