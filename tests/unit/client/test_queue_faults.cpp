// Tests of the queue's fault handling against a real PostgreSQL: a row the WebDB refuses fails
// that job alone, database errors are told apart, and the lease keeper renews a job's lease.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "lease_keeper.hpp"
#include "pq/pq.hpp"
#include "webdb/job_queue.hpp"
#include "webdb_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <thread>

namespace cc = cassiopeia::client;
namespace pq = cassiopeia::client::pq;
using namespace std::chrono_literals;
// NOLINTNEXTLINE(google-build-using-namespace): the shared fixture (webdb_fixture.hpp)
using namespace webdb_test;

namespace {

/// A certificate job written around the request functions, with `sans` as given.
int64_t raw_cert_job(Db& db, const std::string& sans) {
    const auto id =
        db.scalar("INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate') RETURNING id");
    (void)db.conn.exec(
        "INSERT INTO cassiopeia.certificate_requests (job_id, csr, profile, sans)"
        " VALUES ($1, 'csr', 'client', $2::text[])",
        {pq::Param::integer(id), pq::Param{sans}});
    return id;
}

std::string last_error(Db& db, int64_t id) {
    return db.text("SELECT last_error FROM cassiopeia.job_status WHERE job_id = $1",
                   {pq::Param::integer(id)});
}

/// Polls until `f` is true or `limit` passes.
template <class F>
bool eventually(F&& f, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!f()) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(queue_fault_helpers)

BOOST_AUTO_TEST_CASE(ascii_message_escapes_every_byte_a_database_might_refuse) {
    BOOST_TEST(cc::ascii_message("plain text: 22021") == "plain text: 22021");
    BOOST_TEST(cc::ascii_message("a\xC3,\xFF\n\\") == "a\\xC3,\\xFF\\x0A\\x5C");
    BOOST_TEST(cc::ascii_message("").empty());
}

BOOST_AUTO_TEST_CASE(client_codes_have_their_stored_words) {
    BOOST_TEST(cc::JobErrorCode{cc::ClientErrorCode::webdb_data}.text() == "webdb_data");
    BOOST_TEST(cc::JobErrorCode{cc::ClientErrorCode::webdb_busy}.text() == "webdb_busy");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(webdb_faults, *boost::unit_test::label("webdb"))

BOOST_AUTO_TEST_CASE(a_row_the_array_reader_refuses_fails_alone_and_the_next_job_is_claimed) {
    Db db;
    const auto nested = raw_cert_job(db, "{{a,b},{c,d}}");
    const auto with_null = raw_cert_job(db, "{a,NULL}");
    const auto good = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    BOOST_TEST(j->id == good);
    for (const auto bad : {nested, with_null}) {
        BOOST_TEST(db.state(bad) == "failed");
        BOOST_TEST(db.attempts(bad) == 1);
        BOOST_TEST(last_error(db, bad).starts_with("webdb_data "));
    }
    BOOST_TEST(db.state(good) == "running");
    BOOST_TEST(!db.conn.in_transaction());
    BOOST_TEST(!q.claim_next("w").has_value());
}

BOOST_AUTO_TEST_CASE(a_data_error_is_neither_an_outage_nor_transient) {
    Db db;
    // An encoding the database refuses (SQLSTATE 22021), as a signer message cut inside a
    // UTF-8 character would be.
    const auto e = expect_pq_error(
        [&] { (void)db.conn.exec("SELECT $1::text", {pq::Param{std::string{"a\xC3,x"}}}); });
    BOOST_TEST(e.sqlstate() == "22021");
    BOOST_TEST(!pq::is_connection_error(e));
    BOOST_TEST(!pq::is_transient_error(e));
    BOOST_TEST(db.conn.ok());
    // A failed write of the job's outcome leaves it held, so it can still be failed alone.
    const auto id = db.request_cert();
    cc::JobQueue q{db.conn, {}};
    const auto j = q.claim_next("w");
    BOOST_REQUIRE(j.has_value());
    (void)expect_pq_error(
        [&] { (void)q.fail(*j, librecord::ErrorCode::ava_not_allowed, std::string{"aaa\xC3"}); });
    BOOST_TEST(db.state(id) == "running");
    BOOST_TEST(q.fail(*j, cc::ClientErrorCode::webdb_data, cc::ascii_message(e.what())));
    BOOST_TEST(db.state(id) == "failed");
    BOOST_TEST(last_error(db, id).starts_with("webdb_data "));
}

BOOST_AUTO_TEST_CASE(a_lock_not_available_is_transient) {
    Db db;
    const auto id = db.request_cert();
    auto other = pq::Connection::open(test_conninfo());
    pq::Transaction tx{other};
    (void)other.exec("SELECT 1 FROM cassiopeia.jobs WHERE id = $1 FOR UPDATE",
                     {pq::Param::integer(id)});
    const auto e = expect_pq_error([&] {
        (void)db.conn.exec("SELECT 1 FROM cassiopeia.jobs WHERE id = $1 FOR UPDATE NOWAIT",
                           {pq::Param::integer(id)});
    });
    BOOST_TEST(e.sqlstate() == "55P03");
    BOOST_TEST(pq::is_transient_error(e));
    BOOST_TEST(!pq::is_connection_error(e));
}

BOOST_AUTO_TEST_CASE(the_keeper_renews_a_job_in_hand_and_stops_when_it_ends) {
    Db db;
    const auto id = db.request_cert();
    const cc::QueueOptions options{.max_attempts = 5, .lease = 1s};
    cc::JobQueue mine{db.conn, options};
    auto other_conn = pq::Connection::open(test_conninfo());
    cc::JobQueue other{other_conn, options};
    cc::LeaseKeeper keeper{test_conninfo(), options};
    const auto j = mine.claim_next("slow");
    BOOST_REQUIRE(j.has_value());
    {
        const auto lease = keeper.keep(*j);
        // Three leases long: without renewals the job would be due again after one.
        const auto until = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < until) {
            BOOST_TEST_REQUIRE(!other.claim_next("thief").has_value());
            std::this_thread::sleep_for(100ms);
        }
        BOOST_TEST(keeper.renewals() >= 5U);
    }
    // The job ended (its Hold is gone): no more renewals, so the lease runs out.
    const auto renewed = keeper.renewals();
    std::optional<cc::Job> taken;
    BOOST_TEST(eventually([&] { return (taken = other.claim_next("next")).has_value(); }, 5s));
    BOOST_REQUIRE(taken.has_value());
    BOOST_TEST(taken->id == id);
    BOOST_TEST(taken->attempt == 2);
    BOOST_TEST(keeper.renewals() == renewed);
}

BOOST_AUTO_TEST_CASE(the_keeper_renews_every_job_of_a_window_until_each_ends) {
    Db db;
    const auto first = db.request_cert();
    const auto second = db.request_cert();
    const cc::QueueOptions options{.max_attempts = 5, .lease = 1s};
    cc::JobQueue mine{db.conn, options};
    auto other_conn = pq::Connection::open(test_conninfo());
    cc::JobQueue other{other_conn, options};
    cc::LeaseKeeper keeper{test_conninfo(), options};
    const auto jobs = mine.claim_batch("window", 2);
    BOOST_REQUIRE(jobs.size() == 2U);
    std::optional<cc::LeaseKeeper::Hold> hold_first{keeper.keep(jobs[0])};
    const auto hold_second = keeper.keep(jobs[1]);
    // Three leases long: both stay held while both Holds live.
    auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
        BOOST_TEST_REQUIRE(!other.claim_next("thief").has_value());
        std::this_thread::sleep_for(100ms);
    }
    // The first ends; the second is still renewed, so only the first can be taken.
    hold_first.reset();
    std::optional<cc::Job> taken;
    BOOST_TEST(eventually([&] { return (taken = other.claim_next("next")).has_value(); }, 5s));
    BOOST_REQUIRE(taken.has_value());
    BOOST_TEST(taken->id == first);
    until = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < until) {
        // The first job may expire again (nobody renews it now); the second never does.
        const auto stolen = other.claim_next("thief");
        BOOST_TEST_REQUIRE((!stolen || stolen->id != second));
        std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(db.state(second) == "running");  // still the window's
}

BOOST_AUTO_TEST_CASE(the_keeper_never_renews_a_lease_another_worker_took) {
    Db db;
    const auto id = db.request_cert();
    const cc::QueueOptions options{.max_attempts = 5, .lease = 1s};
    cc::JobQueue q{db.conn, options};
    cc::LeaseKeeper keeper{test_conninfo(), options};
    const auto j = q.claim_next("first");
    BOOST_REQUIRE(j.has_value());
    const auto lease = keeper.keep(*j);
    BOOST_TEST(eventually([&] { return keeper.renewals() >= 1; }, 5s));
    (void)db.conn.exec(
        "UPDATE cassiopeia.jobs SET worker = 'second', heartbeat = now() - '1h'::interval"
        " WHERE id = $1",
        {pq::Param::integer(id)});
    std::this_thread::sleep_for(1500ms);
    BOOST_TEST(db.scalar("SELECT extract(epoch FROM now() - heartbeat)::bigint FROM"
                         " cassiopeia.jobs WHERE id = $1",
                         {pq::Param::integer(id)}) >= 3000);
}

BOOST_AUTO_TEST_CASE(the_keeper_survives_an_unreachable_database) {
    const cc::QueueOptions options{.max_attempts = 5, .lease = 1s};
    cc::Job job;
    job.id = 1;
    job.attempt = 1;
    job.worker = "w";
    cc::LeaseKeeper keeper{"host=/nonexistent-cassiopeia-socket-dir connect_timeout=1", options};
    {
        const auto lease = keeper.keep(job);
        std::this_thread::sleep_for(800ms);
    }
    BOOST_TEST(keeper.renewals() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
