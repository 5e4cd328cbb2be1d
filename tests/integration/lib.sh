# Sourced by every tests/integration/test_*.sh: temp folder, testbed, cleanup, assertions.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash
#
# ctest sets CASS_BIN (<build>/bin) and CASS_SOURCE_DIR. Run one by hand with
#   CASS_BIN=build/bin bash tests/integration/test_time_status.sh
# CASS_KEEP_TMP=1 keeps the temp folder even when the test passes (it is always kept on failure).
set -euo pipefail

CASS_SOURCE_DIR=${CASS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
: "${CASS_BIN:?set CASS_BIN to the folder holding cassiopeia-server and cassiopeia-client}"
CASS_BIN=$(cd "$CASS_BIN" && pwd -P)
export CASS_SOURCE_DIR CASS_BIN
# shellcheck source=scripts/lib.sh
source "$CASS_SOURCE_DIR/scripts/lib.sh"

CASS_TEST_NAME=${CASS_TEST_NAME:-$(basename "$0" .sh)}
CASS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cass-$CASS_TEST_NAME.XXXXXX")
# The signer user must be able to search its way to its repository below this folder.
chmod 0711 "$CASS_TMP"
CASS_BED=$CASS_TMP/bed
cass_step=0

log() {
    echo "[$CASS_TEST_NAME] $*" >&2
}

# Prints the tail of every log in the temp folder.
show_logs() {
    local f
    while IFS= read -r f; do
        [[ -s $f ]] || continue
        echo "----- ${f#"$CASS_TMP"/} (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done < <(find "$CASS_TMP" -maxdepth 2 -type f \
        \( -name '*.log' -o -name '*.err' -o -name '*.out' \) | sort)
}

# fail MSG: reports MSG with the logs and ends the test (the EXIT trap cleans up).
fail() {
    echo "[$CASS_TEST_NAME] FAIL: $*" >&2
    show_logs
    echo "[$CASS_TEST_NAME] FAIL: $* (temp folder kept: $CASS_TMP)" >&2
    exit 1
}

# save_pid PID: a background process of the test's own, stopped at cleanup.
save_pid() {
    echo "$1" >>"$CASS_TMP/test.pids"
}

# on_cleanup CMD...: runs CMD at cleanup, before the testbed goes down (e.g. gpgconf --kill).
cass_cleanup_cmds=()
on_cleanup() {
    cass_cleanup_cmds+=("$(printf '%q ' "$@")")
}

cleanup() {
    local rc=$? cmd
    trap - EXIT INT TERM
    for cmd in "${cass_cleanup_cmds[@]}"; do
        eval "$cmd" >>"$CASS_TMP/cleanup.log" 2>&1 || true
    done
    cass_stop_pids "$CASS_TMP/test.pids" 5
    if [[ -f $CASS_BED/pids ]]; then
        "$CASS_SOURCE_DIR/scripts/testbed" down "$CASS_BED" >>"$CASS_TMP/testbed.log" 2>&1 || true
    fi
    if [[ $rc -eq 0 && -z ${CASS_KEEP_TMP:-} ]]; then
        rm -rf "$CASS_TMP"
        echo "[$CASS_TEST_NAME] PASS"
    else
        echo "[$CASS_TEST_NAME] exit $rc, temp folder kept: $CASS_TMP" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# testbed_up: scripts/testbed up in $CASS_TMP/bed, then sources its env (CASS_DIR, CASS_*_CONF,
# CASS_*_TTY, ...) and sets CLIENT, the client command line as an array.
testbed_up() {
    log "testbed up"
    "$CASS_SOURCE_DIR/scripts/testbed" up "$CASS_BED" >"$CASS_TMP/testbed.log" 2>&1 ||
        fail "scripts/testbed up failed"
    # shellcheck source=/dev/null
    source "$CASS_BED/env"
    # shellcheck disable=SC2034 # used by the tests
    CLIENT=("$CASS_BIN/cassiopeia-client" -c "$CASS_CLIENT_CONF")
    # CASS_CLIENT_WINDOW=1: the sequential client (docs/protocol.md §5.1), each request
    # waiting for its replies; the default config pipelines 8.
    [[ -z ${CASS_CLIENT_WINDOW:-} ]] || CLIENT+=(--run.window "$CASS_CLIENT_WINDOW")
    ! hsm_mode || no_key_files
}

# no_key_files: with the keys in the token (docs/hsm.md), no private key is left in a file
# anywhere under the testbed's folder: neither a CA or link key nor the OpenPGP certifying key.
no_key_files() {
    local found
    # shellcheck disable=SC2153 # CASS_DIR comes from the testbed's env
    found=$(grep -rlI --exclude-dir=pg --exclude-dir=tokens \
        -e 'PRIVATE KEY-----' -e 'PRIVATE KEY BLOCK-----' "$CASS_DIR" 2>/dev/null || true)
    [[ -z $found ]] || fail "with CASS_HSM=1 private keys are still files: $found"
}

# line_ctl CMD...: one command to the line emulator's control socket (CASS_LINE=emulator, its
# path in CASS_LINE_CTL); REPLY holds the answer line. ctl CMD... fails unless it is ok.
line_ctl() {
    REPLY=$(printf '%s\n' "$*" | socat -t 5 - UNIX-CONNECT:"$CASS_LINE_CTL") ||
        fail "line emulator: '$*' failed"
}
ctl() {
    line_ctl "$@"
    [[ $REPLY == ok* ]] || fail "line emulator: '$*' answered '$REPLY'"
}

# server_pid: the pid of the signer started last.
server_pid() {
    # shellcheck disable=SC2153 # CASS_DIR comes from the testbed's env
    cat "$CASS_DIR/server.pid"
}

# start_server: starts the signer again, as the testbed does, and waits until it answers.
start_server() {
    log "starting the signer again"
    "$CASS_SOURCE_DIR/scripts/testbed" start-server "$CASS_DIR" >>"$CASS_TMP/testbed.log" 2>&1 ||
        fail "scripts/testbed start-server failed"
}

# expect_exit CODE CMD...: runs CMD; fails the test unless it exits CODE. Afterwards OUT holds
# its stdout (its stderr is in $CASS_TMP/step-N.err) and ELAPSED_MS how long it took.
expect_exit() {
    local want=$1 rc=0 start
    shift
    cass_step=$((cass_step + 1))
    local out=$CASS_TMP/step-$cass_step.stdout err=$CASS_TMP/step-$cass_step.err
    echo "\$ $*" >"$err"
    start=$(cass_now_ms)
    "$@" >"$out" 2>>"$err" </dev/null || rc=$?
    ELAPSED_MS=$(($(cass_now_ms) - start))
    OUT=$(cat "$out")
    log "step $cass_step: exit $rc after ${ELAPSED_MS} ms: $*"
    if [[ $rc -ne $want ]]; then
        fail "step $cass_step: expected exit $want, got $rc: $* (stdout: '$OUT')"
    fi
}

# expect_alive PID WHAT: fails unless PID still runs.
expect_alive() {
    cass_alive "$1" || fail "$2 (pid $1) is not running"
}

# Issuance helpers (test_issue_*.sh).

# proof_time [DATE_OFFSET]: a proof timestamp, UTC, `date -d` offset (default '-1 hour').
proof_time() {
    date -u -d "${1:--1 hour}" +%Y-%m-%dT%H:%M:%SZ
}

# make_csr OUT [NEWKEY]: a PEM CSR with a fresh key (openssl req -newkey NEWKEY, default
# rsa:2048, key in OUT.key) that asks for everything the signer must ignore: another subject,
# CA:TRUE and a SAN of its own.
make_csr() {
    local out=$1 newkey=${2:-rsa:2048}
    openssl req -new -newkey "$newkey" -nodes -keyout "$out.key" -out "$out" \
        -subj "/CN=Evil/O=Evil Corp" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "subjectAltName=DNS:evil.example" 2>"$CASS_TMP/openssl-req.stderr" ||
        fail "openssl req failed for $out: $(tail -n 5 "$CASS_TMP/openssl-req.stderr")"
}

# server_request NAME CSR PROOF_TIME: the `sign` arguments of a server-profile request for
# NAME.example.org with CSR and a proof at PROOF_TIME, on one line for `read -ra`.
server_request() {
    echo --csr "$2" --profile server --san "DNS,$1.example.org" --proof "$3,domains,5,name=$1.example.org"
}

# cert_count: repository.certificates of the signer's status report.
cert_count() {
    local json n
    json=$("${CLIENT[@]}" status 2>>"$CASS_TMP/status.err") || fail "status failed"
    n=$(grep -oE '"certificates" *: *[0-9]+' <<<"$json" | grep -oE '[0-9]+$') ||
        fail "status has no repository.certificates: $json"
    echo "$n"
}

# repo_sql [-readonly] SQL: sqlite3 on the signer's repository as the user owning it (as root,
# so that no file SQLite creates next to the database becomes root's); prints the result.
repo_sql() {
    local -a opts=(-batch)
    if [[ $1 == -readonly ]]; then
        opts+=(-readonly)
        shift
    fi
    # shellcheck disable=SC2153 # CASS_REPO comes from the testbed's env
    local db=$CASS_REPO/repository.sqlite owner
    owner=$(stat -c %U "$CASS_REPO")
    if [[ $(id -u) -eq 0 && $owner != root ]]; then
        PATH=$PATH:/usr/sbin:/sbin runuser -u "$owner" -- sqlite3 "${opts[@]}" "$db" "$1"
    else
        sqlite3 "${opts[@]}" "$db" "$1"
    fi
}

# current_ca FAMILY: the name of the family's time CA valid now, found with openssl alone.
current_ca() {
    local f found=""
    for f in "$CASS_PKI/ca/$1"_*.pem; do
        if openssl verify -CAfile "$CASS_PKI/root.pem" "$f" >/dev/null 2>&1; then
            [[ -z $found ]] || fail "two time CAs of family $1 are valid now"
            found=$(basename "$f" .pem)
        fi
    done
    [[ -n $found ]] || fail "no time CA of family $1 is valid now"
    echo "$found"
}

# json_str KEY JSON: the string value of KEY in a one-line JSON object.
json_str() {
    grep -oE "\"$1\" *: *\"[^\"]*\"" <<<"$2" | head -n 1 | sed -E 's/.*: *"([^"]*)"$/\1/'
}

# expect_refusal CODE CMD...: CMD must exit 3 (the signer answered `error`) and its stderr must
# hold the line `error CODE <message>`.
expect_refusal() {
    local code=$1
    shift
    expect_exit 3 "$@"
    grep -qE "^error $code( |\$)" "$CASS_TMP/step-$cass_step.err" ||
        fail "step $cass_step: no 'error $code' on stderr: $(grep -E '^error ' \
            "$CASS_TMP/step-$cass_step.err" | head -n 3)"
}

# Revocation and CRL helpers (test_revoke_*.sh, test_crl_*.sh).

# json_int KEY JSON: the integer value of KEY in a one-line JSON object (empty when absent).
json_int() {
    { grep -oE "\"$1\" *: *-?[0-9]+" <<<"$2" || true; } | head -n 1 | grep -oE -- '-?[0-9]+$' ||
        true
}

# json_list KEY JSON: the strings of the array KEY, sorted, one per line; status 1 when the JSON
# has no array KEY.
json_list() {
    local arr
    arr=$(grep -oE "\"$1\" *: *\[[^]]*\]" <<<"$2" | head -n 1)
    [[ -n $arr ]] || return 1
    { grep -oE '"[^"]*"' <<<"${arr#*:}" || true; } | tr -d '"' | sort
}

# ca_status CA FIELD: the integer FIELD (crl_number, revoked) of CA in the signer's status report.
ca_status() {
    local json obj v
    json=$("${CLIENT[@]}" status 2>>"$CASS_TMP/status.err") || fail "status failed"
    obj=$(grep -oE "\{\"name\" *: *\"$1\"[^}]*\}" <<<"$json") || fail "status lists no CA $1"
    v=$(json_int "$2" "$obj")
    [[ -n $v ]] || fail "status has no $2 for the CA $1: $obj"
    echo "$v"
}

# issue_cert NAME PROFILE SIGN_ARGS...: `sign` with a fresh RSA CSR into $CASS_TMP/NAME.pem;
# sets SERIAL and CA from its JSON.
issue_cert() {
    local name=$1 profile=$2
    shift 2
    make_csr "$CASS_TMP/$name.csr"
    expect_exit 0 "${CLIENT[@]}" sign --csr "$CASS_TMP/$name.csr" --profile "$profile" "$@" \
        --out "$CASS_TMP/$name.pem"
    SERIAL=$(json_str serial "$OUT")
    CA=$(json_str ca "$OUT")
    [[ -n $SERIAL && -n $CA ]] || fail "$name: sign printed no serial or ca: $OUT"
}

# issue_client NAME [SIGN_ARGS...]: a client-profile certificate for NAME@example.org.
issue_client() {
    local name=$1
    shift
    issue_cert "$name" client --san "email,$name@example.org" \
        --proof "$(proof_time '-1 hour'),emails,17,address=$name@example.org" "$@"
}

# crl_verifies FILE CA: true when FILE is one DER CRL whose signature openssl verifies with the
# certificate of CA ($CASS_PKI/ca/CA.pem).
crl_verifies() {
    local out
    out=$(openssl crl -inform DER -in "$1" -noout -CAfile "$CASS_PKI/ca/$2.pem" -verify 2>&1) ||
        return 1
    grep -qx 'verify OK' <<<"$out"
}

# crl_number_of FILE: the cRLNumber of a DER CRL, decimal.
crl_number_of() {
    local line
    line=$(openssl crl -inform DER -in "$1" -noout -crlnumber) || fail "openssl cannot read $1"
    line=${line#crlNumber=}
    echo $((16#${line#0x}))
}

# crl_next_update FILE: the nextUpdate of a DER CRL, YYYY-MM-DDTHH:MM:SSZ.
crl_next_update() {
    local line
    line=$(openssl crl -inform DER -in "$1" -noout -nextupdate) || fail "openssl cannot read $1"
    date -u -d "${line#nextUpdate=}" +%Y-%m-%dT%H:%M:%SZ
}

# crl_entries FILE: one line per revoked certificate of a DER CRL, in the CRL's order:
# SERIAL|REVOCATION_EPOCH|REASON (REASON as openssl prints it, e.g. "Key Compromise", or empty).
crl_entries() {
    local text
    text=$(openssl crl -inform DER -in "$1" -noout -text) || fail "openssl cannot read $1"
    awk '
        function flush() { if (s != "") print s "|" d "|" r; s = ""; d = ""; r = "" }
        /^ *Serial Number:/ { flush(); s = $3; next }
        /^ *Revocation Date:/ { sub(/^ *Revocation Date: */, ""); d = $0; next }
        /X509v3 CRL Reason Code/ { getline; gsub(/^ +| +$/, ""); r = $0; next }
        /^ *Signature Algorithm:/ { flush() }
        END { flush() }' <<<"$text" |
        while IFS='|' read -r serial when reason; do
            echo "$serial|$(date -u -d "$when" +%s)|$reason"
        done
}

# crl_serials FILE: the revoked serials of a DER CRL, sorted, one per line.
crl_serials() {
    crl_entries "$1" | cut -d '|' -f 1 | sort
}

# signer_crl_hex CA: the signer's current CRL of CA (its repository), upper-case hex.
signer_crl_hex() {
    repo_sql -readonly "SELECT hex(crl_der) FROM crl_state WHERE ca = '$1'"
}

# file_hex FILE: the bytes of FILE, upper-case hex, one line.
file_hex() {
    od -An -v -tx1 "$1" | tr -d ' \n' | tr 'a-f' 'A-F'
    echo
}

# The keys in a SoftHSM2 token (CASS_HSM=1, scripts/testbed; keys/make-test-token).

# hsm_mode: true when the testbed keeps its CA and link keys in the token.
hsm_mode() {
    [[ ${CASS_HSM:-} == 1 ]]
}

# token_import KEY_FILE CERT LABEL: one more private key on the testbed's token (id: the
# certificate's subject key identifier); the key file goes. The token's files stay the
# signer's (softhsm2-util runs as this user).
token_import() {
    local ski
    ski=$(openssl x509 -in "$2" -noout -ext subjectKeyIdentifier | sed -n 2p | tr -d ' :')
    SOFTHSM2_CONF=$CASS_DIR/hsm/softhsm2.conf softhsm2-util --import "$1" \
        --token "$CASS_HSM_TOKEN" --label "$3" --id "${ski:-01}" \
        --pin "$(head -n 1 "$CASS_DIR/hsm/pin")" >>"$CASS_TMP/token.log" 2>&1 ||
        fail "softhsm2-util --import $1 as $3 failed: $(tail -n 3 "$CASS_TMP/token.log")"
    rm -f "$1"
    chown -R --reference="$CASS_DIR/hsm" "$CASS_DIR/hsm/tokens"
}

# token_delete LABEL: removes the objects labelled LABEL (private and public key) from the token.
token_delete() {
    cass_p11tool "$CASS_DIR/hsm" --login --batch --delete \
        "pkcs11:token=$CASS_HSM_TOKEN;object=$1" >>"$CASS_TMP/token.log" 2>&1 ||
        fail "p11tool --delete $1 failed: $(tail -n 3 "$CASS_TMP/token.log")"
}

# token_has LABEL: true when the token holds a private key labelled LABEL.
token_has() {
    cass_hsm_labels "$CASS_DIR/hsm" | grep -qxF "$1"
}
