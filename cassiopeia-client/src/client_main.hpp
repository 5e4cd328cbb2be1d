// The body of cassiopeia-client's main, shared by the production main and the test build's.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::client {

/** Runs cassiopeia-client with argv. @return the process exit status (exit_code.hpp). */
[[nodiscard]] int client_main(int argc, char** argv);

}  // namespace cassiopeia::client
