// cassiopeia-server-test: cassiopeia-server plus the test-only switches. With
// CASSIOPEIA_TEST_KILL_AFTER_COMMIT=1 in its environment it SIGKILLs itself right after a
// certificate was committed and before setLog is sent (docs/protocol.md §8.4). With
// CASSIOPEIA_TEST_CLOCK_OFFSET_S=N (a signed number of seconds) its notion of now is N seconds
// off the system clock, to play a signer whose clock is far from the client's. With
// CASSIOPEIA_TEST_KILL_AT=<step> it SIGKILLs itself at that step of the sign flow (the fault
// matrix's crash switch, tests/support/kill_at.hpp, docs/reliability.md). Built only with
// CASSIOPEIA_TESTS; never installed.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "kill_at.hpp"
#include "server_main.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <cassiopeia/common/test_point.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

/** CASSIOPEIA_TEST_CLOCK_OFFSET_S as seconds; 0 when unset. Exits 2 when it is no number. */
std::chrono::seconds clock_offset() {
    const char* text =
        std::getenv("CASSIOPEIA_TEST_CLOCK_OFFSET_S");  // NOLINT(concurrency-mt-unsafe)
    if (text == nullptr || *text == '\0') {
        return std::chrono::seconds{0};
    }
    const std::string_view s(text);
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        std::fputs("cassiopeia-server-test: CASSIOPEIA_TEST_CLOCK_OFFSET_S is no number\n", stderr);
        std::exit(2);  // NOLINT(concurrency-mt-unsafe)
    }
    return std::chrono::seconds{n};
}

}  // namespace

int main(int argc, char** argv) {
    if (!cassiopeia::test::install_kill_at_from_env("cassiopeia-server-test")) {
        return cassiopeia::exit_code::usage;
    }
    cassiopeia::server::TestHooks hooks;
    const char* kill =
        std::getenv("CASSIOPEIA_TEST_KILL_AFTER_COMMIT");  // NOLINT(concurrency-mt-unsafe)
    if (kill != nullptr && std::string_view(kill) == "1") {
        hooks.after_commit = [] { ::raise(SIGKILL); };
    } else {
        hooks.after_commit = [] { cassiopeia::common::test_point("committed"); };
    }
    hooks.clock_offset = clock_offset();
    return cassiopeia::server::server_main(argc, argv, hooks);
}
