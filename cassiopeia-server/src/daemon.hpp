// The signer daemon: opens its lines and keys, drops privileges, serves each line on its own
// thread with the signing service until SIGINT/SIGTERM, and signs CRLs on a timer.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <chrono>
#include <functional>

namespace cassiopeia::server {

class Daemon final {
public:
    explicit Daemon(ServerConfig config);

    /** Serves until SIGINT/SIGTERM. @return the process exit status. */
    [[nodiscard]] int run();

    /** Handed to SigningService::set_after_commit_hook_for_test; only the test build calls it. */
    void set_after_commit_hook_for_test(std::function<void()> hook);

    /** Handed to SigningService::set_clock_offset_for_test; only the test build calls it. */
    void set_clock_offset_for_test(std::chrono::seconds offset);

private:
    ServerConfig m_config;
    std::function<void()> m_after_commit_for_test;
    std::chrono::seconds m_clock_offset_for_test{0};
};

}  // namespace cassiopeia::server
