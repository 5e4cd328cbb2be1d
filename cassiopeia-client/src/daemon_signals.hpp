// The queue daemon's signals: SIGTERM and SIGINT ask it to stop after the job in hand, SIGHUP
// asks it to reopen its log files (docs/conventions.md §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <memory>

namespace cassiopeia::client {

/**
 * Catches the three signals through Boost.Asio's signal_set while it lives (their default
 * handling comes back when it is destroyed). Nothing runs in a signal handler: the daemon asks
 * between steps, and a back-off sleep ends early when a stop is asked.
 */
class DaemonSignals final {
public:
    DaemonSignals();
    ~DaemonSignals();
    DaemonSignals(const DaemonSignals&) = delete;
    DaemonSignals& operator=(const DaemonSignals&) = delete;

    /** True once SIGTERM or SIGINT came; it stays true. */
    [[nodiscard]] bool stop_requested();

    /** True once per SIGHUP (or burst of them) since the last call. */
    [[nodiscard]] bool take_reopen_request();

    /** Sleeps for `how_long`, or less when a stop is asked meanwhile. */
    void sleep_for(std::chrono::steady_clock::duration how_long);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace cassiopeia::client
