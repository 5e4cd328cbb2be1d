// Tests for the §6 request hash (docs/protocol.md test vector) and the SHA-256 it is built on.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "request_hash.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>

#include <boost/test/unit_test.hpp>

#include <string_view>
#include <vector>

namespace cs = cassiopeia::server;

namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
    // reinterpret_cast: the bytes of a char string
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string protocol_vector_hash(bool swap_last_two) {
    const std::vector<uint8_t> csr{0x30, 0x00};
    cs::RequestHasher h;
    h.add(0x01, csr);
    h.add(0x10, bytes_of("sha256"));
    h.add(0x11, bytes_of("client"));
    if (swap_last_two) {
        h.add(0x40, bytes_of("2026-11-24T12:00:00Z,emails,17,address=a@example.org"));
        h.add(0x18, bytes_of("email,a@example.org"));
    } else {
        h.add(0x18, bytes_of("email,a@example.org"));
        h.add(0x40, bytes_of("2026-11-24T12:00:00Z,emails,17,address=a@example.org"));
    }
    return librecord::to_hex(h.finish(), librecord::HexCase::lower);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(RequestHasher)

BOOST_AUTO_TEST_CASE(matches_protocol_test_vector) {
    BOOST_TEST(protocol_vector_hash(false) ==
               "c8461bd00d895b9ad31b3060bc3e5e4ec8e0c177161f480576752e00b4ce77eb");
}

BOOST_AUTO_TEST_CASE(order_of_commands_changes_the_hash) {
    BOOST_TEST(protocol_vector_hash(true) != protocol_vector_hash(false));
}

BOOST_AUTO_TEST_CASE(length_prefix_separates_payload_boundaries) {
    // "ab" + "c" and "a" + "bc" under the same command must not collide.
    cs::RequestHasher a;
    a.add(0x18, bytes_of("ab"));
    a.add(0x18, bytes_of("c"));
    cs::RequestHasher b;
    b.add(0x18, bytes_of("a"));
    b.add(0x18, bytes_of("bc"));
    BOOST_TEST(librecord::to_hex(a.finish(), librecord::HexCase::lower) !=
               librecord::to_hex(b.finish(), librecord::HexCase::lower));
}

BOOST_AUTO_TEST_CASE(encodes_command_and_length_little_endian) {
    // One command 0x0102 with payload "x": the hashed bytes are 02 01 | 01 00 00 00 | 78.
    cs::RequestHasher h;
    h.add(0x0102, bytes_of("x"));
    const std::vector<uint8_t> framed{0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x78};
    BOOST_TEST(librecord::to_hex(h.finish(), librecord::HexCase::lower) ==
               librecord::to_hex(cs::Sha256::digest(framed), librecord::HexCase::lower));
}

BOOST_AUTO_TEST_CASE(empty_request_hashes_nothing) {
    cs::RequestHasher h;
    // SHA-256 of the empty string.
    BOOST_TEST(librecord::to_hex(h.finish(), librecord::HexCase::lower) ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(empty_payload_still_counts) {
    cs::RequestHasher with;
    with.add(0x12, {});
    cs::RequestHasher without;
    BOOST_TEST(librecord::to_hex(with.finish(), librecord::HexCase::lower) !=
               librecord::to_hex(without.finish(), librecord::HexCase::lower));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Sha256)

BOOST_AUTO_TEST_CASE(known_answer_abc) {
    BOOST_TEST(librecord::to_hex(cs::Sha256::digest(bytes_of("abc")), librecord::HexCase::lower) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
    cs::Sha256 sha;
    sha.update(std::string_view{"a"});
    sha.update(std::string_view{""});
    sha.update(std::string_view{"bc"});
    BOOST_TEST(librecord::to_hex(sha.finish(), librecord::HexCase::lower) ==
               librecord::to_hex(cs::Sha256::digest(bytes_of("abc")), librecord::HexCase::lower));
}

BOOST_AUTO_TEST_CASE(use_after_finish_throws) {
    cs::Sha256 sha;
    (void)sha.finish();
    BOOST_CHECK_THROW(sha.update(std::string_view{"x"}), cassiopeia::Error);
    BOOST_CHECK_THROW((void)sha.finish(), cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(to_hex_is_lower_case_two_digits_per_byte) {
    const std::vector<uint8_t> v{0x00, 0x0A, 0xFF};
    BOOST_TEST(librecord::to_hex(v, librecord::HexCase::lower) == "000aff");
    BOOST_TEST(librecord::to_hex({}, librecord::HexCase::lower).empty());
}

BOOST_AUTO_TEST_SUITE_END()
