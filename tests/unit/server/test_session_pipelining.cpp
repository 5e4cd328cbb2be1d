// Tests of session.hpp with a pipelining client and group commit (docs/protocol.md §5.1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Up to eight results wait for logSaved and are released in any order; the signs of one read
// of the line are signed in one batch; every reply comes in arrival order.
#include "session.hpp"
#include "session_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

// NOLINTNEXTLINE(google-build-using-namespace): test file
using namespace cassiopeia::test::session;

namespace {

constexpr size_t capacity = lr::limits::max_waiting_results;

std::string id_of(size_t n) {
    return "cli:" + std::to_string(100 + n);
}

/** Sends one whole sign request; returns the counter of its `sign`. */
uint16_t send_sign(Fixture& f, const std::string& id, const std::string& san = "a@example.org") {
    send_sign_setup(f, id, san);
    return f.client.last_counter();
}

/** The certificate FixedServices issues for `id`. */
std::vector<uint8_t> cert_of(const std::string& id) {
    std::vector<uint8_t> cert{0x30, 0x03, 0x02, 0x01, 0x01};
    cert.insert(cert.end(), id.begin(), id.end());
    return cert;
}

lr::Message receive_set_log(Fixture& f, uint16_t counter) {
    auto m = f.receive();
    BOOST_TEST(m.command == static_cast<uint16_t>(lr::Reply::set_log));
    BOOST_TEST(m.counter == counter);
    return m;
}

/** Sends logSaved for `log` and checks that it releases the certificate of `id`. */
void release(Fixture& f, const lr::Message& log, const std::string& id) {
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    const auto cert = f.receive();
    BOOST_TEST(cert.command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(cert.counter == f.client.last_counter());
    BOOST_TEST(cert.payload == cert_of(id), boost::test_tools::per_element());
    const auto ca = f.receive();
    BOOST_TEST(ca.command == static_cast<uint16_t>(lr::Reply::signing_ca));
    BOOST_TEST(ca.counter == f.client.last_counter());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipelining)

BOOST_AUTO_TEST_CASE(eight_signs_back_to_back_are_released_in_reverse_order) {
    Fixture f;
    std::vector<uint16_t> counters;
    for (size_t i = 0; i < capacity; ++i) {
        counters.push_back(send_sign(f, id_of(i)));
    }
    std::vector<lr::Message> logs;
    for (size_t i = 0; i < capacity; ++i) {
        logs.push_back(receive_set_log(f, counters[i]));
    }
    for (size_t i = capacity; i-- > 0;) {
        release(f, logs[i], id_of(i));
    }
    BOOST_TEST(f.services.signatures.load() == static_cast<int>(capacity));
    // Every result was released: nothing waits any more.
    f.send(lr::Command::log_saved, sha256_hex(logs[0].payload));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
}

BOOST_AUTO_TEST_CASE(a_ninth_sign_with_eight_waiting_is_refused_without_signing) {
    Fixture f;
    std::vector<lr::Message> logs;
    for (size_t i = 0; i < capacity; ++i) {
        const auto counter = send_sign(f, id_of(i));
        logs.push_back(receive_set_log(f, counter));
    }
    const auto ninth = send_sign(f, id_of(capacity));
    const auto refused = f.receive();
    BOOST_TEST(Fixture::error_code_of(refused) == "bad_request");
    BOOST_TEST(refused.counter == ninth);
    BOOST_TEST(f.services.signatures.load() == static_cast<int>(capacity));
    // Once one result is released, the same request is signed.
    release(f, logs[3], id_of(3));
    const auto again = send_sign(f, id_of(capacity));
    release(f, receive_set_log(f, again), id_of(capacity));
    BOOST_TEST(f.services.signatures.load() == static_cast<int>(capacity) + 1);
}

BOOST_AUTO_TEST_CASE(a_wrong_hash_with_results_waiting_releases_none) {
    Fixture f;
    const auto c1 = send_sign(f, id_of(1));
    const auto c2 = send_sign(f, id_of(2));
    const auto log1 = receive_set_log(f, c1);
    const auto log2 = receive_set_log(f, c2);
    f.send(lr::Command::log_saved, std::string(64, 'f'));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::log_saved, sha256_hex(log2.payload).substr(1));  // one digit short
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    release(f, log2, id_of(2));
    release(f, log1, id_of(1));
}

BOOST_AUTO_TEST_CASE(time_and_status_between_sign_and_log_saved_keep_the_result) {
    Fixture f;
    const auto sign = send_sign(f, id_of(1));
    f.send(lr::Command::get_timestamp);
    const auto time = f.client.last_counter();
    f.send(lr::Command::get_status_report);
    const auto status = f.client.last_counter();
    const auto log = receive_set_log(f, sign);
    const auto m1 = f.receive();
    BOOST_TEST(m1.command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    BOOST_TEST(m1.counter == time);
    const auto m2 = f.receive();
    BOOST_TEST(m2.command == static_cast<uint16_t>(lr::Reply::status_report));
    BOOST_TEST(m2.counter == status);
    release(f, log, id_of(1));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(group_commit)

BOOST_AUTO_TEST_CASE(signs_read_together_are_signed_in_one_batch_and_answered_in_order) {
    Fixture f;
    f.hold_input();
    std::vector<uint16_t> counters;
    for (size_t i = 0; i < 5; ++i) {
        counters.push_back(send_sign(f, id_of(i)));
    }
    f.release_input();
    std::vector<lr::Message> logs;
    for (size_t i = 0; i < counters.size(); ++i) {
        logs.push_back(receive_set_log(f, counters[i]));
    }
    BOOST_TEST(f.services.batch_sizes() == std::vector<size_t>{5},
               boost::test_tools::per_element());
    for (size_t i = 0; i < logs.size(); ++i) {
        release(f, logs[i], id_of(i));
    }
}

BOOST_AUTO_TEST_CASE(a_time_request_behind_signs_is_answered_in_arrival_order) {
    Fixture f;
    f.hold_input();
    const auto a = send_sign(f, id_of(1));
    const auto b = send_sign(f, id_of(2));
    f.send(lr::Command::get_timestamp);
    const auto time = f.client.last_counter();
    const auto c = send_sign(f, id_of(3));
    f.release_input();
    const auto log_a = receive_set_log(f, a);
    const auto log_b = receive_set_log(f, b);
    const auto t = f.receive();
    BOOST_TEST(t.command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    BOOST_TEST(t.counter == time);
    const auto log_c = receive_set_log(f, c);
    // The time request closed the first batch: the signs before it, then the one after it.
    BOOST_TEST(f.services.batch_sizes() == (std::vector<size_t>{2, 1}),
               boost::test_tools::per_element());
    release(f, log_c, id_of(3));
    release(f, log_a, id_of(1));
    release(f, log_b, id_of(2));
}

BOOST_AUTO_TEST_CASE(a_batch_stops_at_the_waiting_cap_and_the_ninth_sign_is_refused) {
    Fixture f;
    f.hold_input();
    std::vector<uint16_t> counters;
    for (size_t i = 0; i <= capacity; ++i) {
        counters.push_back(send_sign(f, id_of(i)));
    }
    f.release_input();
    for (size_t i = 0; i < capacity; ++i) {
        (void)receive_set_log(f, counters[i]);
    }
    const auto refused = f.receive();
    BOOST_TEST(Fixture::error_code_of(refused) == "bad_request");
    BOOST_TEST(refused.counter == counters[capacity]);
    BOOST_TEST(f.services.batch_sizes() == std::vector<size_t>{capacity},
               boost::test_tools::per_element());
    BOOST_TEST(f.services.signatures.load() == static_cast<int>(capacity));
}

BOOST_AUTO_TEST_CASE(a_refused_sign_in_a_batch_is_answered_in_its_place) {
    Fixture f;
    f.hold_input();
    const auto a = send_sign(f, "cli:9", "a@example.org");
    const auto b = send_sign(f, "cli:9", "b@example.org");  // the same id, another request
    const auto c = send_sign(f, "cli:10", "a@example.org");
    f.release_input();
    const auto log_a = receive_set_log(f, a);
    const auto refused = f.receive();
    BOOST_TEST(Fixture::error_code_of(refused) == "request_mismatch");
    BOOST_TEST(refused.counter == b);
    const auto log_c = receive_set_log(f, c);
    BOOST_TEST(f.services.batch_sizes() == std::vector<size_t>{3},
               boost::test_tools::per_element());
    release(f, log_c, "cli:10");
    release(f, log_a, "cli:9");
}

BOOST_AUTO_TEST_CASE(the_end_of_the_session_drops_an_unsigned_batch) {
    Fixture f;
    f.hold_input();
    (void)send_sign(f, id_of(1));
    (void)send_sign(f, id_of(2));
    f.client.close();  // close_notify in the same read as the signs
    f.release_input();
    // A new session is served after the old input: nothing of the old one was signed.
    BOOST_REQUIRE(!f.client.connect());
    f.send(lr::Command::get_timestamp);
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    BOOST_TEST(f.services.signatures.load() == 0);
    BOOST_TEST(f.services.batch_sizes().empty());
}

BOOST_AUTO_TEST_SUITE_END()
