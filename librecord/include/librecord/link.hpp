// Link sessions (docs/protocol.md §1–§4): HELLO / HELLO_ACK / RESET, TLS over DATA frames,
// and record lines inside TLS, for both ends of the line. Blocking calls with deadlines
// over an io::Stream.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "io/stream.hpp"
#include "limits.hpp"
#include "record.hpp"
#include "result.hpp"
#include "slip.hpp"
#include "tls_engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace librecord {

/** Deadlines of §7, configurable. */
struct LinkOptions {
    std::chrono::milliseconds handshake_timeout = limits::handshake_timeout;
    std::chrono::milliseconds io_timeout = limits::io_timeout;
    /** Signer only: an established session with no traffic for this long is closed. */
    std::chrono::milliseconds session_idle_timeout = std::chrono::minutes(15);
};

/** Counters an operator may want to see (frames dropped, sessions, resets). */
struct LinkStats {
    uint64_t frames_dropped = 0;
    uint64_t sessions = 0;
    uint64_t resets = 0;
};

/**
 * The client end: opens link sessions and exchanges whole messages.
 * Not thread-safe; one command at a time.
 */
class ClientLink final {
public:
    ClientLink(io::Stream& line,
               const tls::Credentials& creds,
               tls::SessionOptions tls_options,
               LinkOptions options);
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

    [[nodiscard]] bool connected() const noexcept;

    /**
     * Sends one command with the next counter (§4).
     * @return {}; payload_too_large (more than limits::max_request_payload bytes, nothing
     *   sent, the session stays); or a link error (the session is dropped).
     */
    [[nodiscard]] std::error_code send(uint16_t command, std::span<const uint8_t> payload);

    /** The counter of the last command sent. */
    [[nodiscard]] uint16_t last_counter() const noexcept { return m_counter; }

    /**
     * Waits for the next whole reply of this session (read deadline of §7).
     * @return the message; timed_out; link_reset; tls_closed; tls_failed; protocol (a
     *   record of another session or a malformed record from the signer).
     */
    [[nodiscard]] Result<Message> receive();

    /** Sends close_notify and forgets the session. */
    void close() noexcept;

    /** Writes `text` into the TLS session as is, to send malformed records in tests. */
    [[nodiscard]] std::error_code send_text_for_test(std::string_view text);

    [[nodiscard]] uint32_t session_id() const noexcept { return m_session; }

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_stats; }

    /** Reason of the last TLS failure, for the operator's log. */
    [[nodiscard]] const std::string& failure() const noexcept { return m_failure; }

private:
    [[nodiscard]] std::error_code send_frame(FrameType type, std::span<const uint8_t> body);
    [[nodiscard]] std::error_code flush_tls();
    [[nodiscard]] std::error_code await_hello_ack(const Hello& hello, io::Clock::time_point until);
    [[nodiscard]] std::error_code pump(io::Clock::time_point deadline);
    void drop() noexcept;

    io::Stream& m_line;
    const tls::Credentials& m_creds;
    tls::SessionOptions m_tls_options;
    LinkOptions m_options;
    FrameReader m_frames;
    std::unique_ptr<tls::Engine> m_tls;
    LineSplitter m_lines;
    MessageAssembler m_assembler{limits::max_reply_payload};
    std::vector<Message> m_ready;
    std::vector<uint8_t> m_plain;
    uint32_t m_session = 0;
    uint16_t m_counter = 0;
    std::error_code m_end;  // the session ended after the messages still in m_ready
    LinkStats m_stats;
    std::string m_failure;
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
    /** Something an operator may want in the log (no secrets): HELLO, RESET, TLS failure. */
    virtual void on_event(std::string_view what) = 0;
};

/** The signer end of one line. */
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
     * Serves the line until `stop` becomes true (checked at least every `tick`).
     * @return {} after stop, or io_failed when the line itself failed.
     */
    [[nodiscard]] std::error_code serve(
        const std::atomic<bool>& stop,
        ServerLinkHandler& handler,
        std::chrono::milliseconds tick = std::chrono::milliseconds(200));

    /** Sends one whole message in the current session (chunked as §4 requires). */
    [[nodiscard]] std::error_code send(const Message& m);

    [[nodiscard]] bool established() const noexcept;

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_stats; }

private:
    void on_frame(const LinkFrame& f, ServerLinkHandler& handler);
    void on_data(std::span<const uint8_t> ciphertext, ServerLinkHandler& handler);
    void end_session(std::error_code why, ServerLinkHandler& handler) noexcept;
    void check_deadlines(ServerLinkHandler& handler);
    [[nodiscard]] std::error_code send_frame(FrameType type, std::span<const uint8_t> body);
    [[nodiscard]] std::error_code flush_tls();

    io::Stream& m_line;
    const tls::Credentials& m_creds;
    tls::SessionOptions m_tls_options;
    LinkOptions m_options;
    FrameReader m_frames;
    std::unique_ptr<tls::Engine> m_tls;
    bool m_started = false;    // on_session_start was called for m_tls
    std::error_code m_broken;  // a reply could not be written: the session must end
    LineSplitter m_lines;
    io::Clock::time_point m_handshake_deadline{};
    io::Clock::time_point m_last_traffic{};
    io::Clock::time_point m_last_reset{};
    LinkStats m_stats;
};

}  // namespace librecord
