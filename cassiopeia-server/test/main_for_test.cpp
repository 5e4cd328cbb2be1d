// cassiopeia-server-test: cassiopeia-server plus the test-only crash switch. With
// CASSIOPEIA_TEST_KILL_AFTER_COMMIT=1 in its environment it SIGKILLs itself right after a
// certificate was committed and before setLog is sent (docs/protocol.md §8.4). Built only with
// CASSIOPEIA_TESTS; never installed.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "server_main.hpp"

#include <csignal>
#include <cstdlib>
#include <string_view>

int main(int argc, char** argv) {
    cassiopeia::server::TestHooks hooks;
    const char* kill =
        std::getenv("CASSIOPEIA_TEST_KILL_AFTER_COMMIT");  // NOLINT(concurrency-mt-unsafe)
    if (kill != nullptr && std::string_view(kill) == "1") {
        hooks.after_commit = [] { ::raise(SIGKILL); };
    }
    return cassiopeia::server::server_main(argc, argv, hooks);
}
