// Tests of how the link machines recover from a broken session (docs/protocol.md §2): the signer
// tells the client at once with RESET (rate-limited, never lost), announces itself when it opens
// its line, and a frame lost inside a session ends it on both sides.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "link_pair.hpp"

#include <librecord/errors.hpp>
#include <librecord/link_machine.hpp>

#include <boost/test/unit_test.hpp>

#include <vector>

namespace lr = librecord;
using cassiopeia::test::link_client_name;
using cassiopeia::test::link_files;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;
using namespace cassiopeia::test::link_pair;

namespace {

/** The frame types in `writes`, in order. */
std::vector<lr::FrameType> types_of(const std::vector<lr::LinkWrite>& writes) {
    std::vector<lr::FrameType> out;
    for (const auto& f : frames_of(writes)) {
        out.push_back(f.type);
    }
    return out;
}

bool has_reset(const std::vector<lr::LinkWrite>& writes) {
    const auto t = types_of(writes);
    return std::find(t.begin(), t.end(), lr::FrameType::reset) != t.end();
}

/** `writes` with the last byte of each DATA body flipped and the frames re-encoded (valid CRC). */
Bytes break_tls_records(const std::vector<lr::LinkWrite>& writes) {
    Bytes out;
    for (auto f : frames_of(writes)) {
        if (f.type == lr::FrameType::data && !f.body.empty()) {
            f.body.back() ^= 0x01U;
        }
        const auto wire = frame(f.type, f.body);
        out.insert(out.end(), wire.begin(), wire.end());
    }
    return out;
}

/** The client's only event, which must be LinkEnded; its reason. */
std::error_code client_ended(lr::ClientLinkMachine& client) {
    const auto e = client.next_event();
    BOOST_REQUIRE((e && is<lr::LinkEnded>(*e)));
    return std::get<lr::LinkEnded>(*e).why;
}

/** A signer that got a HELLO at `t0` and is in its TLS handshake. */
void start_handshake(lr::ServerLinkMachine& server, lr::LinkTime t0) {
    server.receive(frame(lr::FrameType::hello, Bytes{1, 1, 2, 3, 4, 5, 6, 7, 8}), t0);
    while (server.next_event()) {
    }
    BOOST_REQUIRE(
        (types_of(server.take_output()) == std::vector<lr::FrameType>{lr::FrameType::hello_ack}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_recovery_signer)

BOOST_AUTO_TEST_CASE(a_tls_failure_sends_reset_and_the_client_ends_without_waiting) {
    Pair p;
    p.connect();
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'x'}));
    p.server.receive(break_tls_records(p.client.take_output()), p.now);  // CRC fine, MAC not
    p.drain_server();
    BOOST_TEST(p.server_count<lr::LinkEnded>() == 1U);
    const auto out = p.server.take_output();
    BOOST_REQUIRE(has_reset(out));
    BOOST_TEST(p.server.stats().resets == 1U);
    BOOST_TEST(p.server.stats().failures == 1U);
    p.client.await_message(p.now);
    p.client.receive(wire_of(out), p.now);  // no tick: the deadline is 30 s away
    BOOST_TEST(client_ended(p.client) == lr::Errc::link_reset);
    BOOST_TEST(p.client.stats().resets == 1U);
    p.connect();  // and a new session works at once
}

BOOST_AUTO_TEST_CASE(a_failed_handshake_sends_reset) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    start_handshake(server, t0);
    server.receive(frame(lr::FrameType::data, Bytes(64, 0x16)), t0);  // not a ClientHello
    while (server.next_event()) {
    }
    BOOST_TEST(has_reset(server.take_output()));
    BOOST_TEST(server.stats().failures == 1U);
    BOOST_TEST(!server.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(the_handshake_deadline_sends_reset) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    start_handshake(server, t0);
    server.tick(t0 + 59s);
    BOOST_TEST(!has_reset(server.take_output()));
    server.tick(t0 + 60s);
    BOOST_TEST(has_reset(server.take_output()));
}

BOOST_AUTO_TEST_CASE(a_reset_owed_inside_the_second_goes_out_when_it_is_over) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    server.announce(t0);  // the RESET of this second
    BOOST_REQUIRE(has_reset(server.take_output()));
    start_handshake(server, t0 + 100ms);
    server.receive(frame(lr::FrameType::data, Bytes(64, 0x16)), t0 + 200ms);
    while (server.next_event()) {
    }
    BOOST_TEST(!has_reset(server.take_output()));     // at most one a second (§2)...
    BOOST_TEST((server.next_deadline() == t0 + 1s));  // ...but the machine wakes for it
    server.tick(t0 + 999ms);
    BOOST_TEST(!has_reset(server.take_output()));
    server.tick(t0 + 1s);
    BOOST_TEST(
        (types_of(server.take_output()) == std::vector<lr::FrameType>{lr::FrameType::reset}));
    BOOST_TEST(server.stats().resets == 1U);  // the announcement is not counted
    BOOST_TEST(!server.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(a_hello_cancels_an_owed_reset) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    server.announce(t0);
    (void)server.take_output();
    start_handshake(server, t0 + 100ms);
    server.tick(t0 + 61s);  // deadline: a RESET is sent (the last one is a minute old)
    BOOST_REQUIRE(has_reset(server.take_output()));
    start_handshake(server, t0 + 61s + 100ms);
    server.receive(frame(lr::FrameType::data, Bytes(64, 0x16)), t0 + 61s + 200ms);
    while (server.next_event()) {
    }
    BOOST_REQUIRE(!has_reset(server.take_output()));
    BOOST_REQUIRE(server.next_deadline().has_value());
    // Owed; then the client starts over: the RESET would end its new session.
    start_handshake(server, t0 + 61s + 300ms);
    server.tick(t0 + 63s);
    BOOST_TEST(!has_reset(server.take_output()));
}

BOOST_AUTO_TEST_CASE(frames_dropped_with_no_session_send_nothing) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    auto noise = frame(lr::FrameType::data, Bytes{1, 2, 3});
    noise[2] ^= 0x01U;  // bad CRC
    for (int i = 0; i < 5; ++i) {
        server.receive(noise, t0 + std::chrono::seconds(2 * i));
        BOOST_TEST(!server.next_event().has_value());
        server.tick(t0 + std::chrono::seconds(2 * i));
        BOOST_TEST(server.take_output().empty());
        BOOST_TEST(!server.next_deadline().has_value());
    }
    BOOST_TEST(server.stats().frames_dropped == 5U);
    BOOST_TEST(server.stats().resets == 0U);
    BOOST_TEST(server.stats().failures == 0U);
}

BOOST_AUTO_TEST_CASE(a_frame_dropped_in_a_handshake_ends_it_with_reset) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    start_handshake(server, t0);
    auto noise = frame(lr::FrameType::data, Bytes{1, 2, 3});
    noise[2] ^= 0x01U;
    server.receive(noise, t0);
    while (server.next_event()) {
    }
    BOOST_TEST(has_reset(server.take_output()));
    BOOST_TEST(!server.next_deadline().has_value());  // the handshake is gone
}

BOOST_AUTO_TEST_CASE(lines_before_a_dropped_frame_are_still_handled) {
    Pair p;
    p.connect();
    p.echo = false;
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'1'}));
    auto wire = wire_of(p.client.take_output());
    auto noise = frame(lr::FrameType::data, Bytes{1, 2, 3});
    noise[2] ^= 0x01U;
    wire.insert(wire.end(), noise.begin(), noise.end());
    p.server.receive(wire, p.now);
    p.drain_server();
    BOOST_TEST(p.server_count<lr::LinkLine>() == 1U);
    BOOST_TEST(p.server_count<lr::LinkEnded>() == 1U);
    BOOST_TEST(is<lr::LinkEnded>(p.server_events.back()));
}

BOOST_AUTO_TEST_CASE(announce_writes_end_and_reset_and_ends_a_client_session) {
    Pair p;
    p.connect();
    lr::ServerLinkMachine restarted(p.server_creds, {link_client_name}, options());
    restarted.announce(p.now);
    const auto out = restarted.take_output();
    BOOST_REQUIRE(!out.empty());
    BOOST_TEST((out.front().wire == Bytes{lr::slip::end}));
    BOOST_TEST((types_of(out) == std::vector<lr::FrameType>{lr::FrameType::reset}));
    BOOST_TEST(restarted.stats().resets == 0U);  // an announcement, not a fault
    p.client.await_message(p.now);
    p.client.receive(wire_of(out), p.now);
    BOOST_TEST(client_ended(p.client) == lr::Errc::link_reset);
    // DATA of the old session right after the announce: no second RESET inside the second.
    restarted.receive(frame(lr::FrameType::data, Bytes{1, 2, 3}), p.now + 500ms);
    while (restarted.next_event()) {
    }
    BOOST_TEST(restarted.take_output().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(link_recovery_client)

BOOST_AUTO_TEST_CASE(a_dropped_reply_frame_ends_the_session_at_once) {
    Pair p;
    p.connect();
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes(100, 'y')));
    p.server.receive(wire_of(p.client.take_output()), p.now);
    p.drain_server();
    auto wire = wire_of(p.server.take_output());
    wire[wire.size() / 2] ^= 0x01U;
    p.client.await_message(p.now);
    p.client.receive(wire, p.now);
    BOOST_TEST(client_ended(p.client) == lr::Errc::link_reset);
    BOOST_TEST(p.client.stats().frames_dropped == 1U);
    BOOST_TEST(p.client.stats().failures == 1U);
    BOOST_TEST(!p.client.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(a_dropped_frame_in_the_handshake_ends_the_attempt) {
    Pair p;
    p.client.connect(p.now);
    p.server.receive(wire_of(p.client.take_output()), p.now);
    p.drain_server();
    auto wire = wire_of(p.server.take_output());  // HELLO_ACK
    auto noise = frame(lr::FrameType::data, Bytes{1, 2, 3});
    noise[2] ^= 0x01U;
    wire.insert(wire.end(), noise.begin(), noise.end());
    p.client.receive(wire, p.now);
    BOOST_TEST(client_ended(p.client) == lr::Errc::link_reset);
}

BOOST_AUTO_TEST_CASE(dropped_frames_and_resets_before_the_hello_ack_change_nothing) {
    Pair p;
    p.client.connect(p.now);
    auto noise = frame(lr::FrameType::data, Bytes{1, 2, 3});
    noise[2] ^= 0x01U;
    auto stale = frame(lr::FrameType::reset, {});
    noise.insert(noise.end(), stale.begin(), stale.end());
    p.client.receive(noise, p.now);
    BOOST_TEST(!p.client.next_event().has_value());
    BOOST_TEST(p.client.stats().frames_dropped == 1U);
    p.shuttle();  // the HELLO goes out, its HELLO_ACK comes back
    BOOST_TEST(p.client.connected());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(link_stats_summary)

BOOST_AUTO_TEST_CASE(at_most_one_line_a_minute_and_none_without_news) {
    lr::LinkStatsSummary summary;
    const auto t0 = lr::LinkTime{} + 24h;
    lr::LinkStats s;
    BOOST_TEST(!summary.take(s, t0).has_value());
    s.frames_dropped = 3;
    BOOST_TEST(summary.take(s, t0).has_value());
    s.frames_dropped = 9;
    s.resets = 2;
    BOOST_TEST(!summary.take(s, t0 + 59s).has_value());
    BOOST_TEST(summary.take(s, t0 + 60s).has_value());
    BOOST_TEST(!summary.take(s, t0 + 200s).has_value());  // nothing new
}

BOOST_AUTO_TEST_SUITE_END()
