// cassiopeia-server: the production entry point (server_main.hpp holds its body).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "server_main.hpp"

int main(int argc, char** argv) {
    return cassiopeia::server::server_main(argc, argv);
}
