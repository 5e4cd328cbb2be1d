#!/usr/bin/env bash
# CI stage integration: real daemons over socat ptys (tests/integration/test_*.sh), as root.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=$(realpath -m "${CASS_BUILD_DIR:-build}")
if [[ ! -f $build/CTestTestfile.cmake ]]; then
    echo "integration: no build in $build: run tests/ci/build.sh first" >&2
    exit 1
fi
ctest --test-dir "$build" -L integration --output-on-failure --no-tests=error -j2 \
    --output-junit "$build/junit-integration.xml"
