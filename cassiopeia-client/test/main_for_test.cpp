// cassiopeia-client-test: cassiopeia-client plus the test-only crash switch of the fault matrix:
// with CASSIOPEIA_TEST_KILL_AT=<step> in its environment it SIGKILLs itself at that step of the
// sign flow (tests/support/kill_at.hpp, docs/reliability.md). Built only with CASSIOPEIA_TESTS;
// never installed.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "client_main.hpp"
#include "kill_at.hpp"

#include <cassiopeia/common/exit_code.hpp>

int main(int argc, char** argv) {
    if (!cassiopeia::test::install_kill_at_from_env("cassiopeia-client-test")) {
        return cassiopeia::exit_code::usage;
    }
    return cassiopeia::client::client_main(argc, argv);
}
