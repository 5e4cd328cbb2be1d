#!/usr/bin/env bash
# The audit chain after an issuance: `audit-verify` accepts the untouched repository and names
# the entry an attacker with file access edited (dropping the append-only trigger first).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")

ts=$(proof_time '-1 hour')
make_csr "$CASS_TMP/a.csr"
expect_exit 0 "${CLIENT[@]}" sign --csr "$CASS_TMP/a.csr" --profile server \
    --san DNS,audit.example.org --proof "$ts,domains,5,name=audit.example.org" \
    --request-id 9 --out "$CASS_TMP/a.pem"
serial=$(json_str serial "$OUT")

# The issuance is in the chain, and the chain is intact, while the signer serves.
seq=$(repo_sql -readonly "SELECT seq FROM audit_log WHERE kind = 'issue' AND detail LIKE '%$serial%';")
[[ $seq =~ ^[0-9]+$ ]] || fail "no single audit entry of kind issue names serial $serial: '$seq'"
expect_exit 0 "${SERVER[@]}" audit-verify
[[ $OUT == *"intact"* ]] || fail "audit-verify printed '$OUT'"

log "stopping the signer"
cass_stop_pid "$(server_pid)"
expect_exit 0 "${SERVER[@]}" audit-verify

# The trigger refuses a plain edit, and nothing changes.
if repo_sql "UPDATE audit_log SET detail = detail || ' x' WHERE seq = $seq;" \
    2>"$CASS_TMP/update.err"; then
    fail "the audit_log trigger let an UPDATE through"
fi
expect_exit 0 "${SERVER[@]}" audit-verify

# An attacker with file access drops the trigger and edits the entry's detail.
original=$(repo_sql -readonly "SELECT detail FROM audit_log WHERE seq = $seq;")
repo_sql "DROP TRIGGER audit_log_no_update;
    UPDATE audit_log SET detail = replace(detail, '$serial', '01$serial') WHERE seq = $seq;" ||
    fail "cannot tamper with the audit log"
[[ $(repo_sql -readonly "SELECT detail FROM audit_log WHERE seq = $seq;") != "$original" ]] ||
    fail "the tampering changed nothing"
expect_exit 1 "${SERVER[@]}" audit-verify
grep -qE "(^|[^0-9])$seq([^0-9]|\$)" <<<"$OUT$(cat "$CASS_TMP/step-$cass_step.err")" ||
    fail "audit-verify does not name seq $seq: '$OUT'"

# Putting the detail back makes the chain whole again: it was the edit that was found.
repo_sql "UPDATE audit_log SET detail = '${original//\'/\'\'}' WHERE seq = $seq;" ||
    fail "cannot restore the audit entry"
expect_exit 0 "${SERVER[@]}" audit-verify
