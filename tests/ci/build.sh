#!/usr/bin/env bash
# CI stage build: GCC 12, -Werror, RelWithDebInfo, everything, into ${CASS_BUILD_DIR:-build}.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${CASS_BUILD_DIR:-build}
CC=gcc CXX=g++ cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCASSIOPEIA_WERROR=ON
cmake --build "$build" -j "${CASS_JOBS:-$(nproc)}"
