// The in-memory pair of link machines the link tests share (test_link_machine.cpp,
// test_link_recovery.cpp): a fake clock, bytes shuttled in memory, no line, no threads.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "test_pki.hpp"

#include <librecord/link_machine.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::test::link_pair {

namespace lr = librecord;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

/** Deterministic nonces and session ids: 1, 2, 3… */
inline lr::RandomFill counting_random() {
    return [n = uint8_t{0}](std::span<uint8_t> out) mutable {
        for (auto& b : out) {
            b = ++n;
        }
    };
}

inline lr::LinkOptions options() {
    lr::LinkOptions o;
    o.handshake_timeout = 60s;
    o.io_timeout = 30s;
    o.session_idle_timeout = 15min;
    return o;
}

inline Bytes wire_of(const std::vector<lr::LinkWrite>& writes) {
    Bytes out;
    for (const auto& w : writes) {
        out.insert(out.end(), w.wire.begin(), w.wire.end());
    }
    return out;
}

inline std::vector<lr::LinkFrame> frames_of(const std::vector<lr::LinkWrite>& writes) {
    lr::FrameReader reader;
    std::vector<lr::LinkFrame> frames;
    reader.feed(wire_of(writes), frames);
    return frames;
}

inline Bytes frame(lr::FrameType type, const Bytes& body) {
    Bytes out;
    lr::encode_link_frame(type, body, out);
    return out;
}

template <class E, class Variant>
bool is(const Variant& v) {
    return std::holds_alternative<E>(v);
}

/** A client machine and a signer machine joined by shuttle(), the signer echoing messages. */
struct Pair {
    Pair()
        : client_creds(link_files("client")),
          server_creds(link_files("server")),
          client(client_creds, {link_server_name}, options(), counting_random()),
          server(server_creds, {link_client_name}, options()) {}

    /** Moves bytes both ways, handing out every event, until neither side has more to say. */
    void shuttle() {
        for (int round = 0; round < 1000; ++round) {
            const auto to_server = wire_of(client.take_output());
            if (!to_server.empty()) {
                server.receive(to_server, now);
            }
            drain_server();
            const auto to_client = wire_of(server.take_output());
            if (!to_client.empty()) {
                client.receive(to_client, now);
            }
            drain_client();
            if (to_server.empty() && to_client.empty()) {
                return;
            }
        }
        BOOST_FAIL("the machines never went quiet");
    }

    void drain_server() {
        while (auto e = server.next_event()) {
            if (const auto* line = std::get_if<lr::LinkLine>(&*e); line != nullptr && echo) {
                echo_line(line->line);
            }
            server_events.push_back(std::move(*e));
        }
    }

    void drain_client() {
        while (auto e = client.next_event()) {
            client_events.push_back(std::move(*e));
        }
    }

    void echo_line(const lr::LineSplitter::Item& item) {
        auto rec = lr::decode_record(item.line);
        if (!rec) {
            return;
        }
        auto msg = assembler.add(std::move(rec.value()));
        if (msg && msg->has_value()) {
            lr::Message reply = std::move(**msg);
            reply.command = static_cast<uint16_t>(reply.command + 0x1000U);
            BOOST_TEST(!server.send(reply));
        }
    }

    void connect() {
        client.connect(now);
        shuttle();
        BOOST_REQUIRE(client.connected());
        BOOST_REQUIRE(server.established());
    }

    template <class E>
    [[nodiscard]] size_t server_count() const {
        return static_cast<size_t>(std::count_if(
            server_events.begin(), server_events.end(), [](const auto& e) { return is<E>(e); }));
    }

    [[nodiscard]] bool server_noticed(std::string_view text) const {
        return std::any_of(server_events.begin(), server_events.end(), [&](const auto& e) {
            const auto* n = std::get_if<lr::LinkNotice>(&e);
            return n != nullptr && n->text.find(text) != std::string::npos;
        });
    }

    lr::tls::Credentials client_creds;
    lr::tls::Credentials server_creds;
    lr::ClientLinkMachine client;
    lr::ServerLinkMachine server;
    lr::LinkTime now = lr::LinkTime{} + 24h;
    bool echo = true;
    lr::MessageAssembler assembler{lr::limits::max_request_payload};
    std::vector<lr::ServerEvent> server_events;
    std::vector<lr::ClientEvent> client_events;
};

}  // namespace cassiopeia::test::link_pair
