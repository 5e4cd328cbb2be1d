#!/usr/bin/env bash
# CI stage unit: the Boost.Test suites and the fuzz corpus replays of the build made by build.sh.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=$(realpath -m "${CASS_BUILD_DIR:-build}")
if [[ ! -f $build/CTestTestfile.cmake ]]; then
    echo "unit: no build in $build: run tests/ci/build.sh first" >&2
    exit 1
fi
ctest --test-dir "$build" -L 'unit|fuzz-replay' --output-on-failure --no-tests=error -j2 \
    --timeout 600 --output-junit "$build/junit-unit.xml"
