// The queue daemon's signals, through Boost.Asio (as cassiopeia-server does).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "daemon_signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace cassiopeia::client {

namespace asio = boost::asio;

struct DaemonSignals::State {
    asio::io_context ctx;
    asio::signal_set signals{ctx, SIGTERM, SIGINT, SIGHUP};
    bool stop = false;
    bool reopen = false;

    /** Waits for the next signal; a stop is final, so nothing waits after it. */
    void arm() {
        signals.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) {
                return;  // cancelled: the set is being destroyed
            }
            if (sig == SIGHUP) {
                reopen = true;
                arm();
                return;
            }
            stop = true;
            ctx.stop();  // ends a sleep_for() in progress
        });
    }

    /** Delivers the signals that came since the last look, without blocking. */
    void poll() {
        ctx.restart();
        ctx.poll();
    }
};

DaemonSignals::DaemonSignals() : m_state(std::make_unique<State>()) {
    m_state->arm();
}

DaemonSignals::~DaemonSignals() = default;

bool DaemonSignals::stop_requested() {
    m_state->poll();
    return m_state->stop;
}

bool DaemonSignals::take_reopen_request() {
    m_state->poll();
    const bool asked = m_state->reopen;
    m_state->reopen = false;
    return asked;
}

void DaemonSignals::sleep_for(std::chrono::steady_clock::duration how_long) {
    if (stop_requested()) {
        return;
    }
    m_state->ctx.restart();
    m_state->ctx.run_for(how_long);
}

}  // namespace cassiopeia::client
