// Tests of UTC time parsing, period arithmetic and validity resolution (docs/protocol.md §5.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance_test_support.hpp"
#include "util/time_util.hpp"

#include <boost/test/unit_test.hpp>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::at;

namespace {

Period days(uint32_t n) {
    return Period{n, Period::Unit::days};
}

Period months(uint32_t n) {
    return Period{n, Period::Unit::months};
}

Period years(uint32_t n) {
    return Period{n, Period::Unit::years};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(time_util)

BOOST_AUTO_TEST_CASE(parses_and_formats_utc_round_trip) {
    const auto t = parse_utc("2026-03-15T12:34:56Z");
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST(format_utc(*t) == "2026-03-15T12:34:56Z");
    BOOST_TEST(t->time_since_epoch().count() == 1773578096);
    BOOST_TEST(format_utc(at("2049-12-31T23:59:59Z")) == "2049-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_utc) {
    for (const char* bad : {"",
                            "2026-03-15T12:34:56",
                            "2026-03-15 12:34:56Z",
                            "2026-03-15T12:34:56+00:00",
                            "2026-03-15T12:34:56.5Z",
                            "2026-02-30T00:00:00Z",
                            "2025-02-29T00:00:00Z",
                            "2026-13-01T00:00:00Z",
                            "2026-00-01T00:00:00Z",
                            "2026-03-15T24:00:00Z",
                            "2026-03-15T23:60:00Z",
                            "2026-03-15T23:59:60Z",
                            "2026-3-15T12:34:56Z ",
                            "+026-03-15T12:34:56Z",
                            "1949-12-31T23:59:59Z",
                            "2026-03-15t12:34:56z"}) {
        BOOST_TEST(!parse_utc(bad).has_value(), bad);
    }
    BOOST_TEST(parse_utc("2024-02-29T00:00:00Z").has_value());
}

BOOST_AUTO_TEST_CASE(parses_periods_strictly) {
    BOOST_TEST((parse_period("200d") == days(200)));
    BOOST_TEST((parse_period("1m") == months(1)));
    BOOST_TEST((parse_period("5y") == years(5)));
    for (const char* bad : {"",
                            "d",
                            "0d",
                            "01d",
                            "-1d",
                            "+1d",
                            "1",
                            "1w",
                            "1D",
                            "36501d",
                            "1201m",
                            "101y",
                            " 1d",
                            "1d "}) {
        BOOST_TEST(!parse_period(bad).has_value(), bad);
    }
    BOOST_TEST((parse_period("36500d") == days(36500)));
}

BOOST_AUTO_TEST_CASE(adds_days_as_86400_seconds) {
    BOOST_TEST(format_utc(add_period(at("2026-03-15T10:00:00Z"), days(200))) ==
               "2026-10-01T10:00:00Z");
    BOOST_TEST(format_utc(not_after_for(at("2026-03-15T10:00:00Z"), days(1))) ==
               "2026-03-16T09:59:59Z");
}

BOOST_AUTO_TEST_CASE(month_addition_clamps_to_last_day) {
    BOOST_TEST(format_utc(add_period(at("2026-01-31T08:00:00Z"), months(1))) ==
               "2026-02-28T08:00:00Z");
    BOOST_TEST(format_utc(add_period(at("2028-01-31T08:00:00Z"), months(1))) ==
               "2028-02-29T08:00:00Z");
    BOOST_TEST(format_utc(add_period(at("2026-03-31T08:00:00Z"), months(1))) ==
               "2026-04-30T08:00:00Z");
    BOOST_TEST(format_utc(add_period(at("2026-12-15T00:00:00Z"), months(1))) ==
               "2027-01-15T00:00:00Z");
    BOOST_TEST(format_utc(add_period(at("2026-08-31T00:00:00Z"), months(18))) ==
               "2028-02-29T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(year_addition_from_leap_day) {
    BOOST_TEST(format_utc(add_period(at("2028-02-29T12:00:00Z"), years(1))) ==
               "2029-02-28T12:00:00Z");
    BOOST_TEST(format_utc(add_period(at("2028-02-29T12:00:00Z"), years(4))) ==
               "2032-02-29T12:00:00Z");
    BOOST_TEST(format_utc(not_after_for(at("2028-02-29T00:00:00Z"), years(1))) ==
               "2029-02-27T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(wish_from_window) {
    const auto now = at("2026-11-25T12:00:00Z");
    BOOST_TEST((resolve_not_before(std::nullopt, now).value() == now));
    BOOST_TEST((resolve_not_before(at("2026-11-25T11:00:00Z"), now).value() ==
                at("2026-11-25T11:00:00Z")));
    BOOST_TEST((resolve_not_before(at("2026-11-27T12:00:00Z"), now).value() ==
                at("2026-11-27T12:00:00Z")));
    BOOST_TEST(resolve_not_before(at("2026-11-25T10:59:59Z"), now).error().code ==
               cassiopeia::server::ErrorCode::bad_validity);
    BOOST_TEST(resolve_not_before(at("2026-11-27T12:00:01Z"), now).error().code ==
               cassiopeia::server::ErrorCode::bad_validity);
    const auto from = parse_wish_from("now");
    BOOST_REQUIRE(from.has_value());
    BOOST_TEST(!from->has_value());
    BOOST_TEST(!parse_wish_from("later").has_value());
}

BOOST_AUTO_TEST_CASE(wish_to_against_cap) {
    const auto nb = at("2026-11-25T12:00:00Z");
    const auto cap = days(200);
    BOOST_TEST(format_utc(resolve_not_after(nb, std::nullopt, cap).value()) ==
               "2027-06-13T11:59:59Z");
    BOOST_TEST(format_utc(resolve_not_after(nb, parse_wish_to("200d"), cap).value()) ==
               "2027-06-13T11:59:59Z");
    BOOST_TEST(resolve_not_after(nb, parse_wish_to("201d"), cap).error().code ==
               cassiopeia::server::ErrorCode::validity_cap);
    BOOST_TEST(resolve_not_after(nb, parse_wish_to("7m"), cap).error().code ==
               cassiopeia::server::ErrorCode::validity_cap);
    BOOST_TEST(format_utc(resolve_not_after(nb, parse_wish_to("6m"), cap).value()) ==
               "2027-05-25T11:59:59Z");
    BOOST_TEST(resolve_not_after(nb, parse_wish_to("2027-06-13T12:00:00Z"), cap).error().code ==
               cassiopeia::server::ErrorCode::validity_cap);
    BOOST_TEST(
        format_utc(resolve_not_after(nb, parse_wish_to("2027-01-01T00:00:00Z"), cap).value()) ==
        "2027-01-01T00:00:00Z");
    BOOST_TEST(resolve_not_after(nb, parse_wish_to("2026-11-25T12:00:00Z"), cap).error().code ==
               cassiopeia::server::ErrorCode::bad_validity);
    BOOST_TEST(!parse_wish_to("soon").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
