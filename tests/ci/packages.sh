#!/usr/bin/env bash
# CI stage packages: builds the Debian packages (scripts/package: lintian must be clean) and
# installs, exercises and purges them on this machine (tests/packages/test_install.sh). The CI
# agent is a throwaway Debian 12 machine, run as root. Not part of scripts/test: too slow.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

scripts/package
CASS_INSTALL_TEST=1 bash tests/packages/test_install.sh build/packages
