// Blocking drivers of the link machines over an io::Stream (docs/protocol.md §1–§4, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/link.hpp"

#include <algorithm>
#include <vector>

namespace librecord {

namespace {

using io::Clock;

/** std::visit over lambdas. */
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
// Clang 14 does not yet deduce aggregate template arguments (P1816), GCC does.
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClientLink

ClientLink::ClientLink(io::Stream& line,
                       const tls::Credentials& creds,
                       tls::SessionOptions tls_options,
                       LinkOptions options,
                       RandomFill random)
    : m_line(line),
      m_options(options),
      m_machine(creds, std::move(tls_options), options, std::move(random)) {}

ClientLink::~ClientLink() = default;

std::error_code ClientLink::flush() {
    // Replies that arrive while requests are written are read and kept (docs/protocol.md §5.1:
    // a pipelining client and the signer write at the same time).
    // What they make the machine say (a handshake step, say) goes out in the same flush.
    std::vector<uint8_t> incoming;
    for (auto out = m_machine.take_output(); !out.empty(); out = m_machine.take_output()) {
        for (const auto& w : out) {
            const auto ec =
                m_line.write_all_reading(w.wire, Clock::now() + m_options.io_timeout, incoming);
            if (!incoming.empty()) {
                m_machine.receive(incoming, Clock::now());
                incoming.clear();
            }
            if (ec) {
                m_machine.abort();  // the rest would follow a partial frame
                return ec;
            }
        }
    }
    return {};
}

std::error_code ClientLink::read_once() {
    const auto deadline = m_machine.next_deadline().value_or(Clock::now() + m_options.io_timeout);
    std::vector<uint8_t> buf;
    const auto ec = m_line.read_some(buf, deadline);
    if (ec == Errc::timed_out) {
        m_machine.tick(Clock::now());
        return {};
    }
    if (ec) {
        m_machine.abort();
        return ec;
    }
    m_machine.receive(buf, Clock::now());
    return {};
}

std::error_code ClientLink::connect() {
    // §1: discard stale input before the new session starts.
    m_line.discard_input();
    m_machine.connect(Clock::now());
    while (true) {
        if (const auto ec = flush(); ec) {
            return ec;
        }
        while (auto event = m_machine.next_event()) {
            if (std::holds_alternative<LinkConnected>(*event)) {
                return {};
            }
            if (const auto* end = std::get_if<LinkEnded>(&*event)) {
                return end->why;
            }
        }
        if (const auto ec = read_once(); ec) {
            return ec;
        }
    }
}

std::error_code ClientLink::send(uint16_t command, std::span<const uint8_t> payload) {
    if (const auto ec = m_machine.send(command, payload); ec) {
        return ec;
    }
    return flush();
}

void ClientLink::cork() noexcept {
    m_machine.cork();
}

std::error_code ClientLink::uncork() {
    if (const auto ec = m_machine.uncork(); ec) {
        return ec;
    }
    return flush();
}

std::error_code ClientLink::send_text_for_test(std::string_view text) {
    if (const auto ec = m_machine.send_text_for_test(text); ec) {
        return ec;
    }
    return flush();
}

Result<Message> ClientLink::receive() {
    if (!m_machine.connected() && !m_machine.has_events()) {
        return Errc::link_reset;
    }
    m_machine.await_message(Clock::now());
    while (true) {
        // Flushed first: replies that arrive while it writes are handed out before the wait.
        if (const auto ec = flush(); ec) {
            return ec;
        }
        while (auto event = m_machine.next_event()) {
            if (auto* msg = std::get_if<LinkMessage>(&*event)) {
                return std::move(msg->message);
            }
            if (const auto* end = std::get_if<LinkEnded>(&*event)) {
                return end->why;
            }
        }
        if (const auto ec = read_once(); ec) {
            return ec;
        }
    }
}

void ClientLink::close() noexcept {
    m_machine.close();
    try {
        (void)flush();
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing is best effort, the session ends
    }
}

// ---------------------------------------------------------------------------------------------
// ServerLink

ServerLink::ServerLink(io::Stream& line,
                       const tls::Credentials& creds,
                       tls::SessionOptions tls_options,
                       LinkOptions options)
    : m_line(line), m_options(options), m_machine(creds, std::move(tls_options), options) {}

ServerLink::~ServerLink() = default;

void ServerLink::flush() {
    uint64_t failed = 0;
    for (const auto& w : m_machine.take_output()) {
        if (w.session != 0 && w.session == failed) {
            continue;  // the session's stream is broken: nothing after a partial frame
        }
        const auto ec = m_line.write_all(w.wire, Clock::now() + m_options.io_timeout);
        if (ec && w.session != 0) {
            failed = w.session;
            m_machine.write_failed(w.session, ec);
        }
    }
}

void ServerLink::announce() {
    m_machine.announce(Clock::now());
    flush();
}

void ServerLink::deliver(const ServerEvent& event, ServerLinkHandler& handler) {
    // The replies to one event (respondCertificate and signingCA, a batch's setLogs) go out
    // as one TLS record: fewer bytes on the line.
    m_machine.cork();
    std::visit(Overloaded{
                   [&](const LinkStarted&) { handler.on_session_start(*this); },
                   [&](const LinkLine& l) { handler.on_line(*this, l.line); },
                   [&](const LinkEnded& e) { handler.on_session_end(*this, e.why); },
                   [&](const LinkNotice& n) { handler.on_event(n.text); },
               },
               event);
    m_machine.uncork();
}

void ServerLink::dispatch(ServerLinkHandler& handler) {
    // Replies the handler sends are queued; they go out when it returns.
    flush();
    bool delivered = false;
    while (const auto event = m_machine.next_event()) {
        deliver(*event, handler);
        flush();
        delivered = true;
    }
    if (delivered) {
        m_machine.cork();  // a batch's setLogs in one TLS record
        handler.on_input_done(*this);
        m_machine.uncork();
        flush();
    }
}

std::error_code ServerLink::serve(const std::atomic<bool>& stop,
                                  ServerLinkHandler& handler,
                                  std::chrono::milliseconds tick) {
    std::vector<uint8_t> buf;
    while (!stop.load()) {
        auto deadline = Clock::now() + tick;
        if (const auto next = m_machine.next_deadline(); next) {
            deadline = std::min(deadline, *next);
        }
        buf.clear();
        const auto ec = m_line.read_some(buf, deadline);
        if (ec && ec != Errc::timed_out) {
            m_machine.abort(ec);
            dispatch(handler);
            return ec;
        }
        if (!ec) {
            m_machine.receive(buf, Clock::now());
            dispatch(handler);
        }
        m_machine.tick(Clock::now());
        dispatch(handler);
        if (const auto summary = m_summary.take(m_machine.stats(), Clock::now())) {
            handler.on_link_summary(*summary);
        }
    }
    m_machine.shutdown();
    dispatch(handler);
    return {};
}

}  // namespace librecord
