// Sans-I/O link sessions (docs/protocol.md §1–§4, §7): state machines that take received bytes
// and the time, and give bytes to write, events and the next deadline. No clock, no I/O.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "limits.hpp"
#include "record.hpp"
#include "slip.hpp"
#include "tls_engine.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace librecord {

/** The clock the link's deadlines are counted on; the machines only ever receive its times. */
using LinkClock = std::chrono::steady_clock;
using LinkTime = LinkClock::time_point;

/** Deadlines of §7, configurable. */
struct LinkOptions {
    std::chrono::milliseconds handshake_timeout = limits::handshake_timeout;
    std::chrono::milliseconds io_timeout = limits::io_timeout;
    /** Signer only: an established session with no traffic for this long is closed. */
    std::chrono::milliseconds session_idle_timeout = std::chrono::minutes(15);
};

/** Counters an operator may want to see (docs/protocol.md §2), only ever growing. */
struct LinkStats {
    uint64_t frames_dropped = 0;  ///< bad CRC, bad framing, unknown type, bad length
    uint64_t sessions = 0;        ///< TLS sessions established
    uint64_t resets = 0;          ///< RESETs sent (signer) or received in a session (client)
    /** Link sessions (from HELLO_ACK on) that ended other than by close_notify or a new HELLO. */
    uint64_t failures = 0;
};

/**
 * The operator's summary of a line's counters, rate-limited: take() gives a line to log (WARN)
 * when frames were dropped, RESETs sent or received or sessions failed since the last one, at
 * most once per `period`; never one line per frame.
 */
class LinkStatsSummary final {
public:
    explicit LinkStatsSummary(std::chrono::seconds period = std::chrono::seconds(60)) noexcept
        : m_period(period) {}

    /** `total` is the line's counters at `now`; the text to log, or std::nullopt. */
    [[nodiscard]] std::optional<std::string> take(const LinkStats& total, LinkTime now);

private:
    std::chrono::seconds m_period;
    LinkStats m_seen;
    std::optional<LinkTime> m_last;
};

/**
 * Fills a buffer with unpredictable bytes (HELLO nonces, session ids). Tests inject a
 * deterministic one; system_random_fill is the default.
 */
using RandomFill = std::function<void(std::span<uint8_t>)>;

/** Fills `out` from the kernel's CSPRNG. Throws cassiopeia::Error{internal} if getrandom fails. */
void system_random_fill(std::span<uint8_t> out);

/**
 * One frame for the driver to write, SLIP-encoded and complete. The deadline of §7 applies to
 * each of them on its own: a 16 MiB CRL takes far longer than 30 s at 115,200 baud.
 */
struct LinkWrite {
    std::vector<uint8_t> wire;
    /**
     * Non-zero for DATA frames of a live link session: a failed write of such a frame leaves a
     * partial frame in the TLS stream, so the driver must report it (write_failed()) and skip
     * the later writes of the same session. Zero for control frames and for the last words of
     * a session that is already over; their failure changes nothing.
     */
    uint64_t session = 0;
};

// ---------------------------------------------------------------------------------------------
// Client

/** A client link session is established and verified; commands may be sent. */
struct LinkConnected {
    uint32_t session_id = 0;
};

/** One whole reply of the current session. */
struct LinkMessage {
    Message message;
};

/**
 * The session ended, or a connect() failed: timed_out, link_reset, tls_handshake / tls_peer /
 * tls_alpn, tls_closed, tls_failed or protocol.
 */
struct LinkEnded {
    std::error_code why;
};

using ClientEvent = std::variant<LinkConnected, LinkMessage, LinkEnded>;

/**
 * The client end of the link as a state machine. Typical driver loop:
 * connect(now); then repeatedly write every take_output() frame, hand out next_event() until
 * it is empty, and wait for bytes until next_deadline(): give them to receive(), or call
 * tick() when the deadline passed. Not thread-safe.
 */
class ClientLinkMachine final {
public:
    ClientLinkMachine(const tls::Credentials& creds,
                      tls::SessionOptions tls_options,
                      LinkOptions options,
                      RandomFill random = system_random_fill);
    ~ClientLinkMachine();
    ClientLinkMachine(const ClientLinkMachine&) = delete;
    ClientLinkMachine& operator=(const ClientLinkMachine&) = delete;

    /**
     * Starts a new link session (§1, §2, §3), dropping any old one and its pending events:
     * queues END (flushes line noise at the peer's decoder) and a HELLO with a fresh nonce.
     * The driver discards the line's stale input itself before calling this. HELLO is repeated
     * with a new nonce at each tick() after a back-off of 0.5 s doubling to 10 s, until the
     * matching HELLO_ACK; then the TLS handshake runs, all under the handshake deadline.
     * Ends in LinkConnected, or LinkEnded (timed_out, link_reset, tls_handshake / tls_peer /
     * tls_alpn).
     */
    void connect(LinkTime now);

    /**
     * Bytes read from the line at `now`. Before the HELLO_ACK that answers our HELLO
     * everything is ignored (§1). After it, a RESET or a dropped frame (the TLS stream has a
     * gap) ends the attempt or session with link_reset at once; the frames before the gap are
     * still acted on. Call next_event() and take_output() afterwards.
     */
    void receive(std::span<const uint8_t> bytes, LinkTime now);

    /**
     * The time is `now`; call when next_deadline() has passed (calling earlier is harmless).
     * May resend HELLO, or end the attempt or session with timed_out.
     */
    void tick(LinkTime now);

    /**
     * The driver is about to wait for a reply: from now on the read deadline of §7 runs, and
     * each receive() restarts it, until the next LinkMessage is handed out.
     */
    void await_message(LinkTime now);

    /**
     * Queues one command with the next counter (§4).
     * @return {}; payload_too_large (more than limits::max_request_payload bytes, nothing
     *   queued, the session stays); link_reset (no established session); or a TLS error
     *   (the session is dropped).
     */
    [[nodiscard]] std::error_code send(uint16_t command, std::span<const uint8_t> payload);

    /** Writes `text` into the TLS session as is, to send malformed records in tests. */
    [[nodiscard]] std::error_code send_text_for_test(std::string_view text);

    /**
     * Holds the records of the next send()s until uncork() writes them into one TLS record:
     * a request of several commands costs one record's overhead on the line, not one each.
     */
    void cork() noexcept { m_corked = true; }

    /** Writes what cork() held. @return {}, or a TLS error (the session is dropped). */
    [[nodiscard]] std::error_code uncork();

    /** Queues close_notify and forgets the session and its pending events. */
    void close() noexcept;

    /** The line failed (a write or a read): the session is dropped without an event. */
    void abort() noexcept;

    /**
     * Frames to write, in order; empties the queue. Call after every other call. On a failed
     * write, call abort() and drop the rest.
     */
    [[nodiscard]] std::vector<LinkWrite> take_output();

    /**
     * The next event, or std::nullopt when the input given so far has no more. Messages that
     * arrived before a close or failure come out before its LinkEnded.
     */
    [[nodiscard]] std::optional<ClientEvent> next_event();

    /** True while events wait to be handed out. */
    [[nodiscard]] bool has_events() const noexcept { return !m_events.empty(); }

    /**
     * When tick() must be called at the latest, or std::nullopt when no deadline runs (no
     * attempt in progress, or an established session that waits for nothing).
     */
    [[nodiscard]] std::optional<LinkTime> next_deadline() const noexcept;

    [[nodiscard]] bool connected() const noexcept;

    [[nodiscard]] uint32_t session_id() const noexcept { return m_session; }

    /** The counter of the last command sent. */
    [[nodiscard]] uint16_t last_counter() const noexcept { return m_counter; }

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_stats; }

    /** Reason of the last TLS failure, for the operator's log. */
    [[nodiscard]] const std::string& failure() const noexcept { return m_failure; }

private:
    enum class State { idle, hello_wait, handshaking, established };

    void send_hello();
    void on_hello_ack(const LinkFrame& f);
    [[nodiscard]] bool feed_session_frames(std::span<const LinkFrame> frames);
    void drive_handshake();
    void read_messages();
    [[nodiscard]] std::error_code take_lines(std::span<const uint8_t> plain);
    void queue_tls_output();
    void end(std::error_code why);
    void drop() noexcept;
    void feed_session(std::span<const LinkFrame> frames);

    const tls::Credentials& m_creds;
    tls::SessionOptions m_tls_options;
    LinkOptions m_options;
    RandomFill m_random;
    State m_state = State::idle;
    FrameReader m_frames;
    std::unique_ptr<tls::Engine> m_tls;
    LineSplitter m_lines;
    MessageAssembler m_assembler{limits::max_reply_payload};
    std::deque<ClientEvent> m_events;
    std::vector<LinkWrite> m_output;
    Hello m_hello;
    std::chrono::milliseconds m_backoff = limits::hello_initial_backoff;
    LinkTime m_deadline{};                 // of the whole connect()
    LinkTime m_hello_retry{};              // when the next HELLO goes out
    std::optional<LinkTime> m_read_until;  // armed by await_message()
    uint64_t m_generation = 0;             // tags LinkWrite::session
    uint32_t m_session = 0;
    uint16_t m_counter = 0;
    bool m_corked = false;
    std::string m_corked_text;  // records held by cork()
    LinkStats m_stats;
    std::string m_failure;
};

// ---------------------------------------------------------------------------------------------
// Server

/** A TLS session was established and verified; record state starts fresh. */
struct LinkStarted {};

/** One record line (or a line_too_long error) of the current session. */
struct LinkLine {
    LineSplitter::Item line;
};

/** Something an operator may want in the log (no secrets): HELLO, RESET, TLS failure. */
struct LinkNotice {
    std::string text;
};

/**
 * Signer events. LinkEnded follows only a LinkStarted session: close_notify, failure, a new
 * HELLO or a dropped frame (link_reset), a deadline (timed_out), a failed write, or the
 * driver's shutdown(). Every end but close_notify, a new HELLO, abort() and shutdown() also
 * queues a RESET (§2), handshakes that never started included.
 */
using ServerEvent = std::variant<LinkStarted, LinkLine, LinkEnded, LinkNotice>;

/**
 * The signer end of one line as a state machine. Typical driver loop: wait for bytes until
 * next_deadline() (or a shorter poll); give them to receive(); hand out next_event() until
 * it is empty, writing take_output() after each event; then tick(now).
 *
 * Replies (send()) made while an event is handled only queue frames: the session the event
 * belongs to stays as it was until the next next_event() call. Not thread-safe.
 */
class ServerLinkMachine final {
public:
    ServerLinkMachine(const tls::Credentials& creds,
                      tls::SessionOptions tls_options,
                      LinkOptions options);
    ~ServerLinkMachine();
    ServerLinkMachine(const ServerLinkMachine&) = delete;
    ServerLinkMachine& operator=(const ServerLinkMachine&) = delete;

    /**
     * Bytes read from the line at `now`. Bad frames are dropped and counted; valid ones are
     * kept and acted on by next_event(), one frame at a time. A frame dropped while a link
     * session (handshake or established) is up ends it: its TLS stream has a gap.
     */
    void receive(std::span<const uint8_t> bytes, LinkTime now);

    /**
     * The signer has just opened its line (at start, or after re-opening it): queues END and
     * RESET (not counted in stats(): no fault), so that a client still in a session with an
     * earlier signer process starts over.
     */
    void announce(LinkTime now);

    /**
     * The next event, or std::nullopt once every frame received so far has been acted on.
     * Acting on frames queues output (HELLO_ACK, RESET at most once a second, TLS data).
     */
    [[nodiscard]] std::optional<ServerEvent> next_event();

    /**
     * The time is `now`: applies the handshake deadline and the session deadlines of §7 (a
     * half-received line gets io_timeout, an idle session session_idle_timeout), and sends a
     * RESET owed since the last second. Call after the events are handed out, when
     * next_deadline() has passed or at any poll.
     */
    void tick(LinkTime now);

    /**
     * Queues one whole message in the current session (chunked as §4 requires).
     * @return {}; link_reset (no established session, or an earlier write failed); or a TLS
     *   error (the session ends at the next next_event()).
     */
    [[nodiscard]] std::error_code send(const Message& m);

    /** As ClientLinkMachine::cork(): the replies to one event go out as one TLS record. */
    void cork() noexcept { m_corked = true; }

    /** Writes what cork() held; a TLS error ends the session at the next next_event(). */
    void uncork();

    /**
     * The driver could not write a frame tagged with `session` (LinkWrite::session). If that
     * session is the current one it ends with `why` once the events in hand are out.
     */
    void write_failed(uint64_t session, std::error_code why) noexcept;

    /** The line failed: ends the session with `why` (no close_notify). */
    void abort(std::error_code why);

    /** The signer stops: queues close_notify and ends the session with tls_closed. */
    void shutdown();

    /** Frames to write, in order; empties the queue. */
    [[nodiscard]] std::vector<LinkWrite> take_output();

    /**
     * When tick() must be called at the latest, or std::nullopt when no session exists and no
     * RESET is owed (then only received bytes change anything).
     */
    [[nodiscard]] std::optional<LinkTime> next_deadline() const noexcept;

    [[nodiscard]] bool established() const noexcept;

    [[nodiscard]] const LinkStats& stats() const noexcept { return m_stats; }

private:
    void on_frame(const LinkFrame& f);
    void on_hello(const LinkFrame& f);
    void on_data(std::span<const uint8_t> ciphertext);
    [[nodiscard]] bool drive_handshake();
    void read_lines();
    void end_session(std::error_code why);
    void fail_session(std::error_code why);
    void on_dropped_frame();
    void owe_reset();
    void send_owed_reset();
    [[nodiscard]] std::optional<LinkTime> session_deadline() const noexcept;
    void queue_frame(FrameType type, std::span<const uint8_t> body);
    void queue_tls_output(uint64_t session);

    const tls::Credentials& m_creds;
    tls::SessionOptions m_tls_options;
    LinkOptions m_options;
    FrameReader m_frames;
    std::deque<std::optional<LinkFrame>> m_pending;  // received, not acted on yet; empty: a drop
    std::deque<ServerEvent> m_events;
    std::vector<LinkWrite> m_output;
    std::unique_ptr<tls::Engine> m_tls;
    bool m_started = false;                  // LinkStarted was queued for m_tls
    std::error_code m_broken;                // a write failed: the session must end
    std::optional<std::error_code> m_ended;  // the TLS session ended after the lines in hand
    LineSplitter m_lines;
    uint64_t m_generation = 0;  // tags LinkWrite::session
    LinkTime m_now{};
    LinkTime m_handshake_deadline{};
    LinkTime m_last_traffic{};
    std::optional<LinkTime> m_last_reset;
    bool m_reset_owed = false;  // sent once m_last_reset is a second old (§2)
    bool m_corked = false;
    std::string m_corked_text;  // replies held by cork()
    LinkStats m_stats;
};

}  // namespace librecord
