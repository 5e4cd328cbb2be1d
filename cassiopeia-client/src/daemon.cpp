// The queue daemon: `cassiopeia-client run [--once]`.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "daemon.hpp"

#include "daemon_signals.hpp"
#include "worker.hpp"

namespace cassiopeia::client {

int run_daemon(const Invocation& inv, std::ostream& /*out*/, std::ostream& err) {
    DaemonSignals signals;  // before the first connection, so that a stop is never lost
    Worker worker(inv, signals, err);
    return worker.run();
}

}  // namespace cassiopeia::client
