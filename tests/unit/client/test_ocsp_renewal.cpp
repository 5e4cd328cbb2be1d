// OCSP responder certificates in the WebDB (sql/004_ocsp.sql) and their renewal by the queue
// daemon (webdb/ocsp_renewal.hpp), against a real PostgreSQL (label webdb).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "webdb/job_queue.hpp"
#include "webdb/ocsp_renewal.hpp"
#include "webdb_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

namespace cc = cassiopeia::client;
namespace pq = cassiopeia::client::pq;
// NOLINTNEXTLINE(google-build-using-namespace): the shared fixture (webdb_fixture.hpp)
using namespace webdb_test;

namespace {

constexpr std::chrono::seconds ten_days{864000};
using Action = cc::OcspRenewal::Action;

int64_t request_ocsp(Db& db, const std::string& ca = "server_2026_2") {
    return db.scalar(
        "SELECT cassiopeia.request_ocsp_certificate('-----BEGIN CERTIFICATE REQUEST-----', $1,"
        " ARRAY['CN,Responder'], ARRAY['2026-01-01T00:00:00Z,names,1,name=Responder'],"
        " '20d', 'sha384')",
        {pq::Param{ca}});
}

/** Claims the next job and completes it with a certificate valid from `from` to `to`
 * (SQL interval expressions relative to now()). */
void issue(Db& db, const std::string& serial, const std::string& from, const std::string& to) {
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    const auto at = [&db](const std::string& when) {
        return db.text("SELECT to_char((now() + interval '" + when +
                       "') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    };
    BOOST_REQUIRE(
        q.complete_certificate(*j, pem, serial, "server_2026_2", at(from), at(to), "log"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ocsp_responders, *boost::unit_test::label("webdb"))

BOOST_AUTO_TEST_CASE(a_request_names_its_ca_instead_of_a_profile) {
    Db db;
    const auto id = request_ocsp(db);
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->id == id);
    const auto& in = std::get<cc::CertificateJob>(j->input);
    BOOST_TEST(in.ocsp_ca == "server_2026_2");
    BOOST_TEST(in.profile.empty());
    BOOST_TEST(in.hash == "sha384");
    BOOST_TEST(in.valid_to.value_or("") == "20d");
    // A request names one of the two, never both or neither.
    (void)expect_pq_error([&db] {
        (void)db.conn.exec("SELECT cassiopeia.request_ocsp_certificate('x', NULL, '{}', '{}')");
    });
    (void)expect_pq_error([&db, id] {
        (void)db.conn.exec(
            "UPDATE cassiopeia.certificate_requests SET profile = 'ocsp' WHERE job_id = $1",
            {pq::Param::integer(id)});
    });
    (void)expect_pq_error([&db, id] {
        (void)db.conn.exec(
            "UPDATE cassiopeia.certificate_requests SET ocsp_ca = NULL WHERE job_id = $1",
            {pq::Param::integer(id)});
    });
}

BOOST_AUTO_TEST_CASE(renews_once_when_due_and_copies_the_last_request) {
    Db db;
    // Nothing to copy yet.
    BOOST_TEST((cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days).action ==
                Action::no_request));
    const auto first = request_ocsp(db);
    BOOST_TEST(
        (cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days).action == Action::in_queue));
    issue(db, "0A01", "-2 hours", "30 days");
    const auto fresh = cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days);
    BOOST_TEST((fresh.action == Action::current));
    BOOST_TEST(fresh.not_after.has_value());
    // Due: one day left of the margin's ten.
    (void)db.conn.exec(
        "UPDATE cassiopeia.certificates SET not_before = now() - interval '29 days',"
        " not_after = now() + interval '1 day'");
    const auto due = cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days);
    BOOST_REQUIRE((due.action == Action::queued));
    BOOST_REQUIRE(due.new_job.has_value());
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.certificate_requests a"
                         " JOIN cassiopeia.certificate_requests b ON a.job_id = $1 AND"
                         " b.job_id = $2 WHERE (a.csr, a.ocsp_ca, a.avas, a.proofs, a.valid_to,"
                         " a.hash) IS NOT DISTINCT FROM (b.csr, b.ocsp_ca, b.avas, b.proofs,"
                         " b.valid_to, b.hash) AND b.profile IS NULL",
                         {pq::Param::integer(first), pq::Param::integer(*due.new_job)}) == 1);
    // Queued once: the open job holds the next check back; another CA is not affected.
    BOOST_TEST(
        (cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days).action == Action::in_queue));
    BOOST_TEST((cc::renew_ocsp_responder(db.conn, "client_2026_2", ten_days).action ==
                Action::no_request));
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.jobs") == 2);
}

BOOST_AUTO_TEST_CASE(a_failed_renewal_and_a_new_certificate_hold_it_back_for_an_hour) {
    Db db;
    (void)request_ocsp(db);
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_REQUIRE(q.fail(*j, librecord::ErrorCode::proof_stale, "old proof"));
    BOOST_TEST(
        (cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days).action == Action::held_back));
    db.conn.exec_script(
        "ALTER TABLE cassiopeia.jobs DISABLE TRIGGER jobs_touch;"
        " UPDATE cassiopeia.jobs SET updated = now() - interval '2 hours';"
        " ALTER TABLE cassiopeia.jobs ENABLE TRIGGER jobs_touch");
    BOOST_TEST(
        (cc::renew_ocsp_responder(db.conn, "server_2026_2", ten_days).action == Action::queued));
    // A certificate issued just now is not renewed again, even with a margin beyond its life.
    issue(db, "0A02", "0 seconds", "1 day");
    const auto r = cc::renew_ocsp_responder(db.conn, "server_2026_2", std::chrono::hours(24 * 60));
    BOOST_TEST((r.action == Action::held_back));
    BOOST_TEST(db.scalar("SELECT count(*) FROM cassiopeia.jobs") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
