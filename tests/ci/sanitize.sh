#!/usr/bin/env bash
# CI stage sanitizers: Clang 14 with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DCASSIOPEIA_SANITIZE=ON) into build-asan, then the unit, fuzz-replay and integration tests.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=$(realpath -m "${CASS_ASAN_BUILD_DIR:-build-asan}")
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCASSIOPEIA_WERROR=ON \
    -DCASSIOPEIA_SANITIZE=ON
cmake --build "$build" -j "${CASS_JOBS:-$(nproc)}"

# LeakSanitizer needs ptrace; where a container forbids it, set CASS_DETECT_LEAKS=0.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=${CASS_DETECT_LEAKS:-1}:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Instrumented daemons start slower.
export CASS_READY_TIMEOUT=${CASS_READY_TIMEOUT:-90}
ctest --test-dir "$build" -L 'unit|fuzz-replay|integration' --output-on-failure \
    --no-tests=error -j2 --timeout 900 --output-junit "$build/junit-sanitize.xml"
