// What both daemons' mains do before their work: answer --help and --version, report a usage error.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/errors.hpp>

#include <iosfwd>
#include <string_view>

namespace cassiopeia::common {

/** What the command line asked before any file was read. */
enum class Early { none, help, version };

/**
 * Prints `help` for Early::help, "<program> <version>" for Early::version.
 * @return exit_code::ok
 */
[[nodiscard]] int answer_early(Early early,
                               std::string_view program,
                               std::string_view help,
                               std::ostream& out);

/**
 * Prints "<program>: <detail> (try --help)" for a command line or configuration that
 * parse_command_line refused. @return exit_code::usage
 */
[[nodiscard]] int usage_error(std::string_view program,
                              const cassiopeia::Error& e,
                              std::ostream& err);

}  // namespace cassiopeia::common
