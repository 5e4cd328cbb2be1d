#!/usr/bin/env bash
# The signer's repository on a full file system: a sign or revoke is refused with `internal` and
# leaves nothing behind (no certificate, no request row, no audit entry, no new CRL); the audit
# chain verifies and the CRL is served throughout; once space is back the retry under the same
# request id succeeds, from the same signer process (docs/repository.md, docs/protocol.md §5.8).
# The queue daemon fails a job the signer refused with `internal` at once, like every refusal
# (docs/conventions.md §5); put back to pending, the same job (the same request id) is done.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.

# A small tmpfs under the repository needs root (CI runs the tests as root) and mount rights;
# without them the test is skipped (77) before it makes anything.
probe=$(mktemp -d "${TMPDIR:-/tmp}/cass-mount-probe.XXXXXX")
if [[ $(id -u) -ne 0 ]] || ! mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
    rmdir "$probe"
    echo "[$(basename "$0" .sh)] SKIP: needs root and the right to mount a tmpfs" >&2
    exit 77
fi
umount "$probe"
rmdir "$probe"

# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")

ts=$(proof_time '-1 hour')
make_csr "$CASS_TMP/a.csr"
# request NAME: the arguments of a server request for NAME.example.org with the CSR a.csr.
request() {
    echo --csr "$CASS_TMP/a.csr" --profile server --san "DNS,$1.example.org" \
        --proof "$ts,domains,5,name=$1.example.org"
}
read -ra req_full <<<"$(request full)"
read -ra req_again <<<"$(request again)"

# One certificate to revoke later, while the repository is still on its own disk.
read -ra req_victim <<<"$(request victim)"
expect_exit 0 "${CLIENT[@]}" sign "${req_victim[@]}" --request-id 1 --out "$CASS_TMP/victim.pem"
victim=$(json_str serial "$OUT")
victim_ca=$(json_str ca "$OUT")

# The repository moves onto a small tmpfs of its own, owner and mode kept.
log "moving the repository onto a tmpfs"
cass_stop_pid "$(server_pid)"
owner=$(stat -c %u "$CASS_REPO")
group=$(stat -c %g "$CASS_REPO")
mode=$(stat -c %a "$CASS_REPO")
mv "$CASS_REPO" "$CASS_TMP/repo-disk"
mkdir "$CASS_REPO"
mount -t tmpfs -o "size=16m,uid=$owner,gid=$group,mode=$mode" tmpfs "$CASS_REPO" ||
    fail "cannot mount a tmpfs on $CASS_REPO"
# Lazily: the signer still holds its files open when the cleanup runs.
on_cleanup umount -l "$CASS_REPO"
cp -a "$CASS_TMP/repo-disk/." "$CASS_REPO/" || fail "cannot copy the repository onto the tmpfs"
start_server
pid=$(server_pid)

filler=$CASS_REPO/filler
# fill: a root-owned file takes every free block of the tmpfs (dd stops at ENOSPC).
fill() {
    if dd if=/dev/zero of="$filler" bs=4k status=none 2>"$CASS_TMP/dd.err"; then
        fail "dd filled $filler without running out of space"
    fi
    grep -q 'No space left on device' "$CASS_TMP/dd.err" ||
        fail "dd stopped for another reason: $(cat "$CASS_TMP/dd.err")"
    log "tmpfs full: $(df -k --output=avail "$CASS_REPO" | tail -n 1 | tr -d ' ') KiB left"
}
# unfill: the space comes back.
unfill() {
    rm -f "$filler"
}
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
