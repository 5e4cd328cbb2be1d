// Tests of the WebDB queue and the libpq wrapper against a real PostgreSQL (pg_cluster.sh).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "pq/pq.hpp"
#include "webdb/job_queue.hpp"
#include "webdb/migrator.hpp"
#include "webdb_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace cc = cassiopeia::client;
namespace pq = cassiopeia::client::pq;
using namespace std::chrono_literals;

// NOLINTNEXTLINE(google-build-using-namespace): the shared fixture (webdb_fixture.hpp)
using namespace webdb_test;

// ---------------------------------------------------------------------------------------------
// Pure helpers: no database.

BOOST_AUTO_TEST_SUITE(pq_helpers)

BOOST_AUTO_TEST_CASE(array_literal_round_trips_awkward_elements) {
    const std::vector<std::string> v{
        "plain", "with,comma", "with \"quote\"", "back\\slash", "{braces}", "NULL", ""};
    const auto parsed = pq::parse_text_array(pq::to_array_literal(v));
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(*parsed == v, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parses_arrays_as_postgresql_prints_them) {
    BOOST_TEST(pq::parse_text_array("{}")->empty());
    const auto a = pq::parse_text_array(R"({a,"b c","d\"e"})");
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(*a == (std::vector<std::string>{"a", "b c", "d\"e"}),
               boost::test_tools::per_element());
    const auto b = pq::parse_text_array("[0:1]={x,y}");
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->size() == 2u);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_nested_or_null_arrays) {
    for (const char* bad : {"",
                            "{",
                            "a,b",
                            "{a,NULL}",
                            "{{a},{b}}",
                            R"({"a)",
                            "{a,}",
                            "{,a}",
                            R"({"a"b})",
                            "[0:1]"}) {
        BOOST_TEST(!pq::parse_text_array(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(job_serial_is_the_positive_canonical_text) {
    BOOST_TEST(*cc::job_serial("8A3F") == "8A3F");
    BOOST_TEST(*cc::job_serial("8a:3f") == "8A3F");
    BOOST_TEST(*cc::job_serial("008A3F") == "8A3F");
    BOOST_TEST(*cc::job_serial("A3F") == "0A3F");
    BOOST_TEST(*cc::job_serial("0001") == "01");
    for (const char* bad : {"", "0", "00", "0x8A", "8G", "8A 3F", "-1"}) {
        BOOST_TEST(!cc::job_serial(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(classifies_sqlstates) {
    BOOST_TEST((pq::classify_sqlstate("") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("08006") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("57P01") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("23505") == pq::Failure::integrity));
    BOOST_TEST((pq::classify_sqlstate("23514") == pq::Failure::integrity));
    BOOST_TEST((pq::classify_sqlstate("40001") == pq::Failure::transient));
    BOOST_TEST((pq::classify_sqlstate("42601") == pq::Failure::other));
    // The server out of connections, memory or disk is an outage, not a fault of the job.
    BOOST_TEST((pq::classify_sqlstate("53300") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("53100") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("57P03") == pq::Failure::connection));
    BOOST_TEST((pq::classify_sqlstate("40P01") == pq::Failure::transient));
    BOOST_TEST((pq::classify_sqlstate("55P03") == pq::Failure::transient));
    // Data errors (class 22: bad encoding, bad text for a type) fail the job in hand.
    BOOST_TEST((pq::classify_sqlstate("22021") == pq::Failure::other));
    BOOST_TEST((pq::classify_sqlstate("22P02") == pq::Failure::other));
    BOOST_TEST((pq::classify_sqlstate("57014") == pq::Failure::other));
}

BOOST_AUTO_TEST_CASE(embeds_the_migrations_in_order) {
    const auto migrations = cc::Migrator::embedded();
    BOOST_REQUIRE(!migrations.empty());
    BOOST_TEST(migrations.front().version == 1);
    BOOST_TEST(migrations.front().name == "001_schema");
    BOOST_TEST(migrations.front().sql.find("CREATE SCHEMA IF NOT EXISTS cassiopeia") !=
               std::string_view::npos);
    for (size_t i = 1; i < migrations.size(); ++i) {
        BOOST_TEST(migrations[i].version > migrations[i - 1].version);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
// Against PostgreSQL. Label webdb: ctest runs these with the cluster fixture.

BOOST_AUTO_TEST_SUITE(webdb, *boost::unit_test::label("webdb"))

BOOST_AUTO_TEST_CASE(migrate_twice_is_idempotent_and_reports_the_version) {
    auto conn = pq::Connection::open(test_conninfo());
    drop_schema(conn);
    BOOST_TEST(!cc::Migrator::current_version(conn).has_value());
    const std::string expected = std::to_string(cc::Migrator{}.latest_version()) + "\n";
    for (int i = 0; i < 2; ++i) {
        std::ostringstream out;
        std::ostringstream err;
        BOOST_TEST(cc::run_migrate(test_conninfo(), out, err) == 0);
        BOOST_TEST(out.str() == expected);
        BOOST_TEST(err.str().empty());
    }
    BOOST_TEST(conn.exec("SELECT count(*) FROM cassiopeia.schema_version").int64(0, 0) ==
               static_cast<int64_t>(cc::Migrator::embedded().size()));
    BOOST_TEST(*cc::Migrator::current_version(conn) == cc::Migrator{}.latest_version());
}

BOOST_AUTO_TEST_CASE(migrate_applies_only_missing_versions_in_order) {
    auto conn = pq::Connection::open(test_conninfo());
    drop_schema(conn);
    (void)cc::Migrator{}.apply(conn);
    const int base = cc::Migrator{}.latest_version();
    auto migrations = cc::Migrator::embedded();
    // A later migration that fails if run twice (CREATE TABLE without IF NOT EXISTS).
    migrations.push_back({base + 1, "extra", "CREATE TABLE cassiopeia.extra_test (x int)"});
    BOOST_TEST(cc::Migrator{migrations}.apply(conn) == base + 1);
    BOOST_TEST(cc::Migrator{migrations}.apply(conn) == base + 1);
    // A failing migration leaves no trace: neither its DDL nor its version row.
    migrations.push_back({base + 2, "broken", "CREATE TABLE cassiopeia.half (x int); SELEC 1"});
    (void)expect_pq_error([&] { (void)cc::Migrator{migrations}.apply(conn); });
    BOOST_TEST(*cc::Migrator::current_version(conn) == base + 1);
    BOOST_TEST(conn.exec("SELECT to_regclass('cassiopeia.half') IS NULL").text(0, 0) == "t");
    drop_schema(conn);
}

BOOST_AUTO_TEST_CASE(migrate_reports_an_unreachable_database_with_status_1) {
    std::ostringstream out;
    std::ostringstream err;
    BOOST_TEST(cc::run_migrate("host=/nonexistent-cassiopeia port=1 connect_timeout=2", out, err) ==
               1);
    BOOST_TEST(out.str().empty());
    BOOST_TEST(!err.str().empty());
    const auto e =
        expect_pq_error([] { (void)pq::Connection::open("host=/nonexistent-x port=1"); });
    BOOST_TEST(pq::is_connection_error(e));
    BOOST_TEST((e.kind() == cassiopeia::ErrorKind::database));
}

BOOST_AUTO_TEST_CASE(request_functions_return_ids_and_jobs_start_pending) {
    Db db;
    const auto c = db.request_cert();
    const auto r =
        db.scalar("SELECT cassiopeia.request_revocation(ARRAY['8A3F,keyCompromise'], 'tls')");
    const auto p = db.scalar(
        "SELECT cassiopeia.request_openpgp('-----BEGIN PGP PUBLIC KEY BLOCK-----', '{}')");
    BOOST_TEST(c < r);
    BOOST_TEST(r < p);
    const auto rows = db.conn.exec(
        "SELECT job_id, kind, state, attempts, last_error FROM cassiopeia.job_status ORDER BY "
        "job_id");
    BOOST_REQUIRE(rows.rows() == 3);
    const char* kinds[] = {"certificate", "revocation", "openpgp"};
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(rows.text(i, 1) == kinds[i]);
        BOOST_TEST(rows.text(i, 2) == "pending");
        BOOST_TEST(rows.int64(i, 3) == 0);
        BOOST_TEST(rows.is_null(i, 4));
    }
}

BOOST_AUTO_TEST_CASE(request_functions_check_presence_not_content) {
    Db db;
    // Content is the signer's business: nonsense is queued.
    BOOST_TEST(db.request_cert("not a CSR at all") > 0);
    BOOST_TEST(db.scalar("SELECT cassiopeia.request_certificate('SPKAC:xyz', 'p', NULL, NULL, NULL,"
                         " NULL, NULL, NULL)") > 0);
    const char* missing[] = {
        "SELECT cassiopeia.request_certificate(NULL, 'p', '{}', '{}', '{}')",
        "SELECT cassiopeia.request_certificate('csr', '', '{}', '{}', '{}')",
        "SELECT cassiopeia.request_certificate('csr', 'p', ARRAY['a', NULL], '{}', '{}')",
        "SELECT cassiopeia.request_revocation('{}', 'tls')",
        "SELECT cassiopeia.request_revocation(ARRAY['01'], NULL)",
        "SELECT cassiopeia.request_openpgp(NULL, '{}')",
    };
    for (const char* sql : missing) {
        const auto e = expect_pq_error([&] { (void)db.conn.exec(sql); });
        BOOST_TEST(e.sqlstate() == "22004", sql);
        BOOST_TEST(!pq::is_connection_error(e));
    }
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.jobs") == 2);
}

BOOST_AUTO_TEST_CASE(claims_the_oldest_job_first_with_decoded_inputs) {
    Db db;
    const auto first = db.scalar(
        "SELECT cassiopeia.request_certificate('csr-1', 'tls-server',"
        " ARRAY['dns:a.example', 'odd,\"value\"'], ARRAY['CN=x'], ARRAY['emails a@b 2026'],"
        " '2026-05-01 12:30:45.9+02', '90d', 'sha384')");
    const auto second =
        db.scalar("SELECT cassiopeia.request_revocation(ARRAY['8A3F', '01,superseded'], 'tls')");
    const auto third = db.scalar("SELECT cassiopeia.request_openpgp('key', ARRAY['p1'])");
    cc::JobQueue q{db.conn, {}};

    auto j1 = q.claim_next("w1");
    BOOST_REQUIRE(j1.has_value());
    BOOST_TEST(j1->id == first);
    BOOST_TEST((j1->kind == cc::JobKind::certificate));
    BOOST_TEST(j1->attempt == 1);
    BOOST_TEST(j1->request_id() == "webdb:" + std::to_string(first));
    const auto& in = std::get<cc::CertificateJob>(j1->input);
    BOOST_TEST(in.csr == "csr-1");
    BOOST_TEST(in.profile == "tls-server");
    BOOST_TEST(in.sans == (std::vector<std::string>{"dns:a.example", "odd,\"value\""}),
               boost::test_tools::per_element());
    BOOST_TEST(in.avas == std::vector<std::string>{"CN=x"}, boost::test_tools::per_element());
    BOOST_TEST(in.proofs.size() == 1u);
    BOOST_TEST(in.valid_from.value_or("") == "2026-05-01T10:30:45Z");
    BOOST_TEST(in.valid_to.value_or("") == "90d");
    BOOST_TEST(in.hash == "sha384");

    auto j2 = q.claim_next("w1");
    BOOST_REQUIRE(j2.has_value());
    BOOST_TEST(j2->id == second);
    const auto& rv = std::get<cc::RevocationJob>(j2->input);
    BOOST_TEST(rv.ca == "tls");
    BOOST_TEST(rv.serials == (std::vector<std::string>{"8A3F", "01,superseded"}),
               boost::test_tools::per_element());

    auto j3 = q.claim_next("w1");
    BOOST_REQUIRE(j3.has_value());
    BOOST_TEST(j3->id == third);
    BOOST_TEST(std::get<cc::OpenpgpJob>(j3->input).key == "key");

    BOOST_TEST(!q.claim_next("w1").has_value());
    BOOST_TEST(db.state(first) == "running");
    BOOST_TEST(db.attempts(first) == 1);
}

BOOST_AUTO_TEST_CASE(certificate_defaults_decode_as_absent) {
    Db db;
    (void)db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    const auto& in = std::get<cc::CertificateJob>(j->input);
    BOOST_TEST(!in.valid_from.has_value());
    BOOST_TEST(!in.valid_to.has_value());
    BOOST_TEST(in.hash == "sha256");
    BOOST_TEST(in.avas.empty());
}

BOOST_AUTO_TEST_CASE(skip_locked_passes_over_a_job_another_client_holds) {
    Db db;
    const auto a = db.request_cert();
    const auto b = db.request_cert();
    auto other = pq::Connection::open(test_conninfo());
    {
        // Another client in the middle of claiming `a`: its row lock is held.
        pq::Transaction tx{other};
        (void)other.exec("SELECT id FROM cassiopeia.jobs WHERE id = $1 FOR UPDATE",
                         {pq::Param::integer(a)});
        cc::JobQueue q{db.conn, {}};
        const auto j = q.claim_next("w1");
        BOOST_REQUIRE(j.has_value());
        BOOST_TEST(j->id == b);
        BOOST_TEST(!q.claim_next("w1").has_value());
    }
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w1");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->id == a);
}

BOOST_AUTO_TEST_CASE(concurrent_claimers_never_get_the_same_job) {
    Db db;
    constexpr int jobs = 40;
    for (int i = 0; i < jobs; ++i) {
        (void)db.request_cert();
    }
    std::vector<int64_t> got[3];
    std::vector<std::thread> threads;
    std::string errors[3];
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto conn = pq::Connection::open(test_conninfo());
                cc::JobQueue q{conn, {}};
                while (auto j = q.claim_next("w" + std::to_string(t))) {
                    got[t].push_back(j->id);
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::multiset<int64_t> all;
    for (int t = 0; t < 3; ++t) {
        BOOST_TEST(errors[t].empty(), errors[t]);
        all.insert(got[t].begin(), got[t].end());
        BOOST_TEST(std::is_sorted(got[t].begin(), got[t].end()));  // oldest first, per claimer
    }
    BOOST_TEST(all.size() == static_cast<size_t>(jobs));
    BOOST_TEST(std::set<int64_t>(all.begin(), all.end()).size() == static_cast<size_t>(jobs));
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.jobs WHERE state = 'running'"
                         " AND attempts = 1") == jobs);
}

BOOST_AUTO_TEST_CASE(complete_certificate_writes_result_log_and_state_together) {
    Db db;
    const auto id = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(q.complete_certificate(*j,
                                      pem,
                                      "8a:3f",
                                      "tls",
                                      "2026-01-01T00:00:00Z",
                                      "2026-04-01T23:59:59Z",
                                      "requested\nsigned"));
    BOOST_TEST(db.state(id) == "done");
    const auto r = db.conn.exec(
        "SELECT serial, ca, pem, not_after = '2026-04-01T23:59:59Z'::timestamptz, revoked_at"
        " FROM cassiopeia.issued WHERE job_id = $1",
        {pq::Param::integer(id)});
    BOOST_REQUIRE(r.rows() == 1);
    BOOST_TEST(r.text(0, 0) == "8A3F");
    BOOST_TEST(r.text(0, 1) == "tls");
    BOOST_TEST(r.text(0, 2) == pem);
    BOOST_TEST(r.text(0, 3) == "t");
    BOOST_TEST(r.is_null(0, 4));
    BOOST_TEST(db.text("SELECT log FROM cassiopeia.job_log WHERE job_id = $1 AND attempt = 1",
                       {pq::Param::integer(id)}) == "requested\nsigned");
    // Done is final: the lease is gone, a second completion writes nothing.
    BOOST_TEST(!q.complete_certificate(
        *j, pem, "8A40", "tls", "2026-01-01T00:00:00Z", "2026-04-01T23:59:59Z", "again"));
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.issued") == 1);
}

BOOST_AUTO_TEST_CASE(a_failure_mid_way_leaves_the_job_running_without_partial_result) {
    Db db;
    const auto a = db.request_cert();
    const auto b = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto ja = q.claim_next("w");
    const auto jb = q.claim_next("w");
    BOOST_REQUIRE(ja.has_value());
    BOOST_REQUIRE(jb.has_value());
    BOOST_TEST(q.complete_certificate(
        *ja, pem, "8A3F", "tls", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "log a"));
    // The same serial again: the UNIQUE constraint refuses the certificate row after the
    // state change was made, so the whole transaction must roll back.
    const auto e = expect_pq_error([&] {
        (void)q.complete_certificate(
            *jb, pem, "008a3f", "tls", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "log b");
    });
    BOOST_TEST(pq::is_integrity_error(e));
    BOOST_TEST(e.sqlstate() == "23505");
    BOOST_TEST(db.state(a) == "done");
    BOOST_TEST(db.state(b) == "running");
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.job_log WHERE job_id = $1",
                         {pq::Param::integer(b)}) == 0);
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.issued") == 1);
    BOOST_TEST(!db.conn.in_transaction());
    // The job is still held and can still be failed.
    BOOST_TEST(q.fail(*jb, librecord::ErrorCode::internal, "duplicate serial"));
    BOOST_TEST(db.state(b) == "failed");
}

BOOST_AUTO_TEST_CASE(claim_batch_takes_several_jobs_in_queue_order_in_one_go) {
    Db db;
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(db.request_cert());
    }
    cc::JobQueue q{db.conn, {}};
    const auto first = q.claim_batch("w", 3);
    BOOST_REQUIRE(first.size() == 3U);
    for (size_t i = 0; i < first.size(); ++i) {
        BOOST_TEST(first[i].id == ids[i]);
        BOOST_TEST(first[i].attempt == 1);
        BOOST_TEST(db.state(ids[i]) == "running");
    }
    const auto rest = q.claim_batch("w", 8);  // fewer are due than asked
    BOOST_REQUIRE(rest.size() == 2U);
    BOOST_TEST(rest[0].id == ids[3]);
    BOOST_TEST(rest[1].id == ids[4]);
    BOOST_TEST(q.claim_batch("w", 8).empty());
    BOOST_TEST(!db.conn.in_transaction());
}

BOOST_AUTO_TEST_CASE(complete_certificates_writes_a_batch_in_one_transaction) {
    Db db;
    const auto a = db.request_cert();
    const auto b = db.request_cert();
    const auto c = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto jobs = q.claim_batch("w", 3);
    BOOST_REQUIRE(jobs.size() == 3U);
    BOOST_TEST(q.fail(jobs[1], librecord::ErrorCode::internal, "no longer held"));
    const std::string nb = "2026-01-01T00:00:00Z";
    const std::string na = "2026-02-01T00:00:00Z";
    const auto written = q.complete_certificates({{&jobs[0], pem, "8A01", "tls", nb, na, "log a"},
                                                  {&jobs[1], pem, "8A02", "tls", nb, na, "log b"},
                                                  {&jobs[2], pem, "8A03", "tls", nb, na, "log c"}});
    BOOST_TEST((written == std::vector<bool>{true, false, true}));
    BOOST_TEST(db.state(a) == "done");
    BOOST_TEST(db.state(b) == "failed");
    BOOST_TEST(db.state(c) == "done");
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.issued") == 2);
    // A refused row (the same serial again) writes none of the batch.
    const auto d = db.request_cert();
    const auto e = db.request_cert();
    const auto more = q.claim_batch("w", 2);
    BOOST_REQUIRE(more.size() == 2U);
    (void)expect_pq_error([&] {
        (void)q.complete_certificates({{&more[0], pem, "8A04", "tls", nb, na, "log d"},
                                       {&more[1], pem, "8A01", "tls", nb, na, "log e"}});
    });
    BOOST_TEST(db.state(d) == "running");
    BOOST_TEST(db.state(e) == "running");
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.issued") == 2);
    BOOST_TEST(!db.conn.in_transaction());
}

BOOST_AUTO_TEST_CASE(checks_refuse_bad_states_and_malformed_results) {
    Db db;
    const auto id = db.request_cert();
    const auto bad_state = expect_pq_error([&] {
        (void)db.conn.exec("UPDATE cassiopeia.jobs SET state = 'finished' WHERE id = $1",
                           {pq::Param::integer(id)});
    });
    BOOST_TEST(bad_state.sqlstate() == "23514");
    BOOST_TEST(pq::is_integrity_error(bad_state));
    // retrying needs its due time; running needs a lease; failed needs an error code.
    for (const char* sql : {"UPDATE cassiopeia.jobs SET state = 'retrying' WHERE id = $1",
                            "UPDATE cassiopeia.jobs SET state = 'running' WHERE id = $1",
                            "UPDATE cassiopeia.jobs SET state = 'failed' WHERE id = $1"}) {
        const auto e = expect_pq_error([&] { (void)db.conn.exec(sql, {pq::Param::integer(id)}); });
        BOOST_TEST(e.sqlstate() == "23514", sql);
    }
    const auto bad_serial = expect_pq_error([&] {
        (void)db.conn.exec(
            "INSERT INTO cassiopeia.certificates VALUES ($1, '008A', 'tls', $2, now(), now() + "
            "'1d')",
            {pq::Param::integer(id), pq::Param{pem}});
    });
    BOOST_TEST(bad_serial.sqlstate() == "23514");
    const auto no_job = expect_pq_error([&] {
        (void)db.conn.exec(
            "INSERT INTO cassiopeia.certificates VALUES (999999, '8A', 'tls', $1, now(), now() + "
            "'1d')",
            {pq::Param{pem}});
    });
    BOOST_TEST(no_job.sqlstate() == "23503");
    BOOST_TEST(db.state(id) == "pending");
}

BOOST_AUTO_TEST_CASE(retry_later_waits_then_fails_after_max_attempts) {
    Db db;
    const auto id = db.request_cert();
    cc::JobQueue q{db.conn, {.max_attempts = 2, .lease = 300s}};
    auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST((q.retry_later(*j, cc::ClientErrorCode::verification, "no answer in 30 s", 3600s) ==
                cc::JobState::retrying));
    BOOST_TEST(db.state(id) == "retrying");
    BOOST_TEST(db.text("SELECT last_error FROM cassiopeia.job_status WHERE job_id = $1",
                       {pq::Param::integer(id)}) == "verification no answer in 30 s");
    // Not due yet.
    BOOST_TEST(!q.claim_next("w").has_value());
    const auto s = q.summary();
    BOOST_TEST(s.due == 0);
    BOOST_TEST(s.waiting == 1);
    BOOST_REQUIRE(s.next_retry_in.has_value());
    BOOST_TEST(s.next_retry_in->count() > 3500'000);
    BOOST_TEST(s.next_retry_in->count() <= 3600'000);
    // Make it due.
    (void)db.conn.exec("UPDATE cassiopeia.jobs SET next_attempt = now() - '1s'::interval");
    BOOST_TEST(q.summary().due == 1);
    j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->attempt == 2);
    BOOST_TEST(
        (q.retry_later(
             *j, cc::ClientErrorCode::verification, "again", 0s, std::string{"partial log"}) ==
         cc::JobState::failed));
    BOOST_TEST(db.state(id) == "failed");
    BOOST_TEST(db.attempts(id) == 2);
    BOOST_TEST(db.text("SELECT log FROM cassiopeia.job_log WHERE job_id = $1 AND attempt = 2",
                       {pq::Param::integer(id)}) == "partial log");
    BOOST_TEST(!q.claim_next("w").has_value());
    BOOST_TEST(q.summary().due == 0);
}

BOOST_AUTO_TEST_CASE(fail_is_final_and_keeps_code_and_message) {
    Db db;
    const auto id = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(q.fail(
        *j, librecord::ErrorCode::proof_stale, "emails proof is 31 days old", std::string{"log"}));
    BOOST_TEST(db.state(id) == "failed");
    BOOST_TEST(db.text("SELECT last_error FROM cassiopeia.job_status WHERE job_id = $1",
                       {pq::Param::integer(id)}) == "proof_stale emails proof is 31 days old");
    BOOST_TEST(!q.claim_next("w").has_value());
    BOOST_TEST(!q.fail(*j, librecord::ErrorCode::internal, "y"));
    BOOST_TEST(!q.retry_later(*j, librecord::ErrorCode::internal, "y", 0s).has_value());
    BOOST_TEST(!q.release(*j));
}

BOOST_AUTO_TEST_CASE(release_returns_the_job_without_counting_an_attempt) {
    Db db;
    const auto id = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(db.attempts(id) == 1);
    BOOST_TEST(q.release(*j));
    BOOST_TEST(db.state(id) == "pending");
    BOOST_TEST(db.attempts(id) == 0);
    j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->id == id);
    BOOST_TEST(j->attempt == 1);
}

BOOST_AUTO_TEST_CASE(a_restarted_worker_takes_back_only_its_own_running_jobs) {
    Db db;
    const auto mine = db.request_cert();
    const auto theirs = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    BOOST_REQUIRE(q.claim_next("me").has_value());
    BOOST_REQUIRE(q.claim_next("other").has_value());
    BOOST_TEST(q.release_worker("me") == 1);
    BOOST_TEST(db.state(mine) == "pending");
    BOOST_TEST(db.attempts(mine) == 0);
    BOOST_TEST(db.state(theirs) == "running");
    BOOST_TEST(q.release_worker("me") == 0);
}

BOOST_AUTO_TEST_CASE(a_stale_running_lease_is_taken_again) {
    Db db;
    const auto id = db.request_cert();
    cc::JobQueue q1{db.conn, {.max_attempts = 5, .lease = 60s}};
    auto other = pq::Connection::open(test_conninfo());
    cc::JobQueue q2{other, {.max_attempts = 5, .lease = 60s}};
    const auto j1 = q1.claim_next("dead-daemon");
    BOOST_REQUIRE(j1.has_value());
    // A live lease is respected, and the heartbeat keeps it alive.
    BOOST_TEST(q1.heartbeat(*j1));
    BOOST_TEST(!q2.claim_next("second").has_value());
    BOOST_TEST(q2.summary().running == 1);
    // The first daemon died: its heartbeat ages past the lease.
    (void)db.conn.exec("UPDATE cassiopeia.jobs SET heartbeat = now() - '61s'::interval");
    BOOST_TEST(q2.summary().due == 1);
    const auto j2 = q2.claim_next("second");
    BOOST_REQUIRE(j2.has_value());
    BOOST_TEST(j2->id == id);
    BOOST_TEST(j2->attempt == 2);
    // The old holder lost its lease: nothing it does lands.
    BOOST_TEST(!q1.heartbeat(*j1));
    BOOST_TEST(!q1.complete_certificate(
        *j1, pem, "01", "tls", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "late"));
    BOOST_TEST(!q1.release(*j1));
    BOOST_TEST(q2.complete_certificate(
        *j2, pem, "01", "tls", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "log"));
    BOOST_TEST(db.state(id) == "done");
    BOOST_TEST(db.text("SELECT string_agg(attempt::text, ',') FROM cassiopeia.job_log") == "2");
}

BOOST_AUTO_TEST_CASE(notifies_the_channel_when_a_job_is_queued) {
    Db db;
    auto listener = pq::Connection::open(test_conninfo());
    cc::JobQueue q{listener, {}};
    q.listen();
    BOOST_TEST(!listener.wait_notification(50ms).has_value());
    const auto id = db.request_cert();
    const auto n = listener.wait_notification(5s);
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(n->channel == std::string{cc::JobQueue::channel});
    BOOST_TEST(n->payload == std::to_string(id));
    BOOST_TEST(n->backend_pid == db.conn.backend_pid());
    // A release makes the job pending again and wakes the other daemons too.
    cc::JobQueue worker{db.conn, {}};
    const auto j = worker.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(!listener.wait_notification(50ms).has_value());
    BOOST_TEST(worker.release(*j));
    const auto again = listener.wait_notification(5s);
    BOOST_REQUIRE(again.has_value());
    BOOST_TEST(again->payload == std::to_string(id));
}

BOOST_AUTO_TEST_CASE(complete_revocation_records_serials_and_the_newer_crl) {
    Db db;
    const auto cert_job = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto jc = q.claim_next("w");
    BOOST_REQUIRE(jc.has_value());
    BOOST_TEST(q.complete_certificate(
        *jc, pem, "8A3F", "tls", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z", "log"));
    const std::vector<uint8_t> crl1{0x30, 0x00, 0x01, 0xFF};
    BOOST_TEST(q.store_crl("tls", crl1, 1, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"));

    const auto rid =
        db.scalar("SELECT cassiopeia.request_revocation(ARRAY['8A3F,keyCompromise', '0B'], 'tls')");
    const auto jr = q.claim_next("w");
    BOOST_REQUIRE(jr.has_value());
    BOOST_TEST(jr->id == rid);
    const std::vector<uint8_t> crl2{0x30, 0x82, 0x00, 0x00, 0x02};
    BOOST_TEST(q.complete_revocation(*jr,
                                     "tls",
                                     crl2,
                                     2,
                                     "2026-02-01T00:00:00Z",
                                     "2026-02-08T00:00:00Z",
                                     {{"8a3f", "2026-02-01T00:00:00Z", "keyCompromise"},
                                      {"0B", "2026-02-01T00:00:00Z", std::nullopt}},
                                     "revoked 2"));
    BOOST_TEST(db.state(rid) == "done");
    BOOST_TEST(db.text("SELECT revoked_at = '2026-02-01T00:00:00Z'::timestamptz FROM"
                       " cassiopeia.issued WHERE job_id = $1",
                       {pq::Param::integer(cert_job)}) == "t");
    BOOST_TEST(
        db.text("SELECT crl_number::text FROM cassiopeia.revocation_result WHERE job_id = $1",
                {pq::Param::integer(rid)}) == "2");
    const auto crl = db.conn.exec("SELECT der, crl_number FROM cassiopeia.crl WHERE ca = 'tls'");
    BOOST_TEST(crl.bytea(0, 0) == crl2, boost::test_tools::per_element());
    BOOST_TEST(crl.int64(0, 1) == 2);
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.revoked WHERE reason IS NULL") == 1);

    // A second revoke of 8A3F keeps the original entry; an older CRL number does not replace.
    const auto rid2 = db.scalar("SELECT cassiopeia.request_revocation(ARRAY['8A3F'], 'tls')");
    const auto jr2 = q.claim_next("w");
    BOOST_REQUIRE(jr2.has_value());
    BOOST_TEST(q.complete_revocation(*jr2,
                                     "tls",
                                     crl1,
                                     1,
                                     "2026-01-01T00:00:00Z",
                                     "2026-01-08T00:00:00Z",
                                     {{"8A3F", "2026-03-01T00:00:00Z", std::nullopt}},
                                     "nothing new"));
    BOOST_TEST(db.state(rid2) == "done");
    BOOST_TEST(db.text("SELECT reason FROM cassiopeia.revoked WHERE serial = '8A3F'") ==
               "keyCompromise");
    BOOST_TEST(q.crl_numbers().at("tls") == 2u);
}

BOOST_AUTO_TEST_CASE(store_crl_replaces_only_with_newer_numbers) {
    Db db;
    cc::JobQueue q{db.conn, {}};
    const std::vector<uint8_t> der5{0x30, 0x05, 0x00};
    const std::vector<uint8_t> der4{0x30, 0x04};
    BOOST_TEST(q.store_crl("a", der5, 5, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"));
    BOOST_TEST(!q.store_crl("a", der4, 4, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"));
    BOOST_TEST(!q.store_crl("a", der4, 5, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"));
    BOOST_TEST(q.store_crl("b", der4, 1, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"));
    const auto numbers = q.crl_numbers();
    BOOST_TEST(numbers.size() == 2u);
    BOOST_TEST(numbers.at("a") == 5u);
    BOOST_TEST(numbers.at("b") == 1u);
    BOOST_TEST(db.conn.exec("SELECT der FROM cassiopeia.crl WHERE ca = 'a'").bytea(0, 0) == der5,
               boost::test_tools::per_element());
    const auto e = expect_pq_error(
        [&] { (void)q.store_crl("c", der4, 0, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"); });
    BOOST_TEST(pq::is_integrity_error(e));
}

BOOST_AUTO_TEST_CASE(complete_openpgp_stores_the_armoured_key) {
    Db db;
    const auto id = db.scalar("SELECT cassiopeia.request_openpgp('k', '{}')");
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    const std::string armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n";
    BOOST_TEST(q.complete_openpgp(*j, armored, "certified 1 user ID"));
    BOOST_TEST(db.state(id) == "done");
    BOOST_TEST(db.text("SELECT armored_key FROM cassiopeia.openpgp_result WHERE job_id = $1",
                       {pq::Param::integer(id)}) == armored);
}

BOOST_AUTO_TEST_CASE(a_job_without_its_request_row_fails_as_bad_request) {
    Db db;
    const auto id = db.scalar("INSERT INTO cassiopeia.jobs (kind) VALUES ('openpgp') RETURNING id");
    const auto good = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->id == good);
    BOOST_TEST(db.state(id) == "failed");
    BOOST_TEST(db.text("SELECT last_error FROM cassiopeia.job_status WHERE job_id = $1",
                       {pq::Param::integer(id)})
                   .starts_with("bad_request "));
}

BOOST_AUTO_TEST_CASE(transaction_rolls_back_unless_committed_and_bytea_round_trips) {
    Db db;
    std::vector<uint8_t> bytes(256);
    for (size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<uint8_t>(i);
    }
    {
        pq::Transaction tx{db.conn};
        (void)db.conn.exec("CREATE TABLE cassiopeia.t (b bytea)");
        BOOST_TEST(db.conn.in_transaction());
    }
    BOOST_TEST(!db.conn.in_transaction());
    BOOST_TEST(db.text("SELECT to_regclass('cassiopeia.t') IS NULL") == "t");
    {
        pq::Transaction tx{db.conn};
        (void)db.conn.exec("CREATE TABLE cassiopeia.t (b bytea)");
        (void)db.conn.exec("INSERT INTO cassiopeia.t VALUES ($1)", {pq::Param::bytea(bytes)});
        tx.commit();
    }
    BOOST_TEST(db.conn.exec("SELECT b FROM cassiopeia.t").bytea(0, 0) == bytes,
               boost::test_tools::per_element());
    BOOST_TEST(db.scalar("SELECT length(b) FROM cassiopeia.t") == 256);
    // A failed statement poisons the block; commit() says so instead of silently rolling back.
    pq::Transaction tx{db.conn};
    (void)expect_pq_error([&] { (void)db.conn.exec("SELECT 1/0"); });
    (void)expect_pq_error([&] { tx.commit(); });
    BOOST_TEST(!db.conn.in_transaction());
}

BOOST_AUTO_TEST_CASE(a_terminated_backend_is_a_connection_error) {
    Db db;
    auto victim = pq::Connection::open(test_conninfo());
    (void)db.conn.exec("SELECT pg_terminate_backend($1)",
                       {pq::Param::integer(victim.backend_pid())});
    // The backend may need a moment to go; the first query after it fails as a connection loss.
    bool lost = false;
    for (int i = 0; i < 50 && !lost; ++i) {
        try {
            (void)victim.exec("SELECT 1");
            std::this_thread::sleep_for(20ms);
        } catch (const pq::PqError& e) {
            BOOST_TEST(pq::is_connection_error(e), e.what());
            lost = true;
        }
    }
    BOOST_TEST(lost);
    BOOST_TEST(!victim.ok());
    cc::JobQueue q{victim, {}};
    const auto e = expect_pq_error([&] { (void)q.claim_next("w"); });
    BOOST_TEST(pq::is_connection_error(e));
}

BOOST_AUTO_TEST_SUITE_END()
