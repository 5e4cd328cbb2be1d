// Tests of issuance/text.hpp: UTF-8 checks, forbidden characters, the refusal echo.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/text.hpp"

#include <boost/test/unit_test.hpp>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(finds_c0_c1_and_bidi_controls) {
    BOOST_TEST(!has_forbidden_char("Zo\xc3\xab \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80"));
    for (const char* bad : {"\t",
                            "a\x7f",
                            "\xc2\x80",
                            "\xc2\x9f",
                            "\xd8\x9c",
                            "\xe2\x80\x8e",
                            "\xe2\x80\x8f",
                            "\xe2\x80\xaa",
                            "\xe2\x80\xae",
                            "\xe2\x81\xa6",
                            "\xe2\x81\xa9",
                            "\xff"}) {
        BOOST_TEST(has_forbidden_char(bad), bad);
    }
    // Neighbours of the bidi ranges are ordinary characters.
    for (const char* fine : {"\xc2\xa0", "\xe2\x80\x8d", "\xe2\x80\xaf", "\xe2\x81\xa5"}) {
        BOOST_TEST(!has_forbidden_char(fine), fine);
    }
}

BOOST_AUTO_TEST_CASE(echo_cuts_at_character_boundaries_and_escapes) {
    // 'é' is two bytes: three characters are six bytes, never a half character.
    BOOST_TEST(echo_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9\xc3\xa9\xc3\xa9...");
    BOOST_TEST(echo_text("abc", 3) == "abc");
    BOOST_TEST(echo_text("a\nb", 10) == "a\\x0ab");
    BOOST_TEST(echo_text("a\\b", 10) == "a\\x5cb");
    BOOST_TEST(echo_text("\xc3", 10) == "\\xc3");  // a truncated sequence
    BOOST_TEST(echo_text("\xe2\x80\xae", 10) == "\\xe2\\x80\\xae");
    for (const char* in : {"\xc3\xa9\xff\xfe", "\xed\xa0\x80", "x\xc3", "\xf4\x90\x80\x80"}) {
        const auto out = echo_text(in, 64);
        BOOST_TEST(valid_utf8(out), in);
        BOOST_TEST(!has_forbidden_char(out), in);
    }
}

BOOST_AUTO_TEST_CASE(utf8_safe_keeps_text_and_escapes_only_what_a_client_cannot_store) {
    BOOST_TEST(utf8_safe("addAVA: Zo\xc3\xab \\x0a") == "addAVA: Zo\xc3\xab \\x0a");
    BOOST_TEST(utf8_safe("a\xc3") == "a\\xc3");
    BOOST_TEST(utf8_safe("a\r\nb") == "a\\x0d\\x0ab");
    BOOST_TEST(valid_utf8(utf8_safe("\xff\xfe\xc0\xaf")));
}

BOOST_AUTO_TEST_SUITE_END()
