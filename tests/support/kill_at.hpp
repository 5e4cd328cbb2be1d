// The test builds' crash switch: CASSIOPEIA_TEST_KILL_AT names a step of the sign flow
// (cassiopeia/common/test_point.hpp); the process SIGKILLs itself the CASSIOPEIA_TEST_KILL_NTH-th
// time (default 1) it reaches that step, CASSIOPEIA_TEST_KILL_DELAY_MS milliseconds later
// (default 0: at once; a delay lets a reply just queued leave the process first). With
// CASSIOPEIA_TEST_KILL_SIGNAL=STOP it stops itself instead (SIGSTOP), for the test to do
// something to the line while it is frozen and then continue it (SIGCONT). Used by the
// fault matrix (tests/faults/, docs/reliability.md); linked only into cassiopeia-server-test and
// cassiopeia-client-test.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cassiopeia::test {

/**
 * A whole decimal number in [0, 10^9), or nothing (empty, a sign, other characters, too big).
 * The environment's numbers are read with it.
 */
[[nodiscard]] std::optional<int64_t> parse_count(std::string_view text) noexcept;

/**
 * Reads the switch from the environment and installs the handler when it is set.
 * @return false (after a message on stderr) when a number in it is invalid.
 */
[[nodiscard]] bool install_kill_at_from_env(std::string_view program);

}  // namespace cassiopeia::test
