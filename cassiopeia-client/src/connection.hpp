// One client's link to the signer: the line, the TLS session, and request/reply with the
// retry rules of docs/protocol.md §2 (a lost session is started over and the request replayed).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <librecord/error_code.hpp>
#include <librecord/io/serial_channel.hpp>
#include <librecord/link.hpp>
#include <librecord/record.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace cassiopeia::client {

/** Why a request brought back no replies: the signer's refusal, or a link failure (past the
 * deadline when it comes from converse()). */
using RequestFailure = std::variant<librecord::Refusal, std::error_code>;

/** What one request brought back: the replies to its closing command, or why there are none. */
using Exchange = librecord::Result<std::vector<librecord::Message>, RequestFailure>;

/** The signer's refusal in `x`, or null. */
[[nodiscard]] const librecord::Refusal* refusal_of(const Exchange& x) noexcept;

/** The link failure in `x`; an empty code when `x` holds replies or a refusal. */
[[nodiscard]] std::error_code link_error_of(const Exchange& x) noexcept;

/**
 * True when the link got somewhere between the two readings of Connection::link_stats(): a
 * session was established or a RESET came from the signer. The retry back-off then starts
 * over at its first step (docs/protocol.md §2): the line and the signer work.
 */
[[nodiscard]] bool link_progressed(const librecord::LinkStats& before,
                                   const librecord::LinkStats& after) noexcept;

/** True when `m` is the reply `r` (by its command code). */
[[nodiscard]] inline bool is_reply(const librecord::Message& m, librecord::Reply r) noexcept {
    return m.command == static_cast<uint16_t>(r);
}

/** One command of a request, in the order sent. */
struct Step {
    librecord::Command command;
    std::vector<uint8_t> payload;
};

class Connection final {
public:
    explicit Connection(const ClientConfig& config);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /**
     * Sends `steps` (set-up commands then one closing command) on the current link session,
     * connecting first if there is none, and collects `replies` replies to the closing
     * command. One attempt: a link failure is returned in Exchange::link_error.
     */
    [[nodiscard]] Exchange call(const std::vector<Step>& steps, size_t replies);

    /**
     * call() for a command that needs the state the conversation's previous call left on the
     * signer (logSaved after sign, §5.1): on the same link session, never a new one. When that
     * session is gone (a RESET or a dropped frame arrived with the previous reply), returns a
     * `link_reset` failure, so that converse() replays the whole conversation; a new session's
     * signer would hold no signed result and refuse the command for good.
     */
    [[nodiscard]] Exchange call_in_session(const std::vector<Step>& steps, size_t replies);

    /**
     * Runs `conversation` (one or more call()s); when it ends in a link failure that a new
     * session may cure, starts a new link session and runs it again from the start, backing
     * off as §2 says, until the handshake deadline counted from the first try. Safe because
     * every job is idempotent (§6).
     */
    [[nodiscard]] Exchange converse(const std::function<Exchange(Connection&)>& conversation);

    /** call() inside converse(): one request, replayed on link failures. */
    [[nodiscard]] Exchange request(const std::vector<Step>& steps, size_t replies);

    /** A link session: the current one, or a new one (handshake deadline). */
    [[nodiscard]] std::error_code open_session();

    /**
     * Sends `steps` on the current session without waiting for replies (pipelining,
     * docs/protocol.md §5.1); the counter of the last one, or link_reset when no session is up.
     */
    [[nodiscard]] librecord::Result<uint16_t> send_steps(const std::vector<Step>& steps);

    /** The next reply of the current session, whichever command it answers. */
    [[nodiscard]] librecord::Result<librecord::Message> next_reply();

    /** Closes the TLS session (close_notify). */
    void close() noexcept;

    /** Closes the TLS session and releases the line (lock and TIOCEXCL) for another client. */
    void close_line() noexcept;

    /**
     * One-shot commands: when a new link session is not up within a few seconds (a signer
     * down or not answering), says once on `err` that the client waits for the signer, on
     * which line and until when (the handshake deadline). Null: say nothing (the daemon).
     */
    void announce_waits(std::ostream* err) noexcept { m_wait_notice = err; }

    /** The configuration this connection was made with. */
    [[nodiscard]] const ClientConfig& config() const noexcept { return m_config; }

    /** True while a TLS session is open. */
    [[nodiscard]] bool session_open() const noexcept;

    /** The link counters of every line this connection opened, added up. */
    [[nodiscard]] librecord::LinkStats link_stats() const noexcept;

    /**
     * Logs (WARN) the frames dropped, RESETs received and sessions failed since the last such
     * line, at most once a minute.
     */
    void report_link();

private:
    [[nodiscard]] std::error_code ensure_connected(librecord::io::Clock::time_point deadline);

    const ClientConfig& m_config;
    std::unique_ptr<librecord::tls::Credentials> m_creds;
    std::unique_ptr<librecord::io::SerialChannel> m_line;
    std::unique_ptr<librecord::ClientLink> m_link;
    librecord::LinkStats m_closed_stats;  ///< of the links close_line() dropped
    librecord::LinkStatsSummary m_summary;
    std::ostream* m_wait_notice = nullptr;
    bool m_wait_told = false;  ///< the wait was announced: once per connection
};

}  // namespace cassiopeia::client
