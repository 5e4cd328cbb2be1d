// cassiopeia-client: the production entry point (client_main.hpp holds its body).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "client_main.hpp"

int main(int argc, char** argv) {
    return cassiopeia::client::client_main(argc, argv);
}
