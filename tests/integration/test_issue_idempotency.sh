#!/usr/bin/env bash
# Sign jobs are idempotent by request id (docs/protocol.md §6): a repeat returns the same
# certificate, another request under a known id is refused, and a signer killed right after it
# committed a certificate hands out that certificate on the retry instead of signing a second one.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

ts=$(proof_time '-1 hour')
make_csr "$CASS_TMP/a.csr"
# request NAME: the arguments of a server request for NAME.example.org with the CSR a.csr.
request() {
    server_request "$1" "$CASS_TMP/a.csr" "$ts"
}
read -ra req_a <<<"$(request idem)"
read -ra req_b <<<"$(request other)"

before=$(cert_count)

# The same id and request twice: one certificate, returned twice byte for byte.
expect_exit 0 "${CLIENT[@]}" sign "${req_a[@]}" --request-id 42 --out "$CASS_TMP/first.pem"
serial1=$(json_str serial "$OUT")
expect_exit 0 "${CLIENT[@]}" sign "${req_a[@]}" --request-id 42 --out "$CASS_TMP/second.pem"
serial2=$(json_str serial "$OUT")
[[ -n $serial1 && $serial1 == "$serial2" ]] || fail "a repeated request id gave serials $serial1, $serial2"
cmp -s "$CASS_TMP/first.pem" "$CASS_TMP/second.pem" ||
    fail "a repeated request id returned another certificate"

# The same id with another request: refused, nothing stored.
expect_refusal request_mismatch "${CLIENT[@]}" sign "${req_b[@]}" --request-id 42 \
    --out "$CASS_TMP/third.pem"
[[ ! -e $CASS_TMP/third.pem ]] || fail "a refused request wrote --out"

count=$(cert_count)
((count == before + 1)) || fail "$count certificates after one job, expected $((before + 1))"
rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id = 'cli:42';")
((rows == 1)) || fail "$rows request rows for cli:42, expected 1"
stored=$(repo_sql -readonly "SELECT serial FROM requests WHERE request_id = 'cli:42';")
[[ $stored == "$serial1" ]] || fail "the repository holds serial '$stored' for cli:42, sign printed $serial1"

# The crash switch lives only in the test build: the production signer never reads it.
if grep -q CASSIOPEIA_TEST_KILL_AFTER_COMMIT "$CASS_BIN/cassiopeia-server"; then
    fail "the production cassiopeia-server reads CASSIOPEIA_TEST_KILL_AFTER_COMMIT"
fi

# Kill -9 right after the commit (the test build cassiopeia-server-test, which scripts/testbed
# starts when the switch is set), before setLog leaves the signer.
log "restarting the signer with CASSIOPEIA_TEST_KILL_AFTER_COMMIT=1"
cass_stop_pid "$(server_pid)"
(
    export CASSIOPEIA_TEST_KILL_AFTER_COMMIT=1
    start_server
) || exit 1
doomed=$(server_pid)
expect_exit 1 "${CLIENT[@]}" --deadline.handshake_s 10 --deadline.io_s 10 sign "${req_b[@]}" \
    --request-id 77 --out "$CASS_TMP/killed.pem"
wait_for "! cass_alive $doomed" 10 || fail "the signer (pid $doomed) still runs after the commit"
[[ ! -e $CASS_TMP/killed.pem ]] || fail "a failed job wrote --out"
# The certificate was committed before the signer died.
rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id = 'cli:77';")
((rows == 1)) || fail "$rows request rows for cli:77 after the kill, expected 1 (commit first)"
committed=$(repo_sql -readonly "SELECT serial FROM requests WHERE request_id = 'cli:77';")

start_server
expect_exit 0 "${CLIENT[@]}" sign "${req_b[@]}" --request-id 77 --out "$CASS_TMP/retried.pem"
serial77=$(json_str serial "$OUT")
[[ $serial77 == "$committed" ]] ||
    fail "the retry got serial $serial77, the killed signer had committed $committed"
[[ $(openssl x509 -in "$CASS_TMP/retried.pem" -noout -serial) == "serial=$committed" ]] ||
    fail "the retry's certificate is not the committed one"
der_hex=$(openssl x509 -in "$CASS_TMP/retried.pem" -outform DER | od -An -v -tx1 | tr -d ' \n')
stored_hex=$(repo_sql -readonly "SELECT lower(hex(der)) FROM certificates WHERE serial = '$committed';")
[[ -n $der_hex && $der_hex == "$stored_hex" ]] ||
    fail "the retry's certificate differs from the stored DER"

rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id = 'cli:77';")
((rows == 1)) || fail "$rows request rows for cli:77, expected 1"
count=$(cert_count)
count_db=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((count == before + 2 && count_db == count)) ||
    fail "$count certificates (database $count_db) after two jobs, expected $((before + 2))"
expect_alive "$(server_pid)" "the signer"
