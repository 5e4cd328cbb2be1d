// Command line plus config file, shared by both daemons (Boost.Program_options).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <boost/program_options.hpp>

#include <string>

namespace librecord::app {

/** What the command line asked before any file was read. */
enum class Early { none, help, version };

/**
 * Parses argv with `all` and `pos`; unless --help or --version was given, reads the INI file
 * named by -c/--config with `conf` (the command line wins), then notifies `vm`.
 * Throws cassiopeia::Error{config} for an unknown option, a bad value, no or an unreadable file.
 */
[[nodiscard]] Early parse_options(int argc,
                                  const char* const* argv,
                                  const boost::program_options::options_description& all,
                                  const boost::program_options::positional_options_description& pos,
                                  const boost::program_options::options_description& conf,
                                  boost::program_options::variables_map& vm);

/** Throws cassiopeia::Error{config} "missing setting 'NAME'" when `value` is empty. */
void require_setting(const std::string& value, const char* name);

/** Throws cassiopeia::Error{config} with `what`. */
[[noreturn]] void config_error(const std::string& what);

}  // namespace librecord::app
