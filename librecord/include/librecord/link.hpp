// Link sessions (docs/protocol.md §1–§4) for both ends of the line: blocking drivers that run
// the sans-I/O machines of link_machine.hpp over an io::Stream with deadlines.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "io/stream.hpp"
#include "link_machine.hpp"
#include "record.hpp"
#include "result.hpp"
#include "tls_engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace librecord {

/**
 * The client end: opens link sessions and exchanges whole messages, blocking on the line.
 * Not thread-safe; one command at a time.
 */
class ClientLink final {
public:
    ClientLink(io::Stream& line,
               const tls::Credentials& creds,
               tls::SessionOptions tls_options,
               LinkOptions options,
               RandomFill random = system_random_fill);
    ~ClientLink();
    ClientLink(const ClientLink&) = delete;
    ClientLink& operator=(const ClientLink&) = delete;

    /**
     * Starts a new link session (§1, §2, §3): discards pending input, sends END, sends HELLO
     * with fresh nonces (back-off 0.5 s doubling to 10 s) until the matching HELLO_ACK, then
     * runs the TLS handshake. Gives up at the handshake deadline.
     * @return {}; timed_out; link_reset; tls_handshake / tls_peer / tls_alpn; io_failed.
     */
    [[nodiscard]] std::error_code connect();

    [[nodiscard]] bool connected() const noexcept { return m_machine.connected(); }

    /**
     * Sends one command with the next counter (§4).
     * @return {}; payload_too_large (more than limits::max_request_payload bytes, nothing
     *   sent, the session stays); or a link error (the session is dropped).
     */
    [[nodiscard]] std::error_code send(uint16_t command, std::span<const uint8_t> payload);

    /**
     * Holds the next send()s until uncork(), which writes them as one TLS record (one
     * record's overhead on the line for a request of several commands).
     */
    void cork() noexcept;
    [[nodiscard]] std::error_code uncork();

    /** The counter of the last command sent. */
    [[nodiscard]] uint16_t last_counter() const noexcept { return m_machine.last_counter(); }

    /**
     * Waits for the next whole reply of this session (read deadline of §7).
     * @return the message; timed_out; link_reset; tls_closed; tls_failed; protocol (a
     *   record of another session or a malformed record from the signer); io_failed.
     */
    [[nodiscard]] Result<Message> receive();

    /** Sends close_notify and forgets the session. */
    void close() noexcept;

    /** Writes `text` into the TLS session as is, to send malformed records in tests. */
    [[nodiscard]] std::error_code send_text_for_test(std::string_view text);

    [[nodiscard]] uint32_t session_id() const noexcept { return m_machine.session_id(); }

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_machine.stats(); }

    /** Reason of the last TLS failure, for the operator's log. */
    [[nodiscard]] const std::string& failure() const noexcept { return m_machine.failure(); }

private:
    [[nodiscard]] std::error_code flush();
    [[nodiscard]] std::error_code read_once();

    io::Stream& m_line;
    LinkOptions m_options;
    ClientLinkMachine m_machine;
};

class ServerLink;

/** What the signer's link tells its owner. Called on the serving thread. */
class ServerLinkHandler {
public:
    ServerLinkHandler() = default;
    ServerLinkHandler(const ServerLinkHandler&) = delete;
    ServerLinkHandler& operator=(const ServerLinkHandler&) = delete;
    virtual ~ServerLinkHandler() = default;

    /** A TLS session was established and verified; record state starts fresh. */
    virtual void on_session_start(ServerLink& link) = 0;
    /** One record line (or a line_too_long error) of the current session. */
    virtual void on_line(ServerLink& link, const LineSplitter::Item& line) = 0;
    /** The session ended (close_notify, failure, a new HELLO, a deadline). */
    virtual void on_session_end(ServerLink& link, std::error_code why) = 0;

    /**
     * Every event of one read of the line was delivered (the records that arrived together):
     * a handler that holds work back to do it for several records at once does it now. What
     * it sends goes out when it returns. By default nothing.
     */
    virtual void on_input_done(ServerLink& /*link*/) {}

    /** Something an operator may want in the log (no secrets): HELLO, RESET, TLS failure. */
    virtual void on_event(std::string_view what) = 0;

    /**
     * The line's counters (frames dropped, RESETs sent, sessions failed) since the last
     * summary, at most once a minute (LinkStatsSummary): a warning. By default on_event().
     */
    virtual void on_link_summary(std::string_view what) { on_event(what); }
};

/** The signer end of one line, blocking on it. */
class ServerLink final {
public:
    ServerLink(io::Stream& line,
               const tls::Credentials& creds,
               tls::SessionOptions tls_options,
               LinkOptions options);
    ~ServerLink();
    ServerLink(const ServerLink&) = delete;
    ServerLink& operator=(const ServerLink&) = delete;

    /**
     * Serves the line until `stop` becomes true (checked at least every `tick`), calling
     * `handler` for each event.
     * @return {} after stop, or io_failed when the line itself failed.
     */
    [[nodiscard]] std::error_code serve(
        const std::atomic<bool>& stop,
        ServerLinkHandler& handler,
        std::chrono::milliseconds tick = std::chrono::milliseconds(200));

    /**
     * The line was just opened: writes END and RESET (ServerLinkMachine::announce), so that a
     * client in a session with an earlier signer process starts over at once.
     */
    void announce();

    /**
     * Queues one whole message in the current session (chunked as §4 requires). Call from
     * the handler: the frames are written when the handler returns; if that write fails the
     * session ends (on_event, then on_session_end).
     * @return {}; link_reset (no established session); or a TLS error.
     */
    [[nodiscard]] std::error_code send(const Message& m) { return m_machine.send(m); }

    [[nodiscard]] bool established() const noexcept { return m_machine.established(); }

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_machine.stats(); }

private:
    void dispatch(ServerLinkHandler& handler);
    void deliver(const ServerEvent& event, ServerLinkHandler& handler);
    void flush();

    io::Stream& m_line;
    LinkOptions m_options;
    ServerLinkMachine m_machine;
    LinkStatsSummary m_summary;
};

}  // namespace librecord
