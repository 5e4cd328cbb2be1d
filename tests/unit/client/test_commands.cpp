// Tests of the client's command helpers: UTC parsing, refusal parsing, usage errors.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "commands.hpp"
#include "config.hpp"
#include "connection.hpp"
#include "status_report.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/utc.hpp>

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

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

BOOST_AUTO_TEST_CASE(indents_json_for_a_terminal_and_keeps_strings_whole) {
    const std::string one_line =
        R"({"a": 1, "b": [], "c": {"d": "x, {y}: \"z\""}, "e": [2, {"f": true}]})";
    const std::string want =
        "{\n"
        "    \"a\": 1,\n"
        "    \"b\": [],\n"
        "    \"c\": {\n"
        "        \"d\": \"x, {y}: \\\"z\\\"\"\n"
        "    },\n"
        "    \"e\": [\n"
        "        2,\n"
        "        {\n"
        "            \"f\": true\n"
        "        }\n"
        "    ]\n"
        "}";
    BOOST_TEST(cc::indent_json(one_line) == want);
}

/** Parses `args` (after the program name) as cassiopeia-client's command line. */
cc::Invocation parse(const std::vector<std::string>& args) {
    std::vector<const char*> argv{"cassiopeia-client"};
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return cc::parse_invocation(static_cast<int>(argv.size()), argv.data());
}

BOOST_AUTO_TEST_CASE(help_shows_once_only_under_run_and_pretty_under_status) {
    const auto inv = parse({"--help"});
    const auto& help = inv.help_text;
    const auto sign = help.find("Options of sign");
    const auto status = help.find("Options of status");
    const auto run = help.find("Options of run");
    BOOST_REQUIRE(sign != std::string::npos);
    BOOST_REQUIRE(status != std::string::npos);
    BOOST_REQUIRE(run != std::string::npos);
    BOOST_TEST(help.find("--once") > run);
    BOOST_TEST(help.find("--pretty") > status);
    BOOST_TEST(help.find("--pretty") < run);
}

BOOST_AUTO_TEST_SUITE_END()
