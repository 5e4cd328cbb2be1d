// Tests of proof line parsing and the freshness rules of docs/protocol.md §5.3.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/proof.hpp"
#include "issuance_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::at;

namespace {

Profile email_profile() {
    Profile p;
    p.name = "client";
    p.proof_ages["emails"] = {DatedPeriod{std::chrono::sys_days{}, Period{30, Period::Unit::days}}};
    p.proof_ages["domains"] = {
        DatedPeriod{std::chrono::sys_days{}, Period{398, Period::Unit::days}},
        DatedPeriod{std::chrono::sys_days{std::chrono::year{2026} / 3 / 15},
                    Period{200, Period::Unit::days}}};
    return p;
}

std::vector<ProofLine> lines(std::initializer_list<const char*> payloads) {
    std::vector<ProofLine> out;
    for (const char* p : payloads) {
        auto l = parse_proof_line(p);
        BOOST_REQUIRE(l.ok());
        out.push_back(std::move(l).value());
    }
    return out;
}

std::string code_of(const Status& s) {
    return s.ok() ? "ok" : std::string(librecord::to_string(s.error().code));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proof)

BOOST_AUTO_TEST_CASE(parses_and_decodes_fields) {
    const auto l = parse_proof_line(
        "2026-11-24T12:00:00Z,organisations,17,name=Example%2C Inc.,country=DE,note=a%3Db%25");
    BOOST_REQUIRE(l.ok());
    BOOST_TEST(format_utc(l->timestamp) == "2026-11-24T12:00:00Z");
    BOOST_TEST(l->table == "organisations");
    BOOST_TEST(l->primary_key == "17");
    BOOST_TEST(l->column("name").value() == "Example, Inc.");
    BOOST_TEST(l->column("country").value() == "DE");
    BOOST_TEST(l->column("note").value() == "a=b%");
    BOOST_TEST(!l->column("state").has_value());
    BOOST_TEST(percent_decode("%2C%3D").value() == ",=");
}

BOOST_AUTO_TEST_CASE(accepts_only_the_upper_case_escapes_of_5_3) {
    for (const char* bad : {"%2c", "%3d", "%2c%3D", "a%3db"}) {
        BOOST_TEST(!percent_decode(bad).has_value(), bad);
    }
    BOOST_TEST(!parse_proof_line("2026-11-24T12:00:00Z,emails,17,address=a%2cb@example.org").ok());
    BOOST_TEST(percent_decode("a%2Cb%3Dc%25").value_or("") == "a,b=c%");
    const auto line = parse_proof_line("2026-11-24T12:00:00Z,organisations,3,name=A%2C B%3DC");
    BOOST_REQUIRE(line.ok());
    BOOST_TEST(line->column("name").value_or("") == "A, B=C");
}

BOOST_AUTO_TEST_CASE(refuses_an_empty_or_non_decimal_primary_key) {
    for (const char* bad : {"2026-11-24T12:00:00Z,emails,,address=a@example.org",
                            "2026-11-24T12:00:00Z,emails,x17,address=a@example.org",
                            "2026-11-24T12:00:00Z,emails,-1,address=a@example.org",
                            "2026-11-24T12:00:00Z,emails,12345678901234567890,address=a@x.org",
                            "2026-11-24T12:00:00Z,emails,17\nproof emails 1,address=a@x.org"}) {
        const auto l = parse_proof_line(bad);
        BOOST_TEST(!l.ok(), bad);
        if (!l.ok()) {
            BOOST_TEST(l.error().code == cassiopeia::server::ErrorCode::bad_request);
            // What the operator reads has no line break or control character in it.
            const auto& m = l.error().message;
            BOOST_TEST(std::none_of(m.begin(), m.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
            }));
        }
    }
    BOOST_TEST(
        parse_proof_line("2026-11-24T12:00:00Z,emails,9223372036854775807,address=a@x.org").ok());
}

BOOST_AUTO_TEST_CASE(refuses_a_table_outside_5_3) {
    for (const char* table : {"mails", "Emails", "domain", "organizations", "names "}) {
        const auto l = parse_proof_line(std::string("2026-11-24T12:00:00Z,") + table +
                                        ",17,address=a@example.org");
        BOOST_TEST(!l.ok(), table);
        if (!l.ok()) {
            BOOST_TEST(l.error().code == cassiopeia::server::ErrorCode::bad_request);
        }
    }
    for (const char* table : {"emails", "domains", "organisations", "names"}) {
        BOOST_TEST(parse_proof_line(std::string("2026-11-24T12:00:00Z,") + table + ",17,x=y").ok(),
                   table);
    }
}

BOOST_AUTO_TEST_CASE(refuses_bad_lines) {
    for (const char* bad : {"",
                            "2026-11-24T12:00:00Z,emails,17",
                            "2026-11-24,emails,17,address=a@example.org",
                            "2026-11-24T12:00:00Z,emails,17,address",
                            "2026-11-24T12:00:00Z,emails,17,a=b=c",
                            "2026-11-24T12:00:00Z,emails,17,address=a%40example.org",
                            "2026-11-24T12:00:00Z,emails,17,address=a%2",
                            "2026-11-24T12:00:00Z,emails,17,address=a%",
                            "2026-11-24T12:00:00Z,,17,address=a@example.org",
                            "2026-11-24T12:00:00Z,emails,17,=x"}) {
        const auto l = parse_proof_line(bad);
        BOOST_TEST(!l.ok(), bad);
        if (!l.ok()) {
            BOOST_TEST(l.error().code == cassiopeia::server::ErrorCode::bad_request);
        }
    }
}

BOOST_AUTO_TEST_CASE(fresh_stale_future_missing) {
    const Profile p = email_profile();
    const auto now = at("2026-11-25T12:00:00Z");
    std::vector<std::string> log;
    const ProofNeed need{
        "SAN email,a@Example.org", "emails", "address", "a@Example.org", ProofMatch::email};
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-11-24T12:00:00Z,emails,17,address=a@example.ORG"}), need, p, now, log)) ==
        "ok");
    BOOST_TEST(log.size() == 1U);
    // 30 days exactly is still fresh; one second more is stale.
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-10-26T12:00:00Z,emails,17,address=a@example.org"}), need, p, now, log)) ==
        "ok");
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-10-26T11:59:59Z,emails,17,address=a@example.org"}), need, p, now, log)) ==
        "proof_stale");
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-11-25T12:05:00Z,emails,17,address=a@example.org"}), need, p, now, log)) ==
        "ok");
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-11-25T12:05:01Z,emails,17,address=a@example.org"}), need, p, now, log)) ==
        "proof_future");
    // Local part is exact; another table or column does not count.
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-11-24T12:00:00Z,emails,17,address=A@example.org"}), need, p, now, log)) ==
        "proof_missing");
    BOOST_TEST(
        code_of(check_proof(
            lines({"2026-11-24T12:00:00Z,domains,17,address=a@example.org"}), need, p, now, log)) ==
        "proof_missing");
    BOOST_TEST(code_of(check_proof({}, need, p, now, log)) == "proof_missing");
    // A stale and a fresh proof: the fresh one wins.
    BOOST_TEST(code_of(check_proof(lines({"2025-01-01T00:00:00Z,emails,1,address=a@example.org",
                                          "2026-11-20T00:00:00Z,emails,2,address=a@example.org"}),
                                   need,
                                   p,
                                   now,
                                   log)) == "ok");
}

BOOST_AUTO_TEST_CASE(domain_age_follows_the_dated_rule) {
    const Profile p = email_profile();
    std::vector<std::string> log;
    const ProofNeed need{
        "SAN DNS,example.org", "domains", "name", "example.org", ProofMatch::case_insensitive};
    const auto proof = lines({"2026-01-10T00:00:00Z,domains,5,name=EXAMPLE.org"});
    BOOST_TEST(code_of(check_proof(proof, need, p, at("2026-03-14T00:00:00Z"), log)) == "ok");
    BOOST_TEST(code_of(check_proof(proof, need, p, at("2026-11-25T00:00:00Z"), log)) ==
               "proof_stale");
    Profile none;
    none.name = "none";
    BOOST_TEST(code_of(check_proof(proof, need, none, at("2026-03-14T00:00:00Z"), log)) ==
               "proof_missing");
}

BOOST_AUTO_TEST_SUITE_END()
