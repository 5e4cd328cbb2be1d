// cassiopeia-server: options, logging, App{config}.run(), exit status.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "app.hpp"
#include "ceremony.hpp"
#include "config.hpp"
#include "gpg/gpgme_guard.hpp"
#include "logging.hpp"
#include "repository/repository.hpp"

#include <librecord/errors.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using cassiopeia::server::Invocation;
    cassiopeia::server::LoggingGuard logging;
    Invocation inv;
    try {
        inv = cassiopeia::server::parse_invocation(argc, argv);
    } catch (const cassiopeia::Error& e) {
        std::cerr << "cassiopeia-server: " << e.detail() << " (try --help)\n";
        return 2;
    }
    switch (inv.action) {
        case Invocation::Action::help:
            std::cout << inv.help_text;
            return 0;
        case Invocation::Action::version:
            std::cout << "cassiopeia-server " << CASSIOPEIA_VERSION << '\n';
            return 0;
        default:
            break;
    }
    try {
        cassiopeia::server::configure_logging(inv.config.log_config);
        const cassiopeia::server::GpgmeGuard gpgme;
        cassiopeia::server::App app(inv.config);
        switch (inv.action) {
            case Invocation::Action::check:
                return app.check(std::cout);
            case Invocation::Action::new_time_ca:
                return cassiopeia::server::run_new_time_ca(
                    inv.config, {inv.family, inv.from, inv.to, inv.key_type}, std::cout);
            case Invocation::Action::audit_verify:
                return cassiopeia::server::run_audit_verify(inv.config.repository, std::cout);
            default:
                return app.run();
        }
    } catch (const cassiopeia::Error& e) {
        std::cerr << "cassiopeia-server: " << e.what() << '\n';
        return e.kind() == cassiopeia::ErrorKind::config ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "cassiopeia-server: " << e.what() << '\n';
        return 1;
    }
}
