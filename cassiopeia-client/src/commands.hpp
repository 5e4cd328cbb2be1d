// The client's one-shot commands (conventions.md §1) and their exit status.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <librecord/utc.hpp>

#include <ostream>

namespace cassiopeia::client {

/** Exit status of every command (conventions §1). */
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int link = 1;
inline constexpr int usage = 2;
inline constexpr int refused = 3;
inline constexpr int verification = 4;
}  // namespace exit_code

/** Runs `inv.command`; results go to `out`, errors to `err`. */
[[nodiscard]] int run_command(const Invocation& inv, std::ostream& out, std::ostream& err);

/** The wire's UTC time format, shared with the signer (librecord/utc.hpp). */
using librecord::parse_utc;

}  // namespace cassiopeia::client
