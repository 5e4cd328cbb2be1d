// Sign requests pipelined on one link session (docs/protocol.md §5.1): up to a window of
// requests in flight, their logSaved sent as their logs arrive, and every request still in
// flight replayed under its request id when a session is lost (§6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "connection.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <system_error>
#include <vector>

namespace cassiopeia::client {

/** One sign request of a pipeline: its commands, then what came back. */
struct PipelinedRequest {
    std::vector<Step> steps;          ///< setRequestId … sign (docs/protocol.md §5.2)
    std::vector<uint8_t> log;         ///< the setLog payload, once it arrived
    std::optional<Exchange> outcome;  ///< respondCertificate and signingCA, or the refusal
    size_t tag = 0;                   ///< the caller's, untouched
};

/**
 * Runs sign requests with up to `window` in flight on the connection's session. A window of 1
 * is the sequential client: each request waits for its replies before the next is sent.
 */
class Pipeline final {
public:
    /** Gives the next request to send, or null when there is none for now. */
    using Source = std::function<PipelinedRequest*()>;
    /** Called once per request when its outcome is set (in the order the outcomes arrive). */
    using Done = std::function<void(PipelinedRequest&)>;

    Pipeline(Connection& conn, size_t window);

    /**
     * Sends what `next` gives while fewer than the window are in flight, until `next` gives
     * nothing and nothing is in flight. A lost session is started over (Connection::converse's
     * back-off and deadline, counted afresh after each request that completed) and the
     * requests in flight are sent again first, in their order. Returns {} when all are done,
     * or the link failure that outlasted the deadline; the requests then in flight get it as
     * their outcome (through `done`).
     */
    std::error_code run(const Source& next, const Done& done);

private:
    enum class Stage { set_log, released };

    struct Expect {
        PipelinedRequest* request;
        Stage stage;
    };

    [[nodiscard]] Exchange attempt(Connection& c, const Source& next, const Done& done);
    [[nodiscard]] std::error_code send(Connection& c, PipelinedRequest& r);
    [[nodiscard]] std::error_code on_reply(Connection& c, librecord::Message msg, const Done& done);
    void finish(PipelinedRequest& r, Exchange outcome, const Done& done);

    Connection& m_conn;
    size_t m_window;
    std::deque<PipelinedRequest*> m_in_flight;  ///< sent, outcome not yet known, in send order
    std::map<uint16_t, Expect> m_expect;        ///< this session's closing commands by counter
    std::vector<librecord::Message> m_replies;  ///< respondCertificate waiting for signingCA
    uint64_t m_completed = 0;
};

}  // namespace cassiopeia::client
