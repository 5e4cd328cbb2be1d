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
# with openssl by the test PKI's make_ca (self-signed without an issuer). With the keys in the
# token (CASS_HSM=1) its key goes onto the token as NAME, and one signed by the root is made by
# certtool with the token's root key (ISSUER_KEY is ignored: no root key file exists).
add_ca() {
    if hsm_mode; then
        add_token_ca "$@"
        return
    fi
    with_dates "$(days_from_now -10)" "$(days_from_now 100)" \
        make_ca "$WORK/$1" "$CASS_PKI/ca/$1.pem" "$CASS_PKI/ca-keys/$1.key" \
        "/O=Cassiopeia Test/CN=Cassiopeia Test $1" ec "$2" "${@:3}" >>"$CASS_TMP/openssl.log" 2>&1 ||
        fail "openssl could not make $1"
    chmod 0600 "$CASS_PKI/ca-keys/$1.key"
}

add_token_ca() {
    local name=$1 pathlen=$2 key=$WORK/$1.key cert=$CASS_PKI/ca/$1.pem
    if [[ $# -lt 3 ]]; then
        with_dates "$(days_from_now -10)" "$(days_from_now 100)" \
            make_ca "$WORK/$name" "$cert" "$key" "/O=Cassiopeia Test/CN=Cassiopeia Test $name" \
            ec "$pathlen" >>"$CASS_TMP/openssl.log" 2>&1 || fail "openssl could not make $name"
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null
        cat >"$WORK/$name.tmpl" <<EOT
organization = "Cassiopeia Test"
cn = "Cassiopeia Test $name"
ca
cert_signing_key
crl_signing_key
path_len = $([[ $pathlen == none ]] && echo -1 || echo "$pathlen")
activation_date = "$(date -u -d '-10 days' '+%Y-%m-%d %H:%M:%S')"
expiration_date = "$(date -u -d '+100 days' '+%Y-%m-%d %H:%M:%S')"
EOT
        cass_certtool "$CASS_DIR/hsm" --generate-certificate --load-privkey "$key" \
            --load-ca-certificate "$3" --load-ca-privkey "$(cass_hsm_uri root)" \
            --template "$WORK/$name.tmpl" --outfile "$cert" >>"$CASS_TMP/openssl.log" 2>&1 ||
            fail "certtool could not make $name with the token's root key"
        chmod 0644 "$cert"
    fi
    token_import "$key" "$cert" "$name"
}

remove_ca() {
    rm -f "$CASS_PKI/ca/$1.pem" "$CASS_PKI/ca-keys/$1.key"
    if hsm_mode && token_has "$1"; then
        token_delete "$1"
    fi
}

log "a copy of the root as a time CA"
name=server_${year}_90
cp "$CASS_PKI/root.pem" "$CASS_PKI/ca/$name.pem"
# With the keys in the token the root key cannot be copied (not extractable): the copy has
# no key of its own there, the refusal rests on its certificate.
hsm_mode || install -m 0600 "$CASS_PKI/root/root.key" "$CASS_PKI/ca-keys/$name.key"
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
