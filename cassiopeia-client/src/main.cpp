// cassiopeia-client: options, logging, the command, exit status.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "commands.hpp"
#include "config.hpp"
#include "exit_code.hpp"
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    namespace cc = cassiopeia::client;
    cc::LoggingGuard logging;
    cc::Invocation inv;
    try {
        inv = cc::parse_invocation(argc, argv);
    } catch (const cassiopeia::Error& e) {
        std::cerr << "cassiopeia-client: " << e.detail() << " (try --help)\n";
        return cassiopeia::exit_code::usage;
    }
    if (inv.action == cc::Invocation::Action::help) {
        std::cout << inv.help_text;
        return cassiopeia::exit_code::ok;
    }
    if (inv.action == cc::Invocation::Action::version) {
        std::cout << "cassiopeia-client " << CASSIOPEIA_VERSION << '\n';
        return cassiopeia::exit_code::ok;
    }
    std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): a failed write is reported by errno
    try {
        cc::configure_logging(inv.config.log_config);
        return cc::run_command(inv, std::cout, std::cerr);
    } catch (const cassiopeia::Error& e) {
        std::cerr << "cassiopeia-client: " << e.what() << '\n';
        return e.kind() == cassiopeia::ErrorKind::config ? cassiopeia::exit_code::usage
                                                         : cassiopeia::exit_code::failure;
    } catch (const std::exception& e) {
        std::cerr << "cassiopeia-client: " << e.what() << '\n';
        return cassiopeia::exit_code::failure;
    }
}
