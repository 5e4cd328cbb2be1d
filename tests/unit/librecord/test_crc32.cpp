// Unit tests of the CRC-32/IEEE implementation, cross-checked against Boost.CRC.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "grind.hpp"
#include "librecord/crc32.hpp"

#include <boost/crc.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

BOOST_AUTO_TEST_SUITE(crc32)

BOOST_AUTO_TEST_CASE(matches_check_value) {
    BOOST_TEST(librecord::crc32(cass::test::as_bytes("123456789")) == 0xCBF43926U);
}

BOOST_AUTO_TEST_CASE(empty_input_is_zero) {
    BOOST_TEST(librecord::crc32({}) == 0U);
}

BOOST_AUTO_TEST_CASE(matches_boost_crc_32_type_on_many_buffers) {
    // Deterministic pseudo-random buffers of every length up to 600 (xorshift32).
    uint32_t state = 0x12345678U;
    std::vector<uint8_t> buf;
    for (size_t len = 0; len <= 600; ++len) {
        buf.resize(len);
        for (auto& b : buf) {
            state ^= state << 13U;
            state ^= state >> 17U;
            state ^= state << 5U;
            b = static_cast<uint8_t>(state);
        }
        boost::crc_32_type reference;
        reference.process_bytes(buf.data(), buf.size());
        BOOST_TEST(librecord::crc32(buf) == reference.checksum(), "length " << len);
    }
}

BOOST_AUTO_TEST_CASE(detects_every_single_bit_flip) {
    std::vector<uint8_t> buf{0x01, 0xC0, 0xDB, 0x00, 0xFF, 0x55};
    const uint32_t good = librecord::crc32(buf);
    for (size_t i = 0; i < buf.size(); ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            buf[i] = static_cast<uint8_t>(buf[i] ^ (1U << bit));
            BOOST_TEST(librecord::crc32(buf) != good);
            buf[i] = static_cast<uint8_t>(buf[i] ^ (1U << bit));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
