// cassiopeia-server: options, logging, the command or the daemon, exit status.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "server_main.hpp"

#include "ceremony.hpp"
#include "config.hpp"
#include "daemon.hpp"
#include "gpg/gpgme_guard.hpp"
#include "local_commands.hpp"
#include "logging.hpp"
#include "privileges.hpp"
#include "resign_ceremony.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <cassiopeia/common/options.hpp>
#include <cassiopeia/common/startup.hpp>
#include <librecord/errors.hpp>

#include <iostream>
#include <string>
#include <string_view>

namespace cassiopeia::server {

namespace {

constexpr std::string_view program = "cassiopeia-server";

/**
 * Runs the command of `inv` once logging and GPGME are up. Every command reads keys (CA, link,
 * root, certifying) or the repository: each runs hardened (no core dumps, not dumpable, umask
 * 077) before it reads any (docs/conventions.md §2).
 */
int run_action(const Invocation& inv, const TestHooks& hooks) {
    harden_process();
    switch (inv.action) {
        case Invocation::Action::check:
            return run_check(inv.config, std::cout);
        case Invocation::Action::new_time_ca:
            return run_new_time_ca(
                inv.config, {inv.family, inv.from, inv.to, inv.key_type}, std::cout);
        case Invocation::Action::audit_verify:
            return run_audit_verify(inv.config.repository, std::cout);
        case Invocation::Action::resign:
            return run_resign(inv.config, inv.resign, std::cout);
        case Invocation::Action::compare:
            return run_compare(inv.compare, std::cout);
        default:
            break;
    }
    Daemon daemon(inv.config);
    if (hooks.after_commit) {
        daemon.set_after_commit_hook_for_test(hooks.after_commit);
    }
    if (hooks.clock_offset.count() != 0) {
        daemon.set_clock_offset_for_test(hooks.clock_offset);
    }
    return daemon.run();
}

/**
 * Why the signer stops, said once: in its log once logging is up (a log file then holds it
 * too), and on stderr unless that log already writes there.
 */
void say_fatal(const std::string& what, bool logging_up) {
    if (logging_up) {
        LOG4CPLUS_FATAL(logger("cassiopeia.server"), what);
    }
    if (!logging_up || !common::logs_to_console()) {
        std::cerr << program << ": " << what << '\n';
    }
}

}  // namespace

int server_main(int argc, char** argv, const TestHooks& hooks) {
    LoggingGuard logging;
    Invocation inv;
    try {
        inv = parse_invocation(argc, argv);
    } catch (const Error& e) {
        return common::usage_error(program, e, std::cerr);
    }
    if (inv.early != common::Early::none) {
        return common::answer_early(inv.early, program, inv.help_text, std::cout);
    }
    bool logging_up = false;
    try {
        configure_logging(inv.config.log_config);
        logging_up = true;
        const ServerConfig& c = inv.config;
        common::configure_tokens(
            c.pkcs11,
            {c.ca_keys, c.root_key, c.tls.key_file, inv.resign.key, inv.resign.issuer_key});
        const GpgmeGuard gpgme;
        return run_action(inv, hooks);
    } catch (const Error& e) {
        say_fatal(e.what(), logging_up);
        return e.kind() == ErrorKind::config ? exit_code::usage : exit_code::failure;
    } catch (const std::exception& e) {
        say_fatal(e.what(), logging_up);
        return exit_code::failure;
    }
}

}  // namespace cassiopeia::server
