// Unit tests of the test builds' kill points: the handler registry (test_point.hpp) and the
// numbers of the crash switch (tests/support/kill_at.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "kill_at.hpp"

#include <cassiopeia/common/test_point.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace common = cassiopeia::common;
namespace ct = cassiopeia::test;

namespace {

std::vector<std::string>& reached() {
    static std::vector<std::string> r;
    return r;
}

void record(std::string_view point) noexcept {
    reached().emplace_back(point);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_points)

BOOST_AUTO_TEST_CASE(no_handler_does_nothing_and_a_handler_sees_every_point) {
    reached().clear();
    common::set_test_point_handler(nullptr);
    common::test_point("sign_sent");
    BOOST_TEST(reached().empty());
    common::set_test_point_handler(record);
    common::test_point("sign_sent");
    common::test_point("respond_arrived");
    common::set_test_point_handler(nullptr);
    common::test_point("job_committed");
    const std::vector<std::string> want{"sign_sent", "respond_arrived"};
    BOOST_TEST(reached() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(counts_are_whole_decimal_numbers_below_a_billion) {
    BOOST_TEST(ct::parse_count("0").value_or(-1) == 0);
    BOOST_TEST(ct::parse_count("7").value_or(-1) == 7);
    BOOST_TEST(ct::parse_count("999999999").value_or(-1) == 999999999);
    for (const char* bad : {"",
                            "-1",
                            "+1",
                            "1.5",
                            "1e3",
                            " 1",
                            "1 ",
                            "0x10",
                            "1000000000",
                            "99999999999999999999",
                            "five"}) {
        BOOST_TEST_CONTEXT("'" << bad << "'") {
            BOOST_TEST(!ct::parse_count(bad).has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
