#!/usr/bin/env bash
# Makes the unit tests' PKI: keys/make-test-pki plus wrong identities for the TLS refusal tests.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
# Usage: tests/ci/make-unit-pki.sh SRC_DIR OUT_DIR   (ctest fixture make_test_pki)
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 SRC_DIR OUT_DIR" >&2
    exit 2
fi
src=$1
out=$2

rm -rf "$out"
"$src/keys/make-test-pki" "$out"

# Reuse make_ca / make_leaf; sourcing does not run make-test-pki's main.
# shellcheck source=SCRIPTDIR/../../keys/make-test-pki
source "$src/keys/make-test-pki"
umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
compute_dates

link=$out/pki/link
rogue=$out/rogue
mkdir -p "$rogue"
chmod 0700 "$rogue"

# An unrelated CA issuing identities with the right names: trust must fail, not the names.
make_ca "$WORK/rogue-ca" "$rogue/ca.pem" "$rogue/ca.key" "/O=Cassiopeia Rogue/CN=Rogue Link CA"
make_leaf "$WORK/rogue-ca" "$rogue/ca.pem" "$rogue/ca.key" "$rogue/server" \
    "/O=Cassiopeia Rogue/CN=$LINK_SERVER_NAME" "$LINK_SERVER_NAME" serverAuth
make_leaf "$WORK/rogue-ca" "$rogue/ca.pem" "$rogue/ca.key" "$rogue/client" \
    "/O=Cassiopeia Rogue/CN=$LINK_CLIENT_NAME" "$LINK_CLIENT_NAME" clientAuth

# Trusted by the real link CA, but its only dNSName is another name. The CN carries the
# expected name on purpose: a CN fallback would wrongly accept it.
ca_init "$WORK/link-ca"
make_leaf "$WORK/link-ca" "$link/ca.pem" "$link/ca.key" "$link/client-wrongname" \
    "/O=Cassiopeia Test/CN=$LINK_CLIENT_NAME" other.cassiopeia.test clientAuth

echo "make-unit-pki: unit test PKI written to $out"
