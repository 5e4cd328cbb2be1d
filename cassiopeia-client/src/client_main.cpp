// The body of cassiopeia-client's main: options, logging, the command, exit status. Shared by
// the production main and the test build's main.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "client_main.hpp"

#include "commands.hpp"
#include "config.hpp"
#include "logging.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <cassiopeia/common/options.hpp>
#include <cassiopeia/common/startup.hpp>
#include <librecord/errors.hpp>

#include <csignal>
#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view program = "cassiopeia-client";

}  // namespace

int cassiopeia::client::client_main(int argc, char** argv) {
    namespace cc = cassiopeia::client;
    namespace common = cassiopeia::common;
    cc::LoggingGuard logging;
    cc::Invocation inv;
    try {
        inv = cc::parse_invocation(argc, argv);
    } catch (const cassiopeia::Error& e) {
        return common::usage_error(program, e, std::cerr);
    }
    if (inv.early != common::Early::none) {
        return common::answer_early(inv.early, program, inv.help_text, std::cout);
    }
    std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): a failed write is reported by errno
    try {
        cc::configure_logging(inv.config.log_config);
        common::configure_tokens(inv.config.pkcs11, {inv.config.tls.key_file});
        return cc::run_command(inv, std::cout, std::cerr);
    } catch (const cassiopeia::Error& e) {
        std::cerr << program << ": " << e.what() << '\n';
        return e.kind() == cassiopeia::ErrorKind::config ? cassiopeia::exit_code::usage
                                                         : cassiopeia::exit_code::failure;
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << '\n';
        return cassiopeia::exit_code::failure;
    }
}
