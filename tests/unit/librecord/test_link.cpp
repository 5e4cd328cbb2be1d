// Tests of librecord/link.hpp: both ends of the link over an in-memory duplex.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "memory_duplex.hpp"
#include "test_pki.hpp"

#include <librecord/link.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

namespace lr = librecord;
using cassiopeia::test::MemoryDuplex;
using namespace std::chrono_literals;

namespace {

/** Answers every complete message with the same payload, reply code = command + 0x1000. */
class EchoHandler final : public lr::ServerLinkHandler {
public:
    void on_session_start(lr::ServerLink& /*link*/) override {
        ++starts;
        m_assembler.reset();
    }

    void on_line(lr::ServerLink& link, const lr::LineSplitter::Item& line) override {
        if (line.ec) {
            return;
        }
        auto rec = lr::decode_record(line.line);
        if (!rec) {
            return;
        }
        auto msg = m_assembler.add(std::move(rec.value()));
        if (msg && msg->has_value()) {
            lr::Message reply = std::move(**msg);
            reply.command = static_cast<uint16_t>(reply.command + 0x1000U);
            (void)link.send(reply);
        }
    }

    void on_session_end(lr::ServerLink& /*link*/, std::error_code /*why*/) override { ++ends; }

    void on_event(std::string_view /*what*/) override {}

    std::atomic<int> starts{0};
    std::atomic<int> ends{0};

private:
    lr::MessageAssembler m_assembler{lr::limits::max_reply_payload};
};

lr::LinkOptions quick() {
    lr::LinkOptions o;
    o.handshake_timeout = 5s;
    o.io_timeout = 3s;
    return o;
}

/** A signer serving one end of a MemoryDuplex on its own thread. */
class Signer final {
public:
    explicit Signer(MemoryDuplex& line)
        : m_creds(cassiopeia::test::link_files("server")),
          m_link(line.server(),
                 m_creds,
                 lr::tls::SessionOptions{cassiopeia::test::link_client_name},
                 quick()),
          m_thread([this] { (void)m_link.serve(m_stop, handler, 20ms); }) {}

    ~Signer() {
        m_stop = true;
        m_thread.join();
    }

    Signer(const Signer&) = delete;
    Signer& operator=(const Signer&) = delete;

    EchoHandler handler;

private:
    std::atomic<bool> m_stop{false};
    lr::tls::Credentials m_creds;
    lr::ServerLink m_link;
    std::thread m_thread;
};

struct ClientSide {
    explicit ClientSide(MemoryDuplex& line, lr::LinkOptions options = quick())
        : creds(cassiopeia::test::link_files("client")),
          link(line.client(),
               creds,
               lr::tls::SessionOptions{cassiopeia::test::link_server_name},
               options) {}

    lr::tls::Credentials creds;
    lr::ClientLink link;
};

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

/** Sends one command and returns the echo's payload (or an empty optional). */
std::optional<std::vector<uint8_t>> round_trip(lr::ClientLink& link,
                                               uint16_t command,
                                               const std::vector<uint8_t>& payload) {
    if (link.send(command, payload)) {
        return std::nullopt;
    }
    auto reply = link.receive();
    if (!reply || reply->command != command + 0x1000U || reply->counter != link.last_counter()) {
        return std::nullopt;
    }
    return reply->payload;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_sessions)

BOOST_AUTO_TEST_CASE(connects_and_exchanges_messages) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide client(line);
    BOOST_TEST(!client.link.connect());
    BOOST_TEST(client.link.connected());
    const auto p = bytes("2026-11-25T12:00:00Z");
    const auto got = round_trip(client.link, 0xC0, p);
    BOOST_REQUIRE(got.has_value());
    BOOST_TEST(*got == p, boost::test_tools::per_element());
    BOOST_TEST(client.link.last_counter() == 1U);
    BOOST_TEST(round_trip(client.link, 0xD0, {}).has_value());
    BOOST_TEST(client.link.last_counter() == 2U);
}

BOOST_AUTO_TEST_CASE(carries_a_payload_of_several_chunks_both_ways) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide client(line);
    BOOST_REQUIRE(!client.link.connect());
    std::vector<uint8_t> big(lr::limits::max_request_payload);
    for (size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<uint8_t>(i * 7U);
    }
    const auto got = round_trip(client.link, 0x01, big);
    BOOST_REQUIRE(got.has_value());
    BOOST_TEST(*got == big, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ignores_stale_bytes_and_garbage_before_hello_ack) {
    MemoryDuplex line;
    std::vector<uint8_t> junk(5000);
    for (size_t i = 0; i < junk.size(); ++i) {
        junk[i] = static_cast<uint8_t>((i * 131U) ^ 0x5AU);
    }
    line.inject_to_client(junk);  // stale bytes from an earlier peer (§1)
    line.inject_to_server(junk);  // noise the signer must drop
    Signer signer(line);
    ClientSide client(line);
    BOOST_TEST(!client.link.connect());
    BOOST_TEST(round_trip(client.link, 0xC0, bytes("x")).has_value());
}

BOOST_AUTO_TEST_CASE(garbage_between_requests_ends_the_session_and_a_new_one_works) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide client(line);
    BOOST_REQUIRE(!client.link.connect());
    BOOST_REQUIRE(round_trip(client.link, 0xC0, bytes("a")).has_value());
    const std::vector<uint8_t> junk{0x00, 0xDB, 0x01, 0xC0, 0xC0, 0x02, 0x55, 0xDB};
    line.inject_to_server(junk);
    // A dropped frame may have been one of the session's: the signer ends it and sends RESET,
    // so the client learns at once (§2), not at its read deadline.
    BOOST_TEST(!round_trip(client.link, 0xC0, bytes("b")).has_value());
    BOOST_TEST(client.link.stats().resets == 1U);
    BOOST_REQUIRE(!client.link.connect());
    BOOST_TEST(round_trip(client.link, 0xC0, bytes("c")).has_value());
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_breaks_the_session_and_a_new_one_works) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide client(line);
    BOOST_REQUIRE(!client.link.connect());
    bool flip = true;
    line.client().tamper = [&](std::vector<uint8_t>& wire) {
        if (flip && wire.size() > 40) {
            wire[wire.size() / 2] ^= 0x01U;  // damages one frame: CRC drops it, TLS stalls
            flip = false;
        }
    };
    BOOST_TEST(!round_trip(client.link, 0xC0, std::vector<uint8_t>(200, 0x41)).has_value());
    BOOST_TEST(!client.link.connected());
    BOOST_REQUIRE(!client.link.connect());
    BOOST_TEST(round_trip(client.link, 0xC0, bytes("again")).has_value());
    BOOST_TEST(signer.handler.starts.load() == 2);
}

BOOST_AUTO_TEST_CASE(signer_answers_data_without_session_with_reset) {
    MemoryDuplex line;
    Signer signer(line);
    std::vector<uint8_t> wire;
    lr::encode_link_frame(lr::FrameType::data, std::vector<uint8_t>{1, 2, 3}, wire);
    BOOST_REQUIRE(!line.client().write_all(wire, lr::io::Clock::now() + 1s));
    lr::FrameReader reader;
    std::vector<lr::LinkFrame> frames;
    const auto deadline = lr::io::Clock::now() + 3s;
    while (frames.empty() && lr::io::Clock::now() < deadline) {
        std::vector<uint8_t> got;
        if (!line.client().read_some(got, deadline)) {
            reader.feed(got, frames);
        }
    }
    BOOST_REQUIRE(!frames.empty());
    BOOST_TEST(static_cast<int>(frames.front().type) == static_cast<int>(lr::FrameType::reset));
}

BOOST_AUTO_TEST_CASE(a_new_hello_replaces_the_session) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide first(line);
    BOOST_REQUIRE(!first.link.connect());
    BOOST_REQUIRE(round_trip(first.link, 0xC0, bytes("1")).has_value());
    ClientSide second(line);  // the same line, a restarted client
    BOOST_REQUIRE(!second.link.connect());
    BOOST_TEST(round_trip(second.link, 0xC0, bytes("2")).has_value());
    BOOST_TEST(signer.handler.starts.load() == 2);
    BOOST_TEST(signer.handler.ends.load() >= 1);
}

// The deadlines themselves run on a fake clock in test_link_machine.cpp; these two only show
// that the driver waits for the machine's deadline and reports it (a zero timeout: no wait).
BOOST_AUTO_TEST_CASE(connect_times_out_without_a_signer) {
    MemoryDuplex line;
    auto options = quick();
    options.handshake_timeout = 0ms;
    ClientSide client(line, options);
    const auto start = lr::io::Clock::now();
    const auto ec = client.link.connect();
    BOOST_TEST(ec == lr::Errc::timed_out);
    BOOST_TEST((lr::io::Clock::now() - start) < 1s);
    BOOST_TEST(!client.link.connected());
}

BOOST_AUTO_TEST_CASE(receive_times_out_when_the_signer_goes_silent) {
    MemoryDuplex line;
    Signer signer(line);
    auto options = quick();
    options.io_timeout = 0ms;  // MemoryDuplex writes ignore deadlines; reads time out at once
    ClientSide client(line, options);
    BOOST_REQUIRE(!client.link.connect());
    line.server().tamper = [](std::vector<uint8_t>& wire) { wire.clear(); };  // replies are lost
    BOOST_REQUIRE(!client.link.send(0xC0, {}));
    const auto reply = client.link.receive();
    BOOST_TEST(reply.error() == lr::Errc::timed_out);
    BOOST_TEST(!client.link.connected());
}

BOOST_AUTO_TEST_CASE(refuses_to_send_a_payload_over_the_request_limit) {
    MemoryDuplex line;
    Signer signer(line);
    ClientSide client(line);
    BOOST_REQUIRE(!client.link.connect());
    const std::vector<uint8_t> big(lr::limits::max_request_payload + 1, 0x41);
    BOOST_TEST(client.link.send(0x03, big) == lr::Errc::payload_too_large);
    BOOST_TEST(client.link.connected());  // nothing was sent: the session goes on
    BOOST_TEST(round_trip(client.link, 0xC0, bytes("ok")).has_value());
}

BOOST_AUTO_TEST_CASE(a_stopping_signer_closes_the_session) {
    MemoryDuplex line;
    auto signer = std::make_unique<Signer>(line);
    ClientSide client(line);
    BOOST_REQUIRE(!client.link.connect());
    // One round trip, so the signer has finished its side of the handshake too.
    BOOST_REQUIRE(round_trip(client.link, 0xC0, bytes("x")).has_value());
    signer.reset();  // serve() returns: close_notify goes out
    BOOST_REQUIRE(!client.link.send(0xC0, {}));
    BOOST_TEST(client.link.receive().error() == lr::Errc::tls_closed);
}

BOOST_AUTO_TEST_SUITE_END()
