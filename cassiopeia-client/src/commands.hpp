// The client's one-shot commands (docs/conventions.md §1) and their exit status.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <ostream>

namespace cassiopeia::client {

/** Runs `inv.command`; results go to `out`, errors to `err`; returns an exit_code. */
[[nodiscard]] int run_command(const Invocation& inv, std::ostream& out, std::ostream& err);

}  // namespace cassiopeia::client
