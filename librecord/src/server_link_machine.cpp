// The signer end of one line as a state machine (docs/protocol.md §1–§4, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"
#include "librecord/link_machine.hpp"
#include "link_output.hpp"

#include <algorithm>
#include <utility>

namespace librecord {

ServerLinkMachine::ServerLinkMachine(const tls::Credentials& creds,
                                     tls::SessionOptions tls_options,
                                     LinkOptions options)
    : m_creds(creds), m_tls_options(std::move(tls_options)), m_options(options) {}

ServerLinkMachine::~ServerLinkMachine() = default;

bool ServerLinkMachine::established() const noexcept {
    return m_tls && m_tls->state() == tls::Engine::State::established && m_started && !m_broken;
}

void ServerLinkMachine::queue_frame(FrameType type, std::span<const uint8_t> body) {
    detail::queue_frame(type, body, 0, m_output);
}

void ServerLinkMachine::queue_tls_output(uint64_t session) {
    detail::queue_data_frames(m_tls->take_output(), session, m_output);
}

void ServerLinkMachine::receive(std::span<const uint8_t> bytes, LinkTime now) {
    m_now = now;
    std::vector<LinkFrame> frames;
    std::vector<size_t> dropped_at;
    m_frames.feed(bytes, frames, &dropped_at);
    m_stats.frames_dropped += dropped_at.size();
    // Each drop keeps its place among the frames: the frames before it are still acted on.
    auto drop = dropped_at.begin();
    for (size_t i = 0; i <= frames.size(); ++i) {
        for (; drop != dropped_at.end() && *drop == i; ++drop) {
            m_pending.emplace_back(std::nullopt);
        }
        if (i < frames.size()) {
            m_pending.emplace_back(std::move(frames[i]));
        }
    }
}

void ServerLinkMachine::announce(LinkTime now) {
    m_now = now;
    // §2: END flushes the client's decoder; the RESET ends a session of an earlier signer.
    m_output.push_back(LinkWrite{{slip::end}, 0});
    // Not a fault: sent at once and not counted (the counters and their WARN line are faults).
    m_reset_owed = false;
    m_last_reset = m_now;
    queue_frame(FrameType::reset, {});
}

void ServerLinkMachine::owe_reset() {
    m_reset_owed = true;
    send_owed_reset();
}

void ServerLinkMachine::send_owed_reset() {
    // §2: at most one RESET a second; one owed inside the second goes out when it is over.
    if (!m_reset_owed || (m_last_reset && m_now - *m_last_reset < limits::reset_min_interval)) {
        return;
    }
    m_reset_owed = false;
    m_last_reset = m_now;
    ++m_stats.resets;
    queue_frame(FrameType::reset, {});
}

std::optional<ServerEvent> ServerLinkMachine::next_event() {
    // One frame at a time, and only once the events of the last one are out: a reply sent
    // while an event is handled belongs to the session that event came from.
    while (m_events.empty()) {
        if (m_ended) {
            const auto why = *std::exchange(m_ended, std::nullopt);
            if (why == Errc::tls_closed) {
                end_session(why);  // the client's close_notify: it knows
                continue;
            }
            m_events.emplace_back(LinkNotice{"TLS session failed: " + m_tls->failure()});
            fail_session(why);
        } else if (m_broken) {
            // §1: a write that cannot finish fails the session; the line holds a partial frame.
            m_events.emplace_back(LinkNotice{"a reply could not be written: session closed"});
            fail_session(m_broken);
        } else if (!m_pending.empty()) {
            const auto f = std::move(m_pending.front());
            m_pending.pop_front();
            if (f) {
                on_frame(*f);
            } else {
                on_dropped_frame();
            }
        } else {
            return std::nullopt;
        }
    }
    ServerEvent e = std::move(m_events.front());
    m_events.pop_front();
    return e;
}

void ServerLinkMachine::on_frame(const LinkFrame& f) {
    switch (f.type) {
        case FrameType::hello:
            on_hello(f);
            return;
        case FrameType::data:
            on_data(f.body);
            return;
        case FrameType::hello_ack:
        case FrameType::reset:
            return;  // only the signer sends these
    }
}

void ServerLinkMachine::on_hello(const LinkFrame& f) {
    const auto hello = parse_hello(f.body);
    if (!hello) {
        return;
    }
    // §2: a HELLO starts a new link session; the old one and its buffers are dropped. A RESET
    // still owed to the old one would end the new one: the client has started over anyway.
    end_session(Errc::link_reset);
    m_reset_owed = false;
    m_tls = std::make_unique<tls::Engine>(tls::Role::server, m_creds, m_tls_options);
    ++m_generation;
    m_handshake_deadline = m_now + m_options.handshake_timeout;
    m_last_traffic = m_now;
    m_events.emplace_back(LinkNotice{"HELLO: new link session"});
    queue_frame(FrameType::hello_ack, encode_hello(*hello));
}

void ServerLinkMachine::on_data(std::span<const uint8_t> ciphertext) {
    if (!m_tls) {
        // §2: DATA on a line with no link session -> RESET, at most once per second.
        if (!m_last_reset || m_now - *m_last_reset >= limits::reset_min_interval) {
            m_last_reset = m_now;
            ++m_stats.resets;
            queue_frame(FrameType::reset, {});
            m_events.emplace_back(LinkNotice{"DATA without a link session: sent RESET"});
        }
        return;
    }
    m_last_traffic = m_now;
    m_tls->feed(ciphertext);
    if (m_tls->state() == tls::Engine::State::handshaking && !drive_handshake()) {
        return;
    }
    read_lines();
}

bool ServerLinkMachine::drive_handshake() {
    const auto ec = m_tls->handshake();
    queue_tls_output(m_generation);
    if (ec) {
        m_events.emplace_back(LinkNotice{"TLS handshake failed: " + m_tls->failure()});
        fail_session(ec);
        return false;
    }
    if (m_tls->state() != tls::Engine::State::established) {
        return false;
    }
    m_started = true;
    ++m_stats.sessions;
    m_events.emplace_back(LinkStarted{});
    return true;
}

void ServerLinkMachine::read_lines() {
    std::vector<uint8_t> plain;
    const auto rc = m_tls->read(plain);
    std::vector<LineSplitter::Item> lines;
    m_lines.feed(plain, lines);
    for (auto& item : lines) {
        m_events.emplace_back(LinkLine{std::move(item)});
    }
    if (rc) {
        m_ended = rc;  // after the lines: the session stays while they are handled
        return;
    }
    queue_tls_output(m_generation);
}

void ServerLinkMachine::end_session(std::error_code why) {
    m_broken = {};
    m_corked_text.clear();
    m_ended.reset();
    if (!m_tls) {
        return;
    }
    const bool started = m_started;
    // A pending alert or close_notify goes out if the line takes it.
    detail::queue_data_frames(m_tls->take_output(), 0, m_output);
    m_tls.reset();
    m_started = false;
    m_lines.reset();
    if (started) {
        m_events.emplace_back(LinkEnded{why});
    }
}

void ServerLinkMachine::fail_session(std::error_code why) {
    // §2: the client learns at once that its session is gone, instead of at its deadline.
    if (m_tls) {
        ++m_stats.failures;
    }
    end_session(why);
    owe_reset();
}

void ServerLinkMachine::on_dropped_frame() {
    if (!m_tls) {
        return;  // noise on a line with no link session changes nothing
    }
    // The TLS stream of the session now has a gap: it can only fail later, at a deadline.
    m_events.emplace_back(LinkNotice{"a frame of the link session was dropped: session ended"});
    fail_session(Errc::link_reset);
}

void ServerLinkMachine::tick(LinkTime now) {
    m_now = now;
    send_owed_reset();
    if (!m_tls) {
        return;
    }
    if (!m_started) {
        if (now >= m_handshake_deadline) {
            m_events.emplace_back(LinkNotice{"TLS handshake deadline passed"});
            fail_session(Errc::timed_out);
        }
        return;
    }
    if (const auto deadline = session_deadline(); deadline && now >= *deadline) {
        m_events.emplace_back(LinkNotice{"session deadline passed"});
        m_tls->close();
        fail_session(Errc::timed_out);
    }
}

std::optional<LinkTime> ServerLinkMachine::next_deadline() const noexcept {
    auto deadline = session_deadline();
    if (m_reset_owed) {
        const auto at = m_last_reset ? *m_last_reset + limits::reset_min_interval : m_now;
        deadline = deadline ? std::min(*deadline, at) : at;
    }
    return deadline;
}

std::optional<LinkTime> ServerLinkMachine::session_deadline() const noexcept {
    if (!m_tls) {
        return std::nullopt;
    }
    if (!m_started) {
        return m_handshake_deadline;
    }
    // §7: a half-received line must not wait forever; an idle session is closed.
    const auto limit = m_lines.partial() ? m_options.io_timeout : m_options.session_idle_timeout;
    return m_last_traffic + limit;
}

std::error_code ServerLinkMachine::send(const Message& m) {
    if (!established()) {
        return Errc::link_reset;
    }
    std::string text;
    encode_message(m, text);
    if (m_corked) {
        m_corked_text += text;
        return {};
    }
    if (const auto ec = m_tls->write(detail::as_bytes(text)); ec) {
        m_broken = ec;
        return ec;
    }
    queue_tls_output(m_generation);
    return {};
}

void ServerLinkMachine::uncork() {
    m_corked = false;
    std::string text = std::move(m_corked_text);
    m_corked_text.clear();
    if (text.empty() || !established()) {
        return;  // a session that ended meanwhile: its replies go with it
    }
    if (const auto ec = m_tls->write(detail::as_bytes(text)); ec) {
        m_broken = ec;
        return;
    }
    queue_tls_output(m_generation);
}

void ServerLinkMachine::write_failed(uint64_t session, std::error_code why) noexcept {
    if (!m_tls || session != m_generation) {
        return;  // the session that frame belonged to is over already
    }
    m_broken = why;  // also a handshake: it ends at the next next_event()
}

void ServerLinkMachine::abort(std::error_code why) {
    if (m_tls) {
        ++m_stats.failures;
    }
    end_session(why);
}

void ServerLinkMachine::shutdown() {
    if (m_tls) {
        m_tls->close();
        end_session(Errc::tls_closed);
    }
}

std::vector<LinkWrite> ServerLinkMachine::take_output() {
    return std::exchange(m_output, {});
}

}  // namespace librecord
