// Unit tests of Result<T, E> (librecord/result.hpp), with the default std::error_code and with
// a custom error type (Refusal).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/error_code.hpp"
#include "librecord/errors.hpp"
#include "librecord/result.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

using librecord::ErrorCode;
using librecord::Refusable;
using librecord::Refusal;
using librecord::Result;

namespace {

Refusable<int> checked_half(int v) {
    if (v % 2 != 0) {
        return librecord::refuse(ErrorCode::bad_request, "odd: " + std::to_string(v));
    }
    return v / 2;
}

Result<std::string> parse_word(bool ok) {
    if (!ok) {
        return librecord::Errc::bad_hex;
    }
    return std::string{"word"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(result)

BOOST_AUTO_TEST_CASE(default_error_type_holds_value_or_error_code) {
    const auto good = parse_word(true);
    BOOST_REQUIRE(good.ok());
    BOOST_TEST(static_cast<bool>(good));
    BOOST_TEST(*good == "word");
    BOOST_TEST(good->size() == 4U);
    BOOST_TEST(!good.error());  // an empty code when ok()

    const auto bad = parse_word(false);
    BOOST_TEST(!bad.ok());
    BOOST_TEST(!static_cast<bool>(bad));
    BOOST_TEST((bad.error() == librecord::make_error_code(librecord::Errc::bad_hex)));
}

BOOST_AUTO_TEST_CASE(custom_error_type_holds_value) {
    const auto r = checked_half(8);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r.value() == 4);
    BOOST_TEST(*r == 4);
}

BOOST_AUTO_TEST_CASE(custom_error_type_holds_refusal) {
    const auto r = checked_half(7);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == ErrorCode::bad_request));
    BOOST_TEST(r.error().message == "odd: 7");
    BOOST_CHECK_THROW((void)r.value(), std::bad_variant_access);
}

BOOST_AUTO_TEST_CASE(error_moves_out_of_an_rvalue_result) {
    static_assert(std::is_same_v<decltype(std::declval<Refusable<int>>().error()), Refusal&&>);
    static_assert(
        std::is_same_v<decltype(std::declval<Refusable<int>&>().error()), const Refusal&>);
    static_assert(
        std::is_same_v<decltype(std::declval<Result<int>>().error()), const std::error_code&>);

    auto r = checked_half(3);
    BOOST_REQUIRE(!r.ok());
    const Refusal taken = std::move(r).error();
    BOOST_TEST((taken == Refusal{ErrorCode::bad_request, "odd: 3"}));
}

BOOST_AUTO_TEST_CASE(value_moves_out_of_an_rvalue_result) {
    Refusable<std::unique_ptr<int>> r{std::make_unique<int>(5)};
    BOOST_REQUIRE(r.ok());
    const std::unique_ptr<int> p = std::move(r).value();
    BOOST_REQUIRE(p != nullptr);
    BOOST_TEST(*p == 5);
}

BOOST_AUTO_TEST_CASE(value_is_mutable_through_the_result) {
    Refusable<std::vector<int>> r{std::vector<int>{1, 2}};
    r->push_back(3);
    (*r).push_back(4);
    r.value().push_back(5);
    BOOST_TEST(r->size() == 5U);
}

BOOST_AUTO_TEST_CASE(a_move_only_error_type_works) {
    Result<int, std::unique_ptr<std::string>> r{std::make_unique<std::string>("why")};
    BOOST_REQUIRE(!r.ok());
    const std::unique_ptr<std::string> e = std::move(r).error();
    BOOST_REQUIRE(e != nullptr);
    BOOST_TEST(*e == "why");
}

BOOST_AUTO_TEST_SUITE_END()
