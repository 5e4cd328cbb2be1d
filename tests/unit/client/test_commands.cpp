// Tests of the client's command helpers: UTC parsing, refusal parsing, usage errors.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "commands.hpp"
#include "connection.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/utc.hpp>

#include <boost/test/unit_test.hpp>

#include <sstream>

namespace cc = cassiopeia::client;

BOOST_AUTO_TEST_SUITE(client_commands)

BOOST_AUTO_TEST_CASE(parses_strict_utc_times) {
    using namespace std::chrono;
    const auto t = librecord::parse_utc("2024-02-29T23:59:58Z");
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST((*t == sys_days{year{2024} / 2 / 29} + 23h + 59min + 58s));
}

BOOST_AUTO_TEST_CASE(refuses_malformed_utc_times) {
    for (const char* bad : {"",
                            "2023-02-29T00:00:00Z",
                            "2026-13-01T00:00:00Z",
                            "2026-11-25T24:00:00Z",
                            "2026-11-25T12:60:00Z",
                            "2026-11-25T12:00:60Z",
                            "2026-11-25 12:00:00Z",
                            "2026-11-25T12:00:00",
                            "2026-11-25T12:00:00+01:00",
                            "2026-11-25T12:00:00ZZ",
                            "+026-11-25T12:00:00Z",
                            "2026-1a-25T12:00:00Z"}) {
        BOOST_TEST(!librecord::parse_utc(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_command_is_a_usage_error) {
    cc::Invocation inv;
    inv.command = "frobnicate";
    std::ostringstream out;
    std::ostringstream err;
    BOOST_TEST(cc::run_command(inv, out, err) == cassiopeia::exit_code::usage);
    BOOST_TEST(out.str().empty());
}

BOOST_AUTO_TEST_SUITE_END()
