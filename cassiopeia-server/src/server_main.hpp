// The body of cassiopeia-server's main: options, logging, the chosen command, exit status.
// Shared by the production main and the test build's main.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <functional>

namespace cassiopeia::server {

/** Seams only the test build's main fills in. */
struct TestHooks {
    /** Installed by SigningService::set_after_commit_hook_for_test when set. */
    std::function<void()> after_commit;
    /** Added to the signer's notion of now (SigningService::set_clock_offset_for_test). */
    std::chrono::seconds clock_offset{0};
};

/** Runs cassiopeia-server with argv. @return the process exit status (exit_code.hpp). */
[[nodiscard]] int server_main(int argc, char** argv, const TestHooks& hooks = {});

}  // namespace cassiopeia::server
