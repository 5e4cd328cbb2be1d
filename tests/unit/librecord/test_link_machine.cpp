// Tests of librecord/link_machine.hpp: both link machines on a fake clock, bytes shuttled in
// memory (no line, no threads, no sleeps).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "link_pair.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/serial_channel.hpp>
#include <librecord/link_machine.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace lr = librecord;
using cassiopeia::test::link_client_name;
using cassiopeia::test::link_files;
using cassiopeia::test::link_server_name;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;
using namespace cassiopeia::test::link_pair;

BOOST_AUTO_TEST_SUITE(link_machine_client)

BOOST_AUTO_TEST_CASE(hello_backs_off_from_half_a_second_to_ten_and_gives_up_at_the_deadline) {
    const lr::tls::Credentials creds(link_files("client"));
    lr::ClientLinkMachine client(creds, {link_server_name}, options(), counting_random());
    const auto t0 = lr::LinkTime{} + 24h;
    client.connect(t0);
    auto first = frames_of(client.take_output());
    BOOST_REQUIRE(first.size() == 1U);  // the leading END makes no frame
    BOOST_TEST(static_cast<int>(first[0].type) == static_cast<int>(lr::FrameType::hello));
    std::vector<lr::LinkTime> sent{t0};
    std::vector<Bytes> nonces{first[0].body};
    while (auto deadline = client.next_deadline()) {
        client.tick(*deadline);
        for (const auto& f : frames_of(client.take_output())) {
            BOOST_TEST(static_cast<int>(f.type) == static_cast<int>(lr::FrameType::hello));
            sent.push_back(*deadline);
            nonces.push_back(f.body);
        }
    }
    const std::vector<std::chrono::milliseconds> expected{
        500ms, 1s, 2s, 4s, 8s, 10s, 10s, 10s, 10s};
    std::vector<std::chrono::milliseconds> gaps;
    for (size_t i = 1; i < sent.size(); ++i) {
        gaps.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(sent[i] - sent[i - 1]));
    }
    BOOST_TEST(gaps == expected, boost::test_tools::per_element());
    std::sort(nonces.begin(), nonces.end());
    BOOST_TEST((std::unique(nonces.begin(), nonces.end()) == nonces.end()));  // fresh each try
    const auto end = client.next_event();
    BOOST_REQUIRE(end.has_value());
    BOOST_REQUIRE(is<lr::LinkEnded>(*end));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::timed_out);
    BOOST_TEST(!client.connected());
}

BOOST_AUTO_TEST_CASE(a_hello_ack_with_another_nonce_is_ignored) {
    Pair p;
    p.client.connect(p.now);
    const auto hello = frames_of(p.client.take_output()).at(0);
    auto wrong = hello.body;
    wrong.back() ^= 0xFFU;
    p.client.receive(frame(lr::FrameType::hello_ack, wrong), p.now);
    BOOST_TEST(p.client.take_output().empty());               // no TLS handshake started
    BOOST_TEST((p.client.next_deadline() == p.now + 500ms));  // still waiting to retry HELLO
    p.client.receive(frame(lr::FrameType::hello_ack, hello.body), p.now);
    const auto out = frames_of(p.client.take_output());
    BOOST_REQUIRE(!out.empty());
    BOOST_TEST(static_cast<int>(out[0].type) == static_cast<int>(lr::FrameType::data));
    BOOST_TEST((p.client.next_deadline() == p.now + 60s));  // only the handshake deadline now
}

BOOST_AUTO_TEST_CASE(stale_bytes_before_the_matching_hello_ack_are_ignored) {
    Pair p;
    p.client.connect(p.now);
    const auto hello = frames_of(p.client.take_output()).at(0);
    Bytes stale(3000);
    for (size_t i = 0; i < stale.size(); ++i) {
        stale[i] = static_cast<uint8_t>((i * 131U) ^ 0x5AU);
    }
    for (const auto& f : {frame(lr::FrameType::reset, {}),
                          frame(lr::FrameType::data, Bytes(100, 0x17)),
                          frame(lr::FrameType::hello_ack, Bytes(9, 0x01))}) {
        stale.insert(stale.end(), f.begin(), f.end());
    }
    p.client.receive(stale, p.now);
    BOOST_TEST(!p.client.next_event().has_value());
    BOOST_TEST(p.client.take_output().empty());
    BOOST_TEST(p.client.stats().resets == 0U);
    // The matching ACK arrives behind more noise in the same read: the handshake starts.
    Bytes more = frame(lr::FrameType::data, Bytes(10, 0x42));
    const auto ack = frame(lr::FrameType::hello_ack, hello.body);
    more.insert(more.end(), ack.begin(), ack.end());
    p.client.receive(more, p.now);
    BOOST_TEST(!frames_of(p.client.take_output()).empty());
}

BOOST_AUTO_TEST_CASE(the_handshake_deadline_ends_a_silent_tls_handshake) {
    Pair p;
    p.client.connect(p.now);
    const auto hello = frames_of(p.client.take_output()).at(0);
    p.now += 3s;
    p.client.receive(frame(lr::FrameType::hello_ack, hello.body), p.now);
    (void)p.client.take_output();
    const auto deadline = p.client.next_deadline();
    BOOST_REQUIRE(deadline.has_value());
    BOOST_TEST((*deadline == p.now - 3s + 60s));  // counted from connect()
    p.client.tick(*deadline - 1ms);
    BOOST_TEST(!p.client.next_event().has_value());
    p.client.tick(*deadline);
    const auto end = p.client.next_event();
    BOOST_REQUIRE((end && is<lr::LinkEnded>(*end)));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::timed_out);
}

BOOST_AUTO_TEST_CASE(connects_and_exchanges_messages_in_memory) {
    Pair p;
    p.connect();
    BOOST_REQUIRE(p.client_events.size() == 1U);
    BOOST_TEST(is<lr::LinkConnected>(p.client_events[0]));
    BOOST_TEST(p.server_count<lr::LinkStarted>() == 1U);
    BOOST_TEST(p.client.session_id() == 0x090A0B0CU);        // after the 8 nonce bytes 1..8
    const Bytes big(lr::limits::max_request_payload, 0x61);  // two chunks each way
    BOOST_REQUIRE(!p.client.send(0x01, big));
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'x'}));
    p.shuttle();
    BOOST_REQUIRE(p.client_events.size() == 3U);
    const auto& first = std::get<lr::LinkMessage>(p.client_events[1]).message;
    const auto& second = std::get<lr::LinkMessage>(p.client_events[2]).message;
    BOOST_TEST(first.command == 0x1001U);
    BOOST_TEST(first.counter == 1U);
    BOOST_TEST(first.session == p.client.session_id());
    BOOST_TEST(first.payload == big, boost::test_tools::per_element());
    BOOST_TEST(second.counter == 2U);
    BOOST_TEST(p.client.last_counter() == 2U);
    BOOST_TEST(p.client.stats().sessions == 1U);
    BOOST_TEST(p.server.stats().sessions == 1U);
}

BOOST_AUTO_TEST_CASE(corked_commands_go_out_as_one_tls_record_and_arrive_as_each) {
    // Three commands sent one by one, then the same three corked: fewer bytes on the line,
    // the same three messages in order on the signer.
    const auto wire_of_three = [](bool corked) {
        Pair p;
        p.connect();
        if (corked) {
            p.client.cork();
        }
        BOOST_REQUIRE(!p.client.send(0x20, Bytes{'w', ':', '1'}));
        BOOST_REQUIRE(!p.client.send(0x11, Bytes{'c', 'l', 'i', 'e', 'n', 't'}));
        BOOST_REQUIRE(!p.client.send(0xC0, Bytes{}));
        if (corked) {
            BOOST_TEST(p.client.take_output().empty());  // held until uncork()
            BOOST_REQUIRE(!p.client.uncork());
        }
        const auto out = p.client.take_output();
        const size_t bytes = wire_of(out).size();
        p.server.receive(wire_of(out), p.now);
        p.drain_server();
        BOOST_TEST(p.server_count<lr::LinkLine>() == 3U);
        return bytes;
    };
    const size_t apart = wire_of_three(false);
    const size_t together = wire_of_three(true);
    BOOST_TEST(together + 2 * 22 <= apart);  // at least a TLS record's overhead saved per command
}

BOOST_AUTO_TEST_CASE(the_read_deadline_runs_from_each_read_and_ends_the_session) {
    Pair p;
    p.connect();
    BOOST_TEST(!p.client.next_deadline().has_value());  // nothing awaited: no deadline
    p.echo = false;
    BOOST_REQUIRE(!p.client.send(0xC0, {}));
    p.client.await_message(p.now);
    BOOST_TEST((p.client.next_deadline() == p.now + 30s));
    p.now += 20s;
    p.client.receive(frame(lr::FrameType::hello_ack, Bytes(9, 0x01)), p.now);  // bytes flow
    BOOST_TEST((p.client.next_deadline() == p.now + 30s));
    p.client.tick(p.now + 29s);
    BOOST_TEST(!p.client.next_event().has_value());
    p.client.tick(p.now + 30s);
    const auto end = p.client.next_event();
    BOOST_REQUIRE((end && is<lr::LinkEnded>(*end)));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::timed_out);
    BOOST_TEST(!p.client.connected());
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_ends_the_session_on_both_sides_at_once) {
    Pair p;
    p.connect();
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes(200, 0x41)));
    auto wire = wire_of(p.client.take_output());
    wire[wire.size() / 2] ^= 0x01U;  // CRC drops the frame: the TLS stream has a gap
    p.server.receive(wire, p.now);
    p.drain_server();
    BOOST_TEST(p.server.stats().frames_dropped == 1U);
    BOOST_REQUIRE(p.server_count<lr::LinkEnded>() == 1U);
    BOOST_TEST(!p.server.established());
    const auto out = frames_of(p.server.take_output());
    BOOST_REQUIRE(out.size() == 1U);  // a RESET, not the read deadline, tells the client
    BOOST_TEST(static_cast<int>(out[0].type) == static_cast<int>(lr::FrameType::reset));
    p.client.await_message(p.now);
    p.client.receive(frame(lr::FrameType::reset, {}), p.now);
    const auto end = p.client.next_event();
    BOOST_REQUIRE((end && is<lr::LinkEnded>(*end)));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::link_reset);
    BOOST_TEST(p.client.stats().failures == 1U);
    BOOST_TEST(p.server.stats().failures == 1U);
    p.client_events.clear();
    p.connect();  // a new session works
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'x'}));
    p.shuttle();
    BOOST_TEST(p.server_count<lr::LinkStarted>() == 2U);
    BOOST_TEST((p.client_events.size() == 2U && is<lr::LinkMessage>(p.client_events[1])));
}

BOOST_AUTO_TEST_CASE(a_reset_in_a_session_drops_it) {
    Pair p;
    p.connect();
    p.client.receive(frame(lr::FrameType::reset, {}), p.now);
    const auto end = p.client.next_event();
    BOOST_REQUIRE((end && is<lr::LinkEnded>(*end)));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::link_reset);
    BOOST_TEST(p.client.stats().resets == 1U);
    BOOST_TEST(p.client.send(0xC0, {}) == lr::Errc::link_reset);
}

BOOST_AUTO_TEST_CASE(refuses_a_payload_over_the_request_limit_and_keeps_the_session) {
    Pair p;
    p.connect();
    const Bytes big(lr::limits::max_request_payload + 1, 0x41);
    BOOST_TEST(p.client.send(0x03, big) == lr::Errc::payload_too_large);
    BOOST_TEST(p.client.take_output().empty());
    BOOST_TEST(p.client.connected());
}

BOOST_AUTO_TEST_CASE(replies_that_arrived_before_close_notify_come_out_first) {
    Pair p;
    p.connect();
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'a'}));
    p.server.receive(wire_of(p.client.take_output()), p.now);
    p.drain_server();  // the echo is queued
    p.server.shutdown();
    p.client.receive(wire_of(p.server.take_output()), p.now);
    auto e = p.client.next_event();
    BOOST_REQUIRE((e && is<lr::LinkMessage>(*e)));
    e = p.client.next_event();
    BOOST_REQUIRE((e && is<lr::LinkEnded>(*e)));
    BOOST_TEST(std::get<lr::LinkEnded>(*e).why == lr::Errc::tls_closed);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(link_machine_server)

BOOST_AUTO_TEST_CASE(answers_data_without_a_session_with_at_most_one_reset_a_second) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto data = frame(lr::FrameType::data, Bytes{1, 2, 3});
    const auto t0 = lr::LinkTime{} + 24h;
    std::vector<int> resets;
    for (const auto at : {0ms, 10ms, 999ms, 1000ms, 1500ms, 2000ms, 3500ms}) {
        server.receive(data, t0 + at);
        while (server.next_event()) {
        }
        const auto out = frames_of(server.take_output());
        BOOST_TEST(out.size() <= 1U);
        if (!out.empty()) {
            BOOST_TEST(static_cast<int>(out[0].type) == static_cast<int>(lr::FrameType::reset));
            resets.push_back(static_cast<int>(at.count()));
        }
    }
    const std::vector<int> expected{0, 1000, 2000, 3500};
    BOOST_TEST(resets == expected, boost::test_tools::per_element());
    BOOST_TEST(server.stats().resets == 4U);
    BOOST_TEST(!server.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(the_handshake_deadline_drops_a_session_that_never_starts) {
    const lr::tls::Credentials creds(link_files("server"));
    lr::ServerLinkMachine server(creds, {link_client_name}, options());
    const auto t0 = lr::LinkTime{} + 24h;
    server.receive(frame(lr::FrameType::hello, Bytes{1, 1, 2, 3, 4, 5, 6, 7, 8}), t0);
    auto e = server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkNotice>(*e)));
    const auto ack = frames_of(server.take_output());
    BOOST_REQUIRE(ack.size() == 1U);
    BOOST_TEST(static_cast<int>(ack[0].type) == static_cast<int>(lr::FrameType::hello_ack));
    BOOST_TEST((server.next_deadline() == t0 + 60s));
    server.tick(t0 + 59s);
    BOOST_TEST(!server.next_event().has_value());
    server.tick(t0 + 60s);
    e = server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkNotice>(*e)));
    BOOST_TEST(std::get<lr::LinkNotice>(*e).text == "TLS handshake deadline passed");
    BOOST_TEST(!server.next_event().has_value());  // never started: no LinkEnded
    BOOST_TEST(!server.next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(an_idle_session_is_closed_at_the_idle_deadline) {
    Pair p;
    p.connect();
    const auto deadline = p.server.next_deadline();
    BOOST_REQUIRE(deadline.has_value());
    BOOST_TEST((*deadline == p.now + 15min));
    p.server.tick(*deadline - 1ms);
    BOOST_TEST(p.server.established());
    p.server.tick(*deadline);
    p.drain_server();
    BOOST_TEST(p.server_noticed("session deadline passed"));
    BOOST_REQUIRE(p.server_count<lr::LinkEnded>() == 1U);
    BOOST_TEST(std::get<lr::LinkEnded>(p.server_events.back()).why == lr::Errc::timed_out);
    // close_notify and a RESET went out: the client ends at once, not at its own deadline.
    const auto writes = p.server.take_output();
    const auto out = frames_of(writes);
    BOOST_REQUIRE(out.size() >= 2U);
    BOOST_TEST(static_cast<int>(out.front().type) == static_cast<int>(lr::FrameType::data));
    BOOST_TEST(static_cast<int>(out.back().type) == static_cast<int>(lr::FrameType::reset));
    p.client.await_message(p.now);
    p.client.receive(wire_of(writes), p.now);
    const auto end = p.client.next_event();
    BOOST_REQUIRE((end && is<lr::LinkEnded>(*end)));
    BOOST_TEST(std::get<lr::LinkEnded>(*end).why == lr::Errc::link_reset);
}

BOOST_AUTO_TEST_CASE(a_half_received_line_gets_only_the_io_deadline) {
    Pair p;
    p.connect();
    p.now += 1min;
    BOOST_REQUIRE(!p.client.send_text_for_test(":0000"));  // no '\n' yet
    p.shuttle();
    BOOST_TEST((p.server.next_deadline() == p.now + 30s));
    p.server.tick(p.now + 30s);
    p.drain_server();
    BOOST_TEST(p.server_noticed("session deadline passed"));
    BOOST_TEST(p.server_count<lr::LinkEnded>() == 1U);
}

BOOST_AUTO_TEST_CASE(a_new_hello_ends_the_session_and_starts_another) {
    Pair p;
    p.connect();
    p.client.connect(p.now);
    p.shuttle();
    BOOST_TEST(p.client.connected());
    BOOST_TEST(p.server_count<lr::LinkStarted>() == 2U);
    BOOST_REQUIRE(p.server_count<lr::LinkEnded>() == 1U);
    const auto ended = std::find_if(p.server_events.begin(),
                                    p.server_events.end(),
                                    [](const auto& e) { return is<lr::LinkEnded>(e); });
    BOOST_TEST(std::get<lr::LinkEnded>(*ended).why == lr::Errc::link_reset);
    BOOST_TEST(p.server.stats().sessions == 2U);
}

BOOST_AUTO_TEST_CASE(a_reply_sent_while_handling_a_line_is_only_queued) {
    Pair p;
    p.connect();
    p.echo = false;
    lr::Record r;
    r.command = 0xC0;
    r.session = p.client.session_id();
    r.counter = 1;
    std::string two = lr::encode_record(r);
    r.counter = 2;
    two += lr::encode_record(r);
    BOOST_REQUIRE(!p.client.send_text_for_test(two));
    p.server.receive(wire_of(p.client.take_output()), p.now);
    // Both lines arrive in one DATA frame; the first reply cannot be written.
    auto e = p.server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkLine>(*e)));
    lr::Message reply;
    reply.command = 0x10C0;
    reply.session = p.client.session_id();
    reply.counter = 1;
    BOOST_REQUIRE(!p.server.send(reply));
    const auto out = p.server.take_output();
    BOOST_REQUIRE(!out.empty());
    BOOST_TEST(out[0].session != 0U);
    p.server.write_failed(out[0].session, lr::Errc::timed_out);
    // The line in hand still comes out, but its session takes no more replies.
    e = p.server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkLine>(*e)));
    BOOST_TEST(p.server.send(reply) == lr::Errc::link_reset);
    e = p.server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkNotice>(*e)));
    BOOST_TEST(std::get<lr::LinkNotice>(*e).text == "a reply could not be written: session closed");
    e = p.server.next_event();
    BOOST_REQUIRE((e && is<lr::LinkEnded>(*e)));
    BOOST_TEST(std::get<lr::LinkEnded>(*e).why == lr::Errc::timed_out);
    BOOST_TEST(!p.server.established());
}

BOOST_AUTO_TEST_CASE(a_failed_write_of_an_old_session_spares_the_new_one) {
    Pair p;
    p.connect();
    p.echo = false;
    BOOST_REQUIRE(!p.client.send(0xC0, Bytes{'1'}));
    p.shuttle();
    lr::Message reply;
    reply.session = p.client.session_id();
    BOOST_REQUIRE(!p.server.send(reply));
    const auto stale = p.server.take_output();
    BOOST_REQUIRE(!stale.empty());
    p.client.connect(p.now);
    p.shuttle();
    BOOST_REQUIRE(p.server.established());
    p.server.write_failed(stale[0].session, lr::Errc::timed_out);
    BOOST_TEST(p.server.established());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(serial_channel_open)

BOOST_AUTO_TEST_CASE(refuses_an_unsupported_baud_rate_and_a_missing_line) {
    const auto far = lr::io::Clock::now() + 1s;
    const auto bad_baud = lr::io::SerialChannel::open({"/dev/null", 12345}, far);
    BOOST_TEST((bad_baud.error() == std::errc::invalid_argument));
    BOOST_TEST(!lr::io::SerialChannel::supported_baud(12345));
    BOOST_TEST(lr::io::SerialChannel::supported_baud(115200));
    const auto missing = lr::io::SerialChannel::open({"/nonexistent/tty", 115200}, far);
    // The OS's own reason, so that the daemons can say why (ENOENT here).
    BOOST_TEST((missing.error() == std::errc::no_such_file_or_directory));
    const auto not_a_tty = lr::io::SerialChannel::open({"/dev/null", 115200}, far);
    BOOST_TEST((not_a_tty.error() == std::errc::inappropriate_io_control_operation));
}

BOOST_AUTO_TEST_SUITE_END()
