// Link sessions for both ends of the line (docs/protocol.md §1–§4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/link.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <sys/random.h>

namespace librecord {

namespace {

using io::Clock;

/** Fills `out` from the kernel's CSPRNG (nonces and session ids need only be unpredictable). */
void random_fill(std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
        const auto n = ::getrandom(out.subspan(done).data(), out.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw cassiopeia::Error(cassiopeia::ErrorKind::internal, "getrandom", "failed");
        }
        done += static_cast<size_t>(n);
    }
}

/**
 * Writes `data` as DATA frames of at most 4096 bytes (§2). The deadline of §7 applies to each
 * frame, not to the whole message: a 16 MiB CRL takes far longer than 30 s at 115,200 baud.
 */
std::error_code write_data_frames(io::Stream& line,
                                  std::span<const uint8_t> data,
                                  std::chrono::milliseconds io_timeout) {
    std::vector<uint8_t> wire;
    while (!data.empty()) {
        const size_t n = std::min(data.size(), limits::max_data_body);
        wire.clear();
        encode_link_frame(FrameType::data, data.first(n), wire);
        if (const auto ec = line.write_all(wire, Clock::now() + io_timeout); ec) {
            return ec;
        }
        data = data.subspan(n);
    }
    return {};
}

std::span<const uint8_t> as_bytes(const std::string& s) {
    // Record lines are ASCII text; the TLS layer carries them as bytes.
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};  // NOLINT
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClientLink

ClientLink::ClientLink(io::Stream& line,
                       const tls::Credentials& creds,
                       tls::SessionOptions tls_options,
                       LinkOptions options)
    : m_line(line), m_creds(creds), m_tls_options(std::move(tls_options)), m_options(options) {}

ClientLink::~ClientLink() = default;

bool ClientLink::connected() const noexcept {
    return m_tls && m_tls->state() == tls::Engine::State::established;
}

void ClientLink::drop() noexcept {
    m_end = {};
    m_tls.reset();
    m_lines.reset();
    m_assembler.reset();
    m_ready.clear();
    m_plain.clear();
}

std::error_code ClientLink::send_frame(FrameType type, std::span<const uint8_t> body) {
    std::vector<uint8_t> wire;
    encode_link_frame(type, body, wire);
    return m_line.write_all(wire, Clock::now() + m_options.io_timeout);
}

std::error_code ClientLink::flush_tls() {
    const auto out = m_tls->take_output();
    if (out.empty()) {
        return {};
    }
    return write_data_frames(m_line, out, m_options.io_timeout);
}

std::error_code ClientLink::await_hello_ack(const Hello& hello, Clock::time_point until) {
    std::vector<uint8_t> buf;
    std::vector<LinkFrame> frames;
    while (true) {
        buf.clear();
        if (const auto ec = m_line.read_some(buf, until); ec) {
            return ec;
        }
        frames.clear();
        m_frames.feed(buf, frames);
        // §1: everything before the HELLO_ACK that answers our HELLO is ignored.
        for (const auto& f : frames) {
            if (f.type != FrameType::hello_ack) {
                continue;
            }
            const auto ack = parse_hello(f.body);
            if (ack && ack->nonce == hello.nonce) {
                return {};
            }
        }
    }
}

std::error_code ClientLink::connect() {
    drop();
    m_frames.reset();
    const auto deadline = Clock::now() + m_options.handshake_timeout;

    // §1: discard stale input and flush line noise at the peer's decoder.
    m_line.discard_input();
    const std::array<uint8_t, 1> end{slip::end};
    if (const auto ec = m_line.write_all(end, Clock::now() + m_options.io_timeout); ec) {
        return ec;
    }

    // §2: HELLO with a fresh nonce per try, back-off 0.5 s doubling to 10 s.
    auto backoff = std::chrono::duration_cast<Clock::duration>(limits::hello_initial_backoff);
    while (true) {
        Hello hello;
        random_fill(hello.nonce);
        if (const auto ec = send_frame(FrameType::hello, encode_hello(hello)); ec) {
            return ec;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return Errc::timed_out;
        }
        const auto until = std::min(deadline, now + backoff);
        const auto ec = await_hello_ack(hello, until);
        if (!ec) {
            break;
        }
        if (ec != Errc::timed_out) {
            return ec;
        }
        if (Clock::now() >= deadline) {
            return Errc::timed_out;
        }
        backoff = std::min(backoff * 2,
                           std::chrono::duration_cast<Clock::duration>(limits::hello_max_backoff));
    }

    // §3: TLS handshake inside DATA frames, under the same deadline.
    m_tls = std::make_unique<tls::Engine>(tls::Role::client, m_creds, m_tls_options);
    std::vector<uint8_t> buf;
    std::vector<LinkFrame> frames;
    while (true) {
        const auto hs = m_tls->handshake();
        if (const auto ec = flush_tls(); ec) {
            drop();
            return ec;
        }
        if (hs) {
            m_failure = m_tls->failure();
            drop();
            return hs;
        }
        if (m_tls->state() == tls::Engine::State::established) {
            break;
        }
        buf.clear();
        if (const auto ec = m_line.read_some(buf, deadline); ec) {
            drop();
            return ec;
        }
        frames.clear();
        m_frames.feed(buf, frames);
        for (const auto& f : frames) {
            if (f.type == FrameType::data) {
                m_tls->feed(f.body);
            } else if (f.type == FrameType::reset) {
                ++m_stats.resets;
                drop();
                return Errc::link_reset;
            }
        }
    }
    uint32_t session = 0;
    std::array<uint8_t, 4> raw{};
    random_fill(raw);
    for (const uint8_t b : raw) {
        session = (session << 8U) | b;
    }
    m_session = session;
    m_counter = 0;
    ++m_stats.sessions;
    return {};
}

std::error_code ClientLink::send(uint16_t command, std::span<const uint8_t> payload) {
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
    if (const auto ec = m_tls->write(as_bytes(text)); ec) {
        drop();
        return ec;
    }
    if (const auto ec = flush_tls(); ec) {
        drop();
        return ec;
    }
    return {};
}

std::error_code ClientLink::send_text_for_test(std::string_view text) {
    if (!connected()) {
        return Errc::link_reset;
    }
    if (const auto ec = m_tls->write(as_bytes(std::string(text))); ec) {
        return ec;
    }
    return flush_tls();
}

std::error_code ClientLink::pump(Clock::time_point deadline) {
    std::vector<uint8_t> buf;
    if (const auto ec = m_line.read_some(buf, deadline); ec) {
        return ec;
    }
    std::vector<LinkFrame> frames;
    m_frames.feed(buf, frames);
    for (const auto& f : frames) {
        if (f.type == FrameType::reset) {
            ++m_stats.resets;
            return Errc::link_reset;
        }
        if (f.type != FrameType::data) {
            continue;  // a late HELLO_ACK: harmless
        }
        m_tls->feed(f.body);
    }
    m_plain.clear();
    const auto rc = m_tls->read(m_plain);
    std::vector<LineSplitter::Item> lines;
    m_lines.feed(m_plain, lines);
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
            m_ready.push_back(std::move(**msg));
        }
    }
    // Hand out what arrived before a close or failure, then report the end.
    if (rc) {
        m_failure = m_tls->failure();
        if (m_ready.empty()) {
            return rc;
        }
        m_end = rc;  // receive() reports it once the queued messages are taken
        return {};
    }
    return flush_tls();
}

Result<Message> ClientLink::receive() {
    if (!m_tls) {
        return Errc::link_reset;
    }
    if (m_ready.empty() && m_end) {
        const auto ec = m_end;
        drop();
        return ec;
    }
    while (m_ready.empty()) {
        // §7: each read has its own deadline; a long reply keeps the session while it flows.
        if (const auto ec = pump(Clock::now() + m_options.io_timeout); ec) {
            drop();
            return ec;
        }
    }
    Message m = std::move(m_ready.front());
    m_ready.erase(m_ready.begin());
    return m;
}

void ClientLink::close() noexcept {
    if (m_tls) {
        m_tls->close();
        try {
            (void)flush_tls();
        } catch (...) {  // NOLINT(bugprone-empty-catch): closing is best effort, the session ends
        }
    }
    drop();
}

// ---------------------------------------------------------------------------------------------
// ServerLink

ServerLink::ServerLink(io::Stream& line,
                       const tls::Credentials& creds,
                       tls::SessionOptions tls_options,
                       LinkOptions options)
    : m_line(line), m_creds(creds), m_tls_options(std::move(tls_options)), m_options(options) {}

ServerLink::~ServerLink() = default;

bool ServerLink::established() const noexcept {
    return m_tls && m_tls->state() == tls::Engine::State::established && m_started && !m_broken;
}

std::error_code ServerLink::send_frame(FrameType type, std::span<const uint8_t> body) {
    std::vector<uint8_t> wire;
    encode_link_frame(type, body, wire);
    return m_line.write_all(wire, Clock::now() + m_options.io_timeout);
}

std::error_code ServerLink::flush_tls() {
    if (!m_tls) {
        return {};
    }
    const auto out = m_tls->take_output();
    if (out.empty()) {
        return {};
    }
    return write_data_frames(m_line, out, m_options.io_timeout);
}

std::error_code ServerLink::send(const Message& m) {
    if (!established()) {
        return Errc::link_reset;
    }
    std::string text;
    encode_message(m, text);
    auto ec = m_tls->write(as_bytes(text));
    if (!ec) {
        ec = flush_tls();
    }
    if (ec) {
        // §1: a write that cannot finish fails the session; the stream holds a partial frame.
        m_broken = ec;
    }
    return ec;
}

void ServerLink::end_session(std::error_code why, ServerLinkHandler& handler) noexcept {
    m_broken = {};
    if (!m_tls) {
        return;
    }
    const bool started = m_started;
    (void)flush_tls();  // a pending alert or close_notify goes out if the line takes it
    m_tls.reset();
    m_started = false;
    m_lines.reset();
    if (started) {
        handler.on_session_end(*this, why);
    }
}

void ServerLink::on_data(std::span<const uint8_t> ciphertext, ServerLinkHandler& handler) {
    const auto now = Clock::now();
    if (!m_tls) {
        // §2: DATA on a line with no link session -> RESET, at most once per second.
        if (now - m_last_reset >= limits::reset_min_interval) {
            m_last_reset = now;
            ++m_stats.resets;
            (void)send_frame(FrameType::reset, {});
            handler.on_event("DATA without a link session: sent RESET");
        }
        return;
    }
    m_last_traffic = now;
    m_tls->feed(ciphertext);
    if (m_tls->state() == tls::Engine::State::handshaking) {
        const auto ec = m_tls->handshake();
        if (const auto wec = flush_tls(); wec && !ec) {
            end_session(wec, handler);
            return;
        }
        if (ec) {
            handler.on_event("TLS handshake failed: " + m_tls->failure());
            m_tls.reset();
            return;
        }
        if (m_tls->state() != tls::Engine::State::established) {
            return;
        }
        m_started = true;
        ++m_stats.sessions;
        handler.on_session_start(*this);
    }
    std::vector<uint8_t> plain;
    const auto rc = m_tls->read(plain);
    std::vector<LineSplitter::Item> lines;
    m_lines.feed(plain, lines);
    for (const auto& item : lines) {
        if (!m_tls) {
            return;  // the handler ended the session
        }
        handler.on_line(*this, item);
    }
    if (rc) {
        if (rc == Errc::tls_failed) {
            handler.on_event("TLS session failed: " + m_tls->failure());
        }
        end_session(rc, handler);
        return;
    }
    if (const auto wec = flush_tls(); wec) {
        end_session(wec, handler);
    }
}

void ServerLink::on_frame(const LinkFrame& f, ServerLinkHandler& handler) {
    switch (f.type) {
        case FrameType::hello: {
            const auto hello = parse_hello(f.body);
            if (!hello) {
                return;
            }
            // §2: a HELLO starts a new link session; the old one and its buffers are dropped.
            end_session(Errc::link_reset, handler);
            m_tls = std::make_unique<tls::Engine>(tls::Role::server, m_creds, m_tls_options);
            m_handshake_deadline = Clock::now() + m_options.handshake_timeout;
            m_last_traffic = Clock::now();
            handler.on_event("HELLO: new link session");
            (void)send_frame(FrameType::hello_ack, encode_hello(*hello));
            return;
        }
        case FrameType::data:
            on_data(f.body, handler);
            return;
        case FrameType::hello_ack:
        case FrameType::reset:
            return;  // only the signer sends these
    }
}

void ServerLink::check_deadlines(ServerLinkHandler& handler) {
    if (!m_tls) {
        return;
    }
    const auto now = Clock::now();
    if (!m_started && now >= m_handshake_deadline) {
        handler.on_event("TLS handshake deadline passed");
        m_tls.reset();
        return;
    }
    // §7: a half-received line must not wait forever; an idle session is closed.
    const auto limit = m_lines.partial() ? m_options.io_timeout : m_options.session_idle_timeout;
    if (m_started && now - m_last_traffic >= limit) {
        handler.on_event("session deadline passed");
        m_tls->close();
        end_session(Errc::timed_out, handler);
    }
}

std::error_code ServerLink::serve(const std::atomic<bool>& stop,
                                  ServerLinkHandler& handler,
                                  std::chrono::milliseconds tick) {
    std::vector<uint8_t> buf;
    std::vector<LinkFrame> frames;
    while (!stop.load()) {
        buf.clear();
        const auto ec = m_line.read_some(buf, Clock::now() + tick);
        if (ec && ec != Errc::timed_out) {
            end_session(ec, handler);
            return ec;
        }
        frames.clear();
        const auto dropped_before = m_frames.dropped();
        m_frames.feed(buf, frames);
        m_stats.frames_dropped += m_frames.dropped() - dropped_before;
        for (const auto& f : frames) {
            on_frame(f, handler);
            if (m_broken) {
                handler.on_event("a reply could not be written: session closed");
                end_session(std::exchange(m_broken, {}), handler);
            }
        }
        check_deadlines(handler);
    }
    if (m_tls) {
        m_tls->close();
        end_session(Errc::tls_closed, handler);
    }
    return {};
}

}  // namespace librecord
