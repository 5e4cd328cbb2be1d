// The queue daemon: `cassiopeia-client run [--once]` works the WebDB queue over one
// long-lived link session (docs/conventions.md §1, §5, §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <ostream>

namespace cassiopeia::client {

/**
 * Runs the queue until SIGTERM/SIGINT (or, with --once, until no job is pending or due);
 * SIGHUP reopens the log files.
 * @return exit_code::ok; exit_code::failure when the link or the database stayed unreachable
 *   past the handshake deadline in --once mode (the jobs stay pending), or, in --once mode,
 *   when the WebDB refused a statement outside any job (not an outage, not a conflict).
 */
[[nodiscard]] int run_daemon(const Invocation& inv, std::ostream& out, std::ostream& err);

}  // namespace cassiopeia::client
