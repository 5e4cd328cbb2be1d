// Command line plus config file, shared by both daemons (Boost.Program_options).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "cassiopeia/common/startup.hpp"

#include <librecord/pkcs11.hpp>

#include <boost/program_options.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::common {

/**
 * The first group of a daemon's help: `usage` as its caption, then -h/--help, --version and
 * -c/--config FILE (stored in `config_file`). A daemon adds its other command-line-only options.
 */
[[nodiscard]] boost::program_options::options_description generic_options(const std::string& usage,
                                                                          std::string& config_file);

/** A daemon's options and the text its help ends with. */
struct CommandLineSpec {
    /** From generic_options, plus the daemon's command-line-only options. */
    const boost::program_options::options_description& generic;
    /** Read from the configuration file; the command line may give them too (and wins). */
    const boost::program_options::options_description& config;
    /** More command-line-only options shown after `config`, or nullptr. */
    const boost::program_options::options_description* commands = nullptr;
    /** The lines that follow "Commands:" at the end of the help. */
    std::string_view commands_help;
    /** A command that reads no configuration file: given as the first word, `-c` may be left
     * out (the signer's `compare`). Empty: every command needs one. */
    std::string_view command_without_config;
};

/** What the command line gave. */
struct CommandLine {
    Early early = Early::none;  ///< help or version: nothing else was checked or read
    std::string help;           ///< the whole help text
    std::vector<std::string> words;
    boost::program_options::variables_map values;
};

/**
 * Parses argv with the options of `spec` and positional words; unless --help or --version was
 * given, reads the INI file named by -c/--config (the command line wins), then notifies.
 * Throws cassiopeia::Error{config} for an unknown option, a bad value, no or an unreadable file.
 */
[[nodiscard]] CommandLine parse_command_line(int argc,
                                             const char* const* argv,
                                             const CommandLineSpec& spec);

/**
 * Adds the `[pkcs11]` section both daemons share to `d`: `pkcs11.module` (empty: p11-kit's
 * registry) and `pkcs11.pin_file` (empty: the systemd credential), see docs/hsm.md.
 */
void add_pkcs11_options(boost::program_options::options_description& d,
                        librecord::pkcs11::Settings& settings);

/**
 * Sets PKCS#11 up (librecord::pkcs11::configure: reads the PIN, loads no module yet) when any of
 * `key_refs` is a pkcs11: URI; does nothing otherwise. Throws cassiopeia::Error{config}.
 */
void configure_tokens(const librecord::pkcs11::Settings& settings,
                      std::initializer_list<std::string_view> key_refs);

/** Throws cassiopeia::Error{config} "missing setting 'NAME'" when `value` is empty. */
void require_setting(const std::string& value, const char* name);

/** Throws cassiopeia::Error{config} with `what`. */
[[noreturn]] void config_error(const std::string& what);

}  // namespace cassiopeia::common
