// The client end of the link as a state machine (docs/protocol.md §1–§4, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"
#include "librecord/link_machine.hpp"
#include "link_output.hpp"

#include <algorithm>
#include <array>

namespace librecord {

ClientLinkMachine::ClientLinkMachine(const tls::Credentials& creds,
                                     tls::SessionOptions tls_options,
                                     LinkOptions options,
                                     RandomFill random)
    : m_creds(creds),
      m_tls_options(std::move(tls_options)),
      m_options(options),
      m_random(random ? std::move(random) : RandomFill(system_random_fill)) {}

ClientLinkMachine::~ClientLinkMachine() = default;

bool ClientLinkMachine::connected() const noexcept {
    return m_state == State::established && m_tls &&
           m_tls->state() == tls::Engine::State::established;
}

void ClientLinkMachine::drop() noexcept {
    m_state = State::idle;
    m_tls.reset();
    m_lines.reset();
    m_assembler.reset();
    m_read_until.reset();
}

void ClientLinkMachine::end(std::error_code why) {
    if ((m_state == State::handshaking || m_state == State::established) &&
        why != Errc::tls_closed) {
        ++m_stats.failures;
    }
    drop();
    m_events.emplace_back(LinkEnded{why});
}

void ClientLinkMachine::abort() noexcept {
    drop();
    m_events.clear();
}

void ClientLinkMachine::queue_tls_output() {
    const auto out = m_tls->take_output();
    detail::queue_data_frames(out, m_generation, m_output);
}

void ClientLinkMachine::send_hello() {
    // §2: a fresh nonce per try.
    m_random(m_hello.nonce);
    detail::queue_frame(FrameType::hello, encode_hello(m_hello), 0, m_output);
}

void ClientLinkMachine::connect(LinkTime now) {
    drop();
    m_events.clear();
    m_frames.reset();
    ++m_generation;
    m_deadline = now + m_options.handshake_timeout;
    // §1: flush line noise at the peer's decoder.
    m_output.push_back(LinkWrite{{slip::end}, 0});
    m_state = State::hello_wait;
    m_backoff = limits::hello_initial_backoff;
    send_hello();
    m_hello_retry = now + m_backoff;
}

void ClientLinkMachine::tick(LinkTime now) {
    if (m_state == State::hello_wait || m_state == State::handshaking) {
        if (now >= m_deadline) {
            end(Errc::timed_out);
            return;
        }
        if (m_state == State::hello_wait && now >= m_hello_retry) {
            // §2: back-off from 0.5 s, doubling, capped at 10 s.
            m_backoff = std::min(m_backoff * 2, limits::hello_max_backoff);
            send_hello();
            m_hello_retry = now + m_backoff;
        }
        return;
    }
    // §7: each read has its own deadline; a long reply keeps the session while it flows.
    if (m_state == State::established && m_read_until && now >= *m_read_until) {
        end(Errc::timed_out);
    }
}

void ClientLinkMachine::await_message(LinkTime now) {
    if (m_state == State::established) {
        m_read_until = now + m_options.io_timeout;
    }
}

void ClientLinkMachine::on_hello_ack(const LinkFrame& /*ack*/) {
    // §3: the TLS handshake inside DATA frames, under the same deadline.
    m_tls = std::make_unique<tls::Engine>(tls::Role::client, m_creds, m_tls_options);
    m_state = State::handshaking;
    drive_handshake();
}

bool ClientLinkMachine::feed_session_frames(std::span<const LinkFrame> frames) {
    for (const auto& f : frames) {
        if (f.type == FrameType::reset) {
            ++m_stats.resets;
            // What arrived with the RESET is lost with the session.
            std::erase_if(m_events, [](const ClientEvent& e) {
                return std::holds_alternative<LinkMessage>(e);
            });
            end(Errc::link_reset);
            return false;
        }
        if (f.type == FrameType::data) {
            m_tls->feed(f.body);
        }
        // Anything else (a late HELLO_ACK) is harmless.
    }
    return true;
}

void ClientLinkMachine::receive(std::span<const uint8_t> bytes, LinkTime now) {
    if (m_state == State::idle) {
        return;
    }
    if (m_read_until) {
        m_read_until = now + m_options.io_timeout;
    }
    std::vector<LinkFrame> frames;
    std::vector<size_t> dropped_at;
    m_frames.feed(bytes, frames, &dropped_at);
    m_stats.frames_dropped += dropped_at.size();
    size_t first = 0;  // of the frames that belong to the attempt
    if (m_state == State::hello_wait) {
        // §1: everything before the HELLO_ACK that answers our HELLO is ignored.
        const auto ack = std::find_if(frames.begin(), frames.end(), [&](const LinkFrame& f) {
            if (f.type != FrameType::hello_ack) {
                return false;
            }
            const auto body = parse_hello(f.body);
            return body && body->nonce == m_hello.nonce;
        });
        if (ack == frames.end()) {
            return;
        }
        first = static_cast<size_t>(ack - frames.begin()) + 1;
        on_hello_ack(*ack);
    }
    // A frame dropped after the HELLO_ACK leaves a gap in the TLS stream: the attempt or session
    // can only fail, later, at a deadline. What came before the gap is still read.
    const auto gap =
        std::find_if(dropped_at.begin(), dropped_at.end(), [&](size_t at) { return at >= first; });
    const size_t last = gap == dropped_at.end() ? frames.size() : *gap;
    feed_session(std::span<const LinkFrame>(frames).subspan(first, last - first));
    if (gap != dropped_at.end() && m_state != State::idle) {
        end(Errc::link_reset);
    }
}

void ClientLinkMachine::feed_session(std::span<const LinkFrame> frames) {
    if (m_state == State::idle || !feed_session_frames(frames)) {
        return;
    }
    if (m_state == State::handshaking) {
        drive_handshake();
    }
    if (m_state == State::established) {
        read_messages();
    }
}

void ClientLinkMachine::drive_handshake() {
    const auto hs = m_tls->handshake();
    queue_tls_output();
    if (hs) {
        m_failure = m_tls->failure();
        end(hs);
        return;
    }
    if (m_tls->state() != tls::Engine::State::established) {
        return;
    }
    std::array<uint8_t, 4> raw{};
    m_random(raw);
    uint32_t session = 0;
    for (const uint8_t b : raw) {
        session = (session << 8U) | b;
    }
    m_session = session;
    m_counter = 0;
    ++m_stats.sessions;
    m_state = State::established;
    m_events.emplace_back(LinkConnected{m_session});
}

std::error_code ClientLinkMachine::take_lines(std::span<const uint8_t> plain) {
    std::vector<LineSplitter::Item> lines;
    m_lines.feed(plain, lines);
    for (auto& item : lines) {
        if (item.ec) {
            return Errc::protocol;
        }
        auto rec = decode_record(item.line);
        if (!rec || rec->session != m_session) {
            return Errc::protocol;
        }
        auto msg = m_assembler.add(std::move(rec.value()));
        if (!msg) {
            return Errc::protocol;
        }
        if (msg->has_value()) {
            m_events.emplace_back(LinkMessage{std::move(**msg)});
        }
    }
    return {};
}

void ClientLinkMachine::read_messages() {
    std::vector<uint8_t> plain;
    const auto rc = m_tls->read(plain);
    if (take_lines(plain)) {
        // A record of another session or a malformed one: what came with it is not trusted.
        std::erase_if(m_events,
                      [](const ClientEvent& e) { return std::holds_alternative<LinkMessage>(e); });
        end(Errc::protocol);
        return;
    }
    if (rc) {
        // The messages that arrived before a close or failure come out first.
        m_failure = m_tls->failure();
        end(rc);
        return;
    }
    queue_tls_output();
}

std::error_code ClientLinkMachine::send(uint16_t command, std::span<const uint8_t> payload) {
    if (!connected()) {
        return Errc::link_reset;
    }
    if (payload.size() > limits::max_request_payload) {
        return Errc::payload_too_large;  // §7: the signer would refuse it; never sent
    }
    // §4: the counter starts at 1 in each session and grows by one per command (mod 2^16).
    ++m_counter;
    Message m;
    m.command = command;
    m.session = m_session;
    m.counter = m_counter;
    m.payload.assign(payload.begin(), payload.end());
    std::string text;
    encode_message(m, text);
    if (m_corked) {
        m_corked_text += text;
        return {};
    }
    if (const auto ec = m_tls->write(detail::as_bytes(text)); ec) {
        abort();
        return ec;
    }
    queue_tls_output();
    return {};
}

std::error_code ClientLinkMachine::uncork() {
    m_corked = false;
    std::string text = std::move(m_corked_text);
    m_corked_text.clear();
    if (text.empty()) {
        return {};
    }
    if (!connected()) {
        return Errc::link_reset;
    }
    if (const auto ec = m_tls->write(detail::as_bytes(text)); ec) {
        abort();
        return ec;
    }
    queue_tls_output();
    return {};
}

std::error_code ClientLinkMachine::send_text_for_test(std::string_view text) {
    if (!connected()) {
        return Errc::link_reset;
    }
    if (const auto ec = m_tls->write(detail::as_bytes(text)); ec) {
        return ec;
    }
    queue_tls_output();
    return {};
}

void ClientLinkMachine::close() noexcept {
    if (m_tls) {
        m_tls->close();
        // The last words of a session that is over: their failure changes nothing.
        detail::queue_data_frames(m_tls->take_output(), 0, m_output);
    }
    abort();
}

std::vector<LinkWrite> ClientLinkMachine::take_output() {
    return std::exchange(m_output, {});
}

std::optional<ClientEvent> ClientLinkMachine::next_event() {
    if (m_events.empty()) {
        return std::nullopt;
    }
    ClientEvent e = std::move(m_events.front());
    m_events.pop_front();
    if (std::holds_alternative<LinkMessage>(e)) {
        m_read_until.reset();  // the driver asks again with await_message()
    }
    return e;
}

std::optional<LinkTime> ClientLinkMachine::next_deadline() const noexcept {
    switch (m_state) {
        case State::hello_wait:
            return std::min(m_deadline, m_hello_retry);
        case State::handshaking:
            return m_deadline;
        case State::established:
            return m_read_until;
        case State::idle:
            break;
    }
    return std::nullopt;
}

}  // namespace librecord
