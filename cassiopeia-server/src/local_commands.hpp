// The signer's local read-only commands, `check` and `audit-verify` (docs/conventions.md §2):
// what they read and what they print.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <ostream>
#include <string>

namespace cassiopeia::server {

/** `check`: validates configuration and keys, prints what it found. @return exit_code::ok. */
[[nodiscard]] int run_check(const ServerConfig& config, std::ostream& out);

/**
 * `cassiopeia-server -c FILE audit-verify`: opens the repository read-only and walks the audit
 * chain. Prints one line to out. Returns exit_code::ok if the chain is intact,
 * exit_code::failure if an entry was changed or removed (the line names its seq and why) or
 * the repository cannot be read.
 */
[[nodiscard]] int run_audit_verify(const std::string& repository_folder, std::ostream& out);

}  // namespace cassiopeia::server
