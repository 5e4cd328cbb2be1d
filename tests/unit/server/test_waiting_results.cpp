// Tests of waiting_results.hpp: results waiting for logSaved (docs/protocol.md §5.1, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "request_hash.hpp"
#include "waiting_results.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace cs = cassiopeia::server;

namespace {

std::vector<uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

/** The logSaved payload for setLog payload `log`. */
std::vector<uint8_t> hash_hex(const std::string& log) {
    return bytes(librecord::to_hex(cs::Sha256::digest(bytes(log)), librecord::HexCase::lower));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(waiting_results)

BOOST_AUTO_TEST_CASE(releases_each_result_by_its_log_hash_in_any_order) {
    cs::WaitingResults w;
    for (int i = 0; i < 3; ++i) {
        const auto n = std::to_string(i);
        w.add(bytes("log " + n), bytes("cert " + n), "ca " + n);
    }
    BOOST_TEST(w.size() == 3U);
    for (const int i : {2, 0, 1}) {
        const auto n = std::to_string(i);
        const auto r = w.release(hash_hex("log " + n));
        BOOST_REQUIRE(r.has_value());
        BOOST_TEST(r->issued == bytes("cert " + n), boost::test_tools::per_element());
        BOOST_TEST(r->signing_ca == "ca " + n);
    }
    BOOST_TEST(w.empty());
}

BOOST_AUTO_TEST_CASE(a_hash_that_matches_none_releases_nothing) {
    cs::WaitingResults w;
    w.add(bytes("log"), bytes("cert"), "ca");
    BOOST_TEST(!w.release(hash_hex("other")).has_value());
    auto upper = hash_hex("log");
    for (auto& c : upper) {
        c = static_cast<uint8_t>(std::toupper(c));
    }
    BOOST_TEST(!w.release(upper).has_value());  // lower-case hex only (docs/protocol.md §5)
    auto short_hash = hash_hex("log");
    short_hash.pop_back();
    BOOST_TEST(!w.release(short_hash).has_value());
    BOOST_TEST(!w.release({}).has_value());
    BOOST_TEST(w.size() == 1U);
    BOOST_TEST(w.release(hash_hex("log")).has_value());
}

BOOST_AUTO_TEST_CASE(the_same_log_twice_releases_the_oldest_first) {
    cs::WaitingResults w;
    w.add(bytes("log"), bytes("first"), "ca");
    w.add(bytes("log"), bytes("second"), "ca");
    BOOST_TEST(w.release(hash_hex("log"))->issued == bytes("first"),
               boost::test_tools::per_element());
    BOOST_TEST(w.release(hash_hex("log"))->issued == bytes("second"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(holds_at_most_the_capacity_and_clears) {
    cs::WaitingResults w;
    BOOST_TEST(cs::WaitingResults::capacity == 8U);
    for (size_t i = 0; i < cs::WaitingResults::capacity; ++i) {
        w.add(bytes("log " + std::to_string(i)), bytes("cert"), "ca");
    }
    BOOST_CHECK_THROW(w.add(bytes("one more"), bytes("cert"), "ca"), cassiopeia::Error);
    BOOST_TEST(w.size() == cs::WaitingResults::capacity);
    w.clear();
    BOOST_TEST(w.empty());
    BOOST_TEST(!w.release(hash_hex("log 0")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
