#!/usr/bin/env bash
# Roots never reach the line (docs/key-ceremony.md, "What the line may use"; docs/protocol.md §3): with a
# self-signed CA, a CA whose pathLen is not 0, a CA of the local-only family `root`, the
# configured root or the link CA among the issuing CAs, `check` and the daemon exit 2.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# make_ca and with_dates of the test PKI; sourcing does not run its main.
# shellcheck source=keys/make-test-pki
source "$CASS_SOURCE_DIR/keys/make-test-pki"

testbed_up
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")
WORK=$CASS_TMP/work
mkdir -m 0700 "$WORK"
year=$(date -u +%Y)

# The test PKI itself passes, also against its root.
expect_exit 0 "${SERVER[@]}" check
expect_exit 0 "${SERVER[@]}" --root_cert "$CASS_PKI/root.pem" check
kill -TERM "$(server_pid)"
wait_for "! kill -0 $(server_pid) 2>/dev/null" 20 || fail "the signer did not stop"

# refused NAME: `check` names CA NAME in an error and exits 2; the daemon exits 2 at start-up
# (timeout's 124 would mean it started serving). Extra arguments go before the command.
refused() {
    local name=$1
    shift
    expect_exit 2 "${SERVER[@]}" "$@" check
    grep -q "^error: CA $name: " <<<"$OUT" || fail "check does not report $name: $OUT"
    expect_exit 2 timeout -k 5 60 "${SERVER[@]}" "$@"
}

# add_ca NAME PATHLEN [ISSUER_CERT ISSUER_KEY]: a current CA in the signer's CA folders, made
# with openssl by the test PKI's make_ca (self-signed without an issuer).
add_ca() {
    with_dates "$(days_from_now -10)" "$(days_from_now 100)" \
        make_ca "$WORK/$1" "$CASS_PKI/ca/$1.pem" "$CASS_PKI/ca-keys/$1.key" \
        "/O=Cassiopeia Test/CN=Cassiopeia Test $1" ec "$2" "${@:3}" >>"$CASS_TMP/openssl.log" 2>&1 ||
        fail "openssl could not make $1"
    chmod 0600 "$CASS_PKI/ca-keys/$1.key"
}

remove_ca() {
    rm -f "$CASS_PKI/ca/$1.pem" "$CASS_PKI/ca-keys/$1.key"
}

log "a copy of the root as a time CA"
name=server_${year}_90
cp "$CASS_PKI/root.pem" "$CASS_PKI/ca/$name.pem"
install -m 0600 "$CASS_PKI/root/root.key" "$CASS_PKI/ca-keys/$name.key"
refused "$name"
remove_ca "$name"

log "a self-signed CA with pathLen 0"
add_ca server_"${year}"_91 0
refused server_"${year}"_91
remove_ca server_"${year}"_91

log "CAs under the root whose pathLen is absent or 1"
add_ca client_"${year}"_92 none "$CASS_PKI/root.pem" "$CASS_PKI/root/root.key"
refused client_"${year}"_92
remove_ca client_"${year}"_92
add_ca client_"${year}"_93 1 "$CASS_PKI/root.pem" "$CASS_PKI/root/root.key"
refused client_"${year}"_93
remove_ca client_"${year}"_93

log "a proper sub-CA of the family root (the local-only subca profile's)"
add_ca root_"${year}"_1 0 "$CASS_PKI/root.pem" "$CASS_PKI/root/root.key"
refused root_"${year}"_1
remove_ca root_"${year}"_1

log "the configured root is an issuing CA"
current=$(current_ca server)
refused "$current" --root_cert "$CASS_PKI/ca/$current.pem"

log "the link CA file holds an issuing CA"
cat "$CASS_PKI/link/ca.pem" "$CASS_PKI/ca/$current.pem" >"$WORK/link-and-ca.pem"
refused "$current" --tls.ca "$WORK/link-and-ca.pem"

log "the link CA is the root"
expect_exit 2 "${SERVER[@]}" --root_cert "$CASS_PKI/link/ca.pem" check
grep -q "^error: the link CA is the root" <<<"$OUT" || fail "check does not report it: $OUT"

# With the test PKI as it was, the signer serves again.
expect_exit 0 "${SERVER[@]}" check
start_server
issue_cert web server --san DNS,www.example.org \
    --proof "$(proof_time '-1 hour'),domains,5,name=www.example.org"
[[ $CA == "$current" ]] || fail "issued by $CA, not by $current"

log "ok"
