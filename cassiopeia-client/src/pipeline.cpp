// Sign requests pipelined on one link session.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "pipeline.hpp"

#include "ossl/x509.hpp"

#include <cassiopeia/common/test_point.hpp>
#include <librecord/errors.hpp>
#include <librecord/limits.hpp>

#include <algorithm>

namespace cassiopeia::client {

namespace lr = librecord;

namespace {

Exchange link_failure(std::error_code ec) {
    return Exchange{RequestFailure{ec}};
}

}  // namespace

Pipeline::Pipeline(Connection& conn, size_t window)
    : m_conn(conn), m_window(std::clamp<size_t>(window, 1, lr::limits::max_waiting_results)) {}

std::error_code Pipeline::send(Connection& c, PipelinedRequest& r) {
    const auto counter = c.send_steps(r.steps);
    if (!counter) {
        return counter.error();
    }
    m_expect[*counter] = Expect{&r, Stage::set_log};
    return {};
}

void Pipeline::finish(PipelinedRequest& r, Exchange outcome, const Done& done) {
    r.outcome = std::move(outcome);
    m_in_flight.erase(std::find(m_in_flight.begin(), m_in_flight.end(), &r));
    ++m_completed;
    done(r);
}

std::error_code Pipeline::on_reply(Connection& c, lr::Message msg, const Done& done) {
    const auto it = m_expect.find(msg.counter);
    if (it == m_expect.end()) {
        return {};  // a late reply to a command this session no longer waits for
    }
    const Expect expect = it->second;
    auto& r = *expect.request;
    if (is_reply(msg, lr::Reply::error)) {
        m_expect.erase(it);
        m_replies.clear();
        finish(r, Exchange{RequestFailure{lr::parse_refusal(msg.payload)}}, done);
        return {};
    }
    if (expect.stage == Stage::set_log) {
        if (!is_reply(msg, lr::Reply::set_log)) {
            return lr::Errc::protocol;  // the session is broken: replayed from the start
        }
        m_expect.erase(it);
        r.log = std::move(msg.payload);
        common::test_point("setlog_arrived");
        // §5.2: the log is kept before logSaved; the queue stores it with the certificate,
        // and the signer's repository returns the same bytes on a replay (docs/protocol.md §8.7).
        const std::vector<Step> release{{lr::Command::log_saved, [&] {
                                             const auto hex = ossl::sha256_hex(r.log);
                                             return std::vector<uint8_t>(hex.begin(), hex.end());
                                         }()}};
        const auto counter = c.send_steps(release);
        if (!counter) {
            return counter.error();
        }
        m_expect[*counter] = Expect{&r, Stage::released};
        return {};
    }
    m_replies.push_back(std::move(msg));
    if (m_replies.size() < 2) {
        return {};  // respondCertificate; signingCA follows with the same counter
    }
    m_expect.erase(it);
    common::test_point("respond_arrived");
    finish(r, Exchange{std::move(m_replies)}, done);
    m_replies.clear();
    return {};
}

Exchange Pipeline::attempt(Connection& c, const Source& next, const Done& done) {
    m_expect.clear();
    m_replies.clear();
    if (const auto ec = c.open_session(); ec) {
        return link_failure(ec);
    }
    // A new session holds nothing of the last one: what was in flight is sent again (§5.1).
    for (auto* r : m_in_flight) {
        r->log.clear();
        if (const auto ec = send(c, *r); ec) {
            return link_failure(ec);
        }
    }
    while (true) {
        while (m_in_flight.size() < m_window) {
            auto* r = next();
            if (r == nullptr) {
                break;
            }
            m_in_flight.push_back(r);
            if (const auto ec = send(c, *r); ec) {
                return link_failure(ec);
            }
            if (m_in_flight.size() == m_window && m_window > 1) {
                common::test_point(
                    "window_full");  // the fault matrix's moment (docs/reliability.md)
            }
        }
        if (m_in_flight.empty()) {
            return std::vector<lr::Message>{};
        }
        auto msg = c.next_reply();
        if (!msg) {
            return link_failure(msg.error());
        }
        if (const auto ec = on_reply(c, std::move(msg.value()), done); ec) {
            return link_failure(ec);
        }
    }
}

std::error_code Pipeline::run(const Source& next, const Done& done) {
    while (true) {
        const uint64_t before = m_completed;
        const auto out = m_conn.converse([&](Connection& c) { return attempt(c, next, done); });
        const auto ec = link_error_of(out);
        if (!ec) {
            return {};
        }
        if (m_completed != before && ec != lr::Errc::payload_too_large) {
            continue;  // requests completed since the deadline started: a fresh deadline
        }
        while (!m_in_flight.empty()) {
            finish(*m_in_flight.front(), link_failure(ec), done);
        }
        return ec;
    }
}

}  // namespace cassiopeia::client
