// Tests of librecord/json.hpp.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <librecord/json.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(escapes_quotes_backslashes_and_control_characters) {
    using librecord::json_string;
    BOOST_TEST(json_string("") == "\"\"");
    BOOST_TEST(json_string("client_2026_2") == "\"client_2026_2\"");
    BOOST_TEST(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    BOOST_TEST(json_string(std::string("x\ny\x01", 4)) == "\"x\\u000ay\\u0001\"");
    BOOST_TEST(json_string("Zoë") == "\"Zoë\"");  // UTF-8 passes as it is
}

BOOST_AUTO_TEST_SUITE_END()
