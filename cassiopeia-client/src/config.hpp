// The client's configuration and command line (conventions.md §1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/link.hpp>
#include <librecord/tls_engine.hpp>

#include <string>
#include <vector>

namespace cassiopeia::client {

struct ClientConfig {
    std::string config_file;
    std::string line;
    unsigned baud = 115200;
    std::string log_config;
    std::string crl_dir;
    librecord::tls::CredentialFiles tls;
    std::string peer_name;
    librecord::LinkOptions link;
    std::chrono::seconds idle{300};
};

struct Invocation {
    enum class Action { command, help, version };
    Action action = Action::command;
    std::string command;            ///< time, status, ...
    std::vector<std::string> args;  ///< the command's own arguments
    ClientConfig config;
    std::string help_text;
};

/** Parses argv and the config file. Throws cassiopeia::Error{config} on any fault. */
[[nodiscard]] Invocation parse_invocation(int argc, const char* const* argv);

}  // namespace cassiopeia::client
