// One client's link to the signer.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "connection.hpp"

#include "backoff.hpp"
#include "logging.hpp"

#include <cassiopeia/common/test_point.hpp>
#include <librecord/errors.hpp>

#include <condition_variable>
#include <mutex>
#include <ostream>
#include <thread>

namespace cassiopeia::client {

namespace lr = librecord;
using lr::io::Clock;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.link");
    return l;
}

/** How long a one-shot command waits for a link session before it says that it waits. */
constexpr auto wait_notice_after = std::chrono::seconds(3);

/**
 * Writes `text` to `err` unless destroyed within wait_notice_after (Connection::announce_waits);
 * nothing at all when `err` is null.
 */
class WaitNotice final {
public:
    /** `told` is set once the text went out (read it only after this object is gone). */
    WaitNotice(std::ostream* err, std::string text, bool& told) {
        if (err != nullptr && !told) {
            m_thread = std::thread([this, err, &told, text = std::move(text)] {
                std::unique_lock lock(m_mutex);
                if (!m_cv.wait_for(lock, wait_notice_after, [this] { return m_done; })) {
                    *err << text << std::flush;
                    told = true;
                }
            });
        }
    }

    ~WaitNotice() {
        {
            const std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_cv.notify_all();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

    WaitNotice(const WaitNotice&) = delete;
    WaitNotice& operator=(const WaitNotice&) = delete;
    WaitNotice(WaitNotice&&) = delete;
    WaitNotice& operator=(WaitNotice&&) = delete;

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    std::thread m_thread;  // last: starts once the members it uses exist
};

/** Errors after which a fresh link session may succeed. */
bool retryable(std::error_code ec) {
    return ec == lr::Errc::timed_out || ec == lr::Errc::link_reset || ec == lr::Errc::tls_closed ||
           ec == lr::Errc::tls_failed || ec == lr::Errc::protocol;
}

/** The fault matrix's kill points once a closing command is on the line (docs/reliability.md). */
void sent_point(lr::Command last) noexcept {
    if (last == lr::Command::sign) {
        common::test_point("sign_sent");
    } else if (last == lr::Command::log_saved) {
        common::test_point("logsaved_sent");
    }
}

}  // namespace

Connection::Connection(const ClientConfig& config) : m_config(config) {}

Connection::~Connection() {
    close();
}

void Connection::close() noexcept {
    if (m_link) {
        m_link->close();
    }
}

void Connection::close_line() noexcept {
    close();
    m_closed_stats = link_stats();
    m_link.reset();
    m_line.reset();
}

librecord::LinkStats Connection::link_stats() const noexcept {
    auto total = m_closed_stats;
    if (m_link) {
        const auto& s = m_link->stats();
        total.frames_dropped += s.frames_dropped;
        total.sessions += s.sessions;
        total.resets += s.resets;
        total.failures += s.failures;
    }
    return total;
}

void Connection::report_link() {
    if (const auto summary = m_summary.take(link_stats(), Clock::now())) {
        LOG4CPLUS_WARN(log(), m_config.line << ": " << *summary);
    }
}

bool Connection::session_open() const noexcept {
    return m_link && m_link->connected();
}

std::error_code Connection::ensure_connected(Clock::time_point deadline) {
    if (!m_creds) {
        m_creds = std::make_unique<lr::tls::Credentials>(m_config.tls);
    }
    if (!m_line) {
        auto line = lr::io::SerialChannel::open(
            {m_config.line, m_config.baud}, deadline, [](const std::string& what) {
                LOG4CPLUS_WARN(log(), what);
            });
        if (line.error() == std::errc::invalid_argument) {
            throw Error(ErrorKind::config,
                        "baud",
                        "unsupported baud rate " + std::to_string(m_config.baud));
        }
        if (!line) {
            return line.error();
        }
        m_line = std::move(line.value());
    }
    if (!m_link) {
        auto opts = m_config.link;
        m_link = std::make_unique<lr::ClientLink>(
            *m_line, *m_creds, lr::tls::SessionOptions{m_config.peer_name}, opts);
    }
    if (m_link->connected()) {
        return {};
    }
    const auto wait_s =
        std::chrono::duration_cast<std::chrono::seconds>(m_config.link.handshake_timeout);
    const WaitNotice notice(m_wait_notice,
                            "cassiopeia-client: waiting for the signer to answer on " +
                                m_config.line + " (handshake deadline " +
                                std::to_string(wait_s.count()) + " s, deadline.handshake_s)\n",
                            m_wait_told);
    return m_link->connect();
}

const librecord::Refusal* refusal_of(const Exchange& x) noexcept {
    return x.ok() ? nullptr : std::get_if<librecord::Refusal>(&x.error());
}

std::error_code link_error_of(const Exchange& x) noexcept {
    if (x.ok()) {
        return {};
    }
    const auto* ec = std::get_if<std::error_code>(&x.error());
    return ec != nullptr ? *ec : std::error_code{};
}

std::error_code Connection::open_session() {
    return ensure_connected(lr::io::Clock::now() + m_config.link.handshake_timeout);
}

lr::Result<uint16_t> Connection::send_steps(const std::vector<Step>& steps) {
    if (!m_link || !m_link->connected()) {
        return lr::Errc::link_reset;
    }
    m_link->cork();  // the request's commands in one TLS record
    for (const auto& step : steps) {
        if (const auto ec = m_link->send(static_cast<uint16_t>(step.command), step.payload); ec) {
            (void)m_link->uncork();
            return ec;
        }
    }
    if (const auto ec = m_link->uncork(); ec) {
        return ec;
    }
    if (!steps.empty()) {
        sent_point(steps.back().command);
    }
    return m_link->last_counter();
}

lr::Result<lr::Message> Connection::next_reply() {
    if (!m_link) {
        return lr::Errc::link_reset;
    }
    return m_link->receive();
}

Exchange Connection::call(const std::vector<Step>& steps, size_t replies) {
    if (const auto ec = open_session(); ec) {
        return Exchange{RequestFailure{ec}};
    }
    const auto sent = send_steps(steps);
    if (!sent) {
        return Exchange{RequestFailure{sent.error()}};
    }
    std::vector<lr::Message> out;
    while (out.size() < replies) {
        auto msg = next_reply();
        if (!msg) {
            return Exchange{RequestFailure{msg.error()}};
        }
        if (msg->counter != *sent) {
            continue;  // a late reply to an earlier command of this session
        }
        if (msg->command == static_cast<uint16_t>(lr::Reply::error)) {
            return Exchange{RequestFailure{librecord::parse_refusal(msg->payload)}};
        }
        out.push_back(std::move(msg.value()));
    }
    return out;
}

bool link_progressed(const librecord::LinkStats& before,
                     const librecord::LinkStats& after) noexcept {
    return after.sessions != before.sessions || after.resets != before.resets;
}

Exchange Connection::call_in_session(const std::vector<Step>& steps, size_t replies) {
    if (!session_open()) {
        return Exchange{RequestFailure{std::error_code{lr::Errc::link_reset}}};
    }
    return call(steps, replies);
}

Exchange Connection::converse(const std::function<Exchange(Connection&)>& conversation) {
    const auto deadline = Clock::now() + m_config.link.handshake_timeout;
    Backoff backoff;
    std::error_code last;
    while (true) {
        const auto before = link_stats();
        Exchange out = conversation(*this);
        report_link();
        const auto ec = link_error_of(out);
        if (!ec) {
            return out;
        }
        if (link_progressed(before, link_stats())) {
            // §2: the link worked (a session, or a RESET from a signer that answers): a noisy
            // line or a restarted signer is tried again at once, not at the grown back-off.
            backoff.reset();
        }
        if (!retryable(ec) || Clock::now() + backoff.peek() >= deadline) {
            return out;  // the caller reports it, once
        }
        if (ec != last) {
            const auto& why = m_link ? m_link->failure() : std::string();
            LOG4CPLUS_WARN(log(),
                           "link to the signer on " << m_config.line << " failed: " << ec.message()
                                                    << (why.empty() ? "" : ": " + why)
                                                    << "; retrying until the handshake deadline");
            last = ec;
        }
        std::this_thread::sleep_for(backoff.next());
    }
}

Exchange Connection::request(const std::vector<Step>& steps, size_t replies) {
    return converse([&](Connection& c) { return c.call(steps, replies); });
}

}  // namespace cassiopeia::client
