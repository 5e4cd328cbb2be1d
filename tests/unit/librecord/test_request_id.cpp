// Unit tests of request ids `<namespace>:<decimal>` (docs/protocol.md §5, §6;
// librecord/request_id.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/request_id.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>

namespace limits = librecord::request_id_limits;
using librecord::make_request_id;
using librecord::valid_request_id;

BOOST_AUTO_TEST_SUITE(request_id)

BOOST_AUTO_TEST_CASE(accepts_ordinary_ids) {
    for (const char* id : {"webdb:1234", "cli:1", "a:0", "z-9:42", "0:7", "-:5", "web-db-2:10"}) {
        BOOST_TEST(valid_request_id(id), id);
    }
}

BOOST_AUTO_TEST_CASE(accepts_namespace_of_32_and_refuses_33) {
    const std::string ns32(limits::max_namespace, 'a');
    BOOST_TEST(limits::max_namespace == 32U);
    BOOST_TEST(valid_request_id(ns32 + ":1"));
    BOOST_TEST(!valid_request_id(ns32 + "a:1"));
}

BOOST_AUTO_TEST_CASE(refuses_empty_namespace) {
    BOOST_TEST(!valid_request_id(":1"));
    BOOST_TEST(!valid_request_id(":"));
    BOOST_TEST(!valid_request_id(""));
}

BOOST_AUTO_TEST_CASE(refuses_characters_outside_lower_case_digits_and_dash) {
    for (const char* id : {"Webdb:1",
                           "WEBDB:1",
                           "web_db:1",
                           "web.db:1",
                           "web db:1",
                           "wébdb:1",
                           "web/db:1",
                           "webdb\n:1",
                           " webdb:1"}) {
        BOOST_TEST(!valid_request_id(id), id);
    }
}

BOOST_AUTO_TEST_CASE(accepts_zero_and_refuses_leading_zeros) {
    BOOST_TEST(valid_request_id("webdb:0"));
    for (const char* id : {"webdb:00", "webdb:01", "webdb:0001234", "webdb:09223372036854775807"}) {
        BOOST_TEST(!valid_request_id(id), id);
    }
}

BOOST_AUTO_TEST_CASE(accepts_two_to_the_63_minus_one_and_refuses_two_to_the_63) {
    BOOST_TEST(limits::max_number == 9223372036854775807ULL);
    BOOST_TEST(valid_request_id("webdb:9223372036854775807"));
    BOOST_TEST(valid_request_id("webdb:9223372036854775806"));
    BOOST_TEST(!valid_request_id("webdb:9223372036854775808"));
    BOOST_TEST(!valid_request_id("webdb:9999999999999999999"));    // 19 digits, fits u64
    BOOST_TEST(!valid_request_id("webdb:18446744073709551615"));   // u64 max, 20 digits
    BOOST_TEST(!valid_request_id("webdb:18446744073709551616"));   // wraps u64
    BOOST_TEST(!valid_request_id("webdb:10000000000000000000"));   // 20 digits
    BOOST_TEST(!valid_request_id("webdb:100000000000000000000"));  // 21 digits
    BOOST_TEST(valid_request_id("webdb:1000000000000000000"));     // 19 digits, below the max
}

BOOST_AUTO_TEST_CASE(refuses_missing_colon_and_two_colons) {
    for (const char* id :
         {"webdb1234", "webdb", "1234", "webdb:12:34", "webdb::1", "a:b:1", "webdb:1:"}) {
        BOOST_TEST(!valid_request_id(id), id);
    }
}

BOOST_AUTO_TEST_CASE(refuses_empty_or_non_digit_number) {
    for (const char* id : {"webdb:",
                           "webdb:-1",
                           "webdb:+1",
                           "webdb: 1",
                           "webdb:1 ",
                           "webdb:1a",
                           "webdb:a1",
                           "webdb:0x10",
                           "webdb:1.0",
                           "webdb:1e3",
                           "webdb:1\n",
                           "webdb:\xD9\xA1"}) {
        BOOST_TEST(!valid_request_id(id), id);
    }
}

BOOST_AUTO_TEST_CASE(refuses_embedded_nul) {
    BOOST_TEST(!valid_request_id(std::string{"webdb:1\0", 8}));
    BOOST_TEST(!valid_request_id(std::string{"web\0db:1", 8}));
}

BOOST_AUTO_TEST_CASE(make_writes_namespace_colon_decimal) {
    BOOST_TEST(make_request_id("webdb", 1234) == "webdb:1234");
    BOOST_TEST(make_request_id(librecord::cli_namespace, 0) == "cli:0");
    BOOST_TEST(make_request_id(librecord::webdb_namespace, 7) == "webdb:7");
    BOOST_TEST(make_request_id("webdb", limits::max_number) == "webdb:9223372036854775807");
}

BOOST_AUTO_TEST_CASE(made_ids_are_valid) {
    for (const uint64_t n : {uint64_t{0},
                             uint64_t{1},
                             uint64_t{9},
                             uint64_t{10},
                             uint64_t{1234567},
                             limits::max_number - 1,
                             limits::max_number}) {
        for (const std::string& ns : {std::string{librecord::cli_namespace},
                                      std::string{librecord::webdb_namespace},
                                      std::string(limits::max_namespace, 'z')}) {
            const std::string id = make_request_id(ns, n);
            BOOST_TEST(valid_request_id(id), id);
        }
    }
}

BOOST_AUTO_TEST_CASE(client_namespaces_are_valid) {
    BOOST_TEST(librecord::cli_namespace == "cli");
    BOOST_TEST(librecord::webdb_namespace == "webdb");
}

BOOST_AUTO_TEST_SUITE_END()
