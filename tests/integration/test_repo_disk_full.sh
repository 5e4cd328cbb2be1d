#!/usr/bin/env bash
# The signer's repository on a full file system: a sign or revoke is refused with `internal` and
# leaves nothing behind (no certificate, no request row, no audit entry, no new CRL); the audit
# chain verifies and the CRL is served throughout; once space is back the retry under the same
# request id succeeds, from the same signer process (docs/repository.md, docs/protocol.md §5.8).
# The queue daemon fails a job the signer refused with `internal` at once, like every refusal
# (docs/conventions.md §5); put back to pending, the same job (the same request id) is done.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.

# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"
skip_unless_mount  # before anything is made

queue_up
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")

ts=$(proof_time '-1 hour')
make_csr "$CASS_TMP/a.csr"
# request NAME: the arguments of a server request for NAME.example.org with the CSR a.csr.
request() {
    server_request "$1" "$CASS_TMP/a.csr" "$ts"
}
read -ra req_full <<<"$(request full)"
read -ra req_again <<<"$(request again)"

# One certificate to revoke later, while the repository is still on its own disk.
read -ra req_victim <<<"$(request victim)"
expect_exit 0 "${CLIENT[@]}" sign "${req_victim[@]}" --request-id 1 --out "$CASS_TMP/victim.pem"
victim=$(json_str serial "$OUT")
victim_ca=$(json_str ca "$OUT")

repo_on_tmpfs 16m
start_server
pid=$(server_pid)
audit_entries() {
    repo_sql -readonly 'SELECT count(*) FROM audit_log;'
}
expect_audit_intact() {
    expect_exit 0 "${SERVER[@]}" audit-verify
    [[ $OUT == *"intact"* ]] || fail "audit-verify printed '$OUT'"
}

before=$(cert_count)
entries=$(audit_entries)
crl_number=$(ca_status "$victim_ca" crl_number)

for round in 1 2; do
    log "round $round: the repository's file system is full"
    fill
    # A refusal by the signer: `sign` exits 3 with `error internal incident <id>` (§5.8).
    expect_refusal internal "${CLIENT[@]}" sign "${req_full[@]}" --request-id 100 \
        --out "$CASS_TMP/full.pem"
    [[ ! -e $CASS_TMP/full.pem ]] || fail "a refused job wrote --out"
    grep -qE '^error internal incident [0-9A-Fa-f]{8}$' "$CASS_TMP/step-$cass_step.err" ||
        fail "the refusal carries no incident id"
    # A second job and a revoke meet the same disk: refused, and nothing was changed.
    expect_refusal internal "${CLIENT[@]}" sign "${req_again[@]}" --request-id 101 \
        --out "$CASS_TMP/again.pem"
    expect_refusal internal "${CLIENT[@]}" revoke --ca "$victim_ca" --serial "$victim"
    rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id IN ('cli:100', 'cli:101');")
    ((rows == 0)) || fail "$rows request rows for the refused jobs"
    count=$(cert_count)
    ((count == before)) || fail "$count certificates after refused jobs, expected $before"
    [[ $(audit_entries) == "$entries" ]] || fail "a refused job left an audit entry"
    [[ $(ca_status "$victim_ca" crl_number) == "$crl_number" ]] ||
        fail "a refused revoke left a new CRL"
    # Reading goes on: the full CRL is served.
    expect_exit 0 "${CLIENT[@]}" crl --ca "$victim_ca" --out "$CASS_TMP/full-disk.crl"
    crl_verifies "$CASS_TMP/full-disk.crl" "$victim_ca" || fail "the CRL served on a full disk"
    expect_audit_intact
    expect_alive "$pid" "the signer with a full repository"
done

# A queued job meets the full disk: failed with the signer's `internal`, nothing stored.
queue_certs 1
queued=${JOB_IDS[0]}
run_once
[[ $(job_field "$queued" state) == failed ]] || fail "job $queued: $(queue_summary)"
[[ $(job_field "$queued" last_error) =~ ^internal\ incident\ [0-9A-Fa-f]{8}$ ]] ||
    fail "job $queued failed with '$(job_field "$queued" last_error)', expected internal"
rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id = 'webdb:$queued';")
((rows == 0)) || fail "$rows request rows for the refused job $queued"
[[ $(cert_count) == "$before" ]] || fail "the refused queued job left a certificate"

log "space is back"
unfill
expect_exit 0 "${CLIENT[@]}" sign "${req_full[@]}" --request-id 100 --out "$CASS_TMP/full.pem"
serial=$(json_str serial "$OUT")
stored=$(repo_sql -readonly "SELECT serial FROM requests WHERE request_id = 'cli:100';")
[[ -n $serial && $stored == "$serial" ]] || fail "the retry printed $serial, the repository holds '$stored'"
openssl verify -partial_chain -CAfile "$CASS_PKI/ca/$(json_str ca "$OUT").pem" \
    "$CASS_TMP/full.pem" >/dev/null || fail "the retried certificate does not verify"
# The same id again: the stored certificate, not a second one.
expect_exit 0 "${CLIENT[@]}" sign "${req_full[@]}" --request-id 100 --out "$CASS_TMP/repeat.pem"
cmp -s "$CASS_TMP/full.pem" "$CASS_TMP/repeat.pem" || fail "a repeat returned another certificate"
expect_exit 0 "${CLIENT[@]}" sign "${req_again[@]}" --request-id 101 --out "$CASS_TMP/again.pem"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$victim_ca" --serial "$victim"
[[ $(json_int crl_number "$OUT") == $((crl_number + 1)) ]] ||
    fail "the revoke after the full disk made CRL $(json_int crl_number "$OUT"), expected $((crl_number + 1))"

# The operator puts the failed job back: the same request id is signed once.
sql "UPDATE cassiopeia.jobs SET state = 'pending', error_code = NULL, error_message = NULL
     WHERE id = $queued" >/dev/null
run_once
[[ $(job_field "$queued" state) == "done" ]] || fail "job $queued after the retry: $(queue_summary)"
rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id = 'webdb:$queued';")
((rows == 1)) || fail "$rows request rows for job $queued, expected 1"
expect_issued_valid

count=$(cert_count)
count_db=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((count == before + 3 && count_db == count)) ||
    fail "$count certificates (database $count_db) after three jobs, expected $((before + 3))"
expect_audit_intact
[[ $(server_pid) == "$pid" ]] && expect_alive "$pid" "the signer after the full disk"
