// The WebDB test fixture shared by the client's webdb test files: a freshly migrated schema
// on the throwaway cluster of tests/support/pg_cluster.sh.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"
#include "webdb/migrator.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace webdb_test {

// The cluster that the ctest fixture started (CASS_TEST_PG_DIR, see pg_cluster.sh); without
// it, libpq's PG* environment (eval "$(tests/support/pg_cluster.sh start DIR)").
inline std::string test_conninfo() {
    const char* dir = std::getenv("CASS_TEST_PG_DIR");  // NOLINT(concurrency-mt-unsafe)
    if (dir == nullptr || *dir == '\0') {
        return "";
    }
    std::ifstream in{std::string{dir} + "/pg/conninfo"};
    std::string line;
    std::getline(in, line);
    BOOST_REQUIRE_MESSAGE(!line.empty(), "no conninfo in CASS_TEST_PG_DIR=" << dir);
    return line;
}

inline void drop_schema(cassiopeia::client::pq::Connection& conn) {
    conn.exec_script("SET client_min_messages = warning; DROP SCHEMA IF EXISTS cassiopeia CASCADE");
}

/// A freshly migrated schema for every test case.
struct Db {
    Db() : conn(cassiopeia::client::pq::Connection::open(test_conninfo())) {
        drop_schema(conn);
        (void)cassiopeia::client::Migrator{}.apply(conn);
    }

    int64_t scalar(const std::string& sql,
                   std::initializer_list<cassiopeia::client::pq::Param> params = {}) {
        return conn.exec(sql, params).int64(0, 0);
    }

    std::string text(const std::string& sql,
                     std::initializer_list<cassiopeia::client::pq::Param> params = {}) {
        return conn.exec(sql, params).text(0, 0);
    }

    int64_t request_cert(const std::string& csr = "-----BEGIN CERTIFICATE REQUEST-----") {
        return scalar(
            "SELECT cassiopeia.request_certificate($1, 'tls-server', ARRAY['dns:a.example'],"
            " '{}', '{}')",
            {cassiopeia::client::pq::Param{csr}});
    }

    std::string state(int64_t job) {
        return text("SELECT state FROM cassiopeia.job_status WHERE job_id = $1",
                    {cassiopeia::client::pq::Param::integer(job)});
    }

    int64_t attempts(int64_t job) {
        return scalar("SELECT attempts FROM cassiopeia.job_status WHERE job_id = $1",
                      {cassiopeia::client::pq::Param::integer(job)});
    }

    cassiopeia::client::pq::Connection conn;
};

inline constexpr const char* pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/// Runs `f` and returns the PqError it throws (fails the test when it throws none).
template <class F>
cassiopeia::client::pq::PqError expect_pq_error(F&& f) {
    try {
        f();
    } catch (const cassiopeia::client::pq::PqError& e) {
        return e;
    }
    BOOST_FAIL("no PqError thrown");
    throw std::logic_error("unreachable");
}

}  // namespace webdb_test
