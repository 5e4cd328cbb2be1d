// Tests of the signer audit heads stored in the WebDB (sql/003_audit_heads.sql) against a real
// PostgreSQL (pg_cluster.sh), and of the libpq connect timeout `status` uses.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "pq/pq.hpp"
#include "webdb/audit_anchor.hpp"
#include "webdb/migrator.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

namespace cc = cassiopeia::client;
namespace pq = cassiopeia::client::pq;

namespace {

// The cluster that the ctest fixture started (CASS_TEST_PG_DIR, see pg_cluster.sh); without
// it, libpq's PG* environment.
std::string conninfo() {
    const char* dir = std::getenv("CASS_TEST_PG_DIR");
    if (dir == nullptr || *dir == '\0') {
        return "";
    }
    std::ifstream in{std::string{dir} + "/pg/conninfo"};
    std::string line;
    std::getline(in, line);
    return line;
}

/// A freshly migrated schema for every test case, reached with a connect timeout.
struct AnchorDb {
    AnchorDb() : conn(pq::Connection::open(conninfo(), std::chrono::seconds{5})) {
        conn.exec_script(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS cassiopeia CASCADE");
        (void)cc::Migrator{}.apply(conn);
    }

    cc::AnchorVerdict see(int64_t seq, char digit) {
        return cc::record_audit_head(conn, {seq, std::string(64, digit)}, "status");
    }

    int64_t scalar(const std::string& sql) { return conn.exec(sql).int64(0, 0); }

    pq::Connection conn;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_anchor, *boost::unit_test::label("webdb"))

BOOST_FIXTURE_TEST_CASE(the_first_head_becomes_the_anchor, AnchorDb) {
    const auto v = see(5, 'a');
    BOOST_TEST(v.extends);
    BOOST_TEST(!v.anchor.has_value());
    BOOST_TEST(v.rewrites == 0);
    BOOST_TEST(scalar("SELECT seq FROM cassiopeia.signer_audit_anchor") == 5);
}

BOOST_FIXTURE_TEST_CASE(a_grown_or_repeated_head_extends, AnchorDb) {
    (void)see(5, 'a');
    BOOST_TEST(see(5, 'a').extends);
    BOOST_TEST(scalar("SELECT count(*) FROM cassiopeia.signer_audit_heads") == 1);
    BOOST_TEST(scalar("SELECT times_seen FROM cassiopeia.signer_audit_heads") == 2);
    const auto v = see(9, 'b');
    BOOST_TEST(v.extends);
    BOOST_TEST(v.anchor->seq == 5);
    BOOST_TEST(scalar("SELECT seq FROM cassiopeia.signer_audit_anchor") == 9);
    BOOST_TEST(scalar("SELECT rewrites FROM cassiopeia.signer_audit_anchor") == 0);
}

BOOST_FIXTURE_TEST_CASE(a_lower_seq_is_a_rewrite_and_keeps_the_anchor, AnchorDb) {
    (void)see(9, 'b');
    const auto v = see(4, 'c');
    BOOST_TEST(!v.extends);
    BOOST_TEST(v.anchor->seq == 9);
    BOOST_TEST(v.rewrites == 1);
    // Seen again: still a rewrite, stored once, and the anchor has not moved.
    const auto again = see(4, 'c');
    BOOST_TEST(!again.extends);
    BOOST_TEST(again.rewrites == 1);
    BOOST_TEST(scalar("SELECT seq FROM cassiopeia.signer_audit_anchor") == 9);
    // The old head the anchor once was is a rewrite too once the anchor is past it.
    (void)see(12, 'd');
    BOOST_TEST(!see(9, 'b').extends);
}

BOOST_FIXTURE_TEST_CASE(the_same_seq_with_another_hash_is_a_rewrite, AnchorDb) {
    (void)see(7, 'a');
    const auto v = see(7, 'e');
    BOOST_TEST(!v.extends);
    BOOST_TEST(v.rewrites == 1);
    BOOST_TEST(scalar("SELECT rewrites FROM cassiopeia.signer_audit_anchor") == 1);
}

BOOST_FIXTURE_TEST_CASE(stored_heads_are_never_changed, AnchorDb) {
    (void)see(7, 'a');
    for (const char* sql : {"UPDATE cassiopeia.signer_audit_heads SET seq = 99",
                            "UPDATE cassiopeia.signer_audit_heads SET extends = false",
                            "INSERT INTO cassiopeia.signer_audit_heads (seq, head, extends, source)"
                            " VALUES (1, 'XYZ', true, 'run')"}) {
        BOOST_CHECK_THROW(conn.exec(sql), pq::PqError);
    }
}

BOOST_AUTO_TEST_CASE(connect_timeout_gives_up_on_an_unreachable_database) {
    try {
        (void)pq::Connection::open("host=/nonexistent-cassiopeia-socket-dir",
                                   std::chrono::seconds{2});
        BOOST_FAIL("connected to nothing");
    } catch (const pq::PqError& e) {
        BOOST_TEST((e.failure() == pq::Failure::connection));
    }
}

BOOST_AUTO_TEST_SUITE_END()
