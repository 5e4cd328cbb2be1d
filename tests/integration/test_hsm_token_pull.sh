#!/usr/bin/env bash
# The token pulled mid-queue (CASS_HSM=1, set here: the keys in a SoftHSM2 token): while the
# token's folder is moved away the signer cannot sign; the requests in flight fail (internal),
# the client daemon's status check sees the key unusable and holds the queue; once the folder
# is back the same signer process (no restart) signs again and the queue drains, every
# certificate verifying up to the test root (docs/hsm.md, "A token that goes away").
# SoftHSM2 sees a token that came back only after C_Finalize/C_Initialize: the signer
# re-initialises the module on the next request after a failure.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
export CASS_HSM=1
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
[[ -d $CASS_DIR/hsm/tokens && -n ${SOFTHSM2_CONF:-} ]] ||
    fail "the testbed made no token (CASS_HSM=1 ignored?)"
signer=$(server_pid)
tokens=$CASS_DIR/hsm/tokens away=$CASS_DIR/hsm/tokens.away
# Moved back at cleanup too, should the test fail while it is away.
on_cleanup bash -c "[[ -d '$away' && ! -e '$tokens' ]] && mv '$away' '$tokens'"

make_csr_set 3
prom=$CASS_TMP/daemon.prom
daemon_start daemon --run.poll_s 1 --run.retry_s 1 --run.max_attempts 30 --run.status_s 1 \
    --run.metrics_file "$prom" --deadline.handshake_s 10 --deadline.io_s 10
daemon=$DAEMON_PID
queue_certs 20
before=("${JOB_IDS[@]}")
wait_done_at_least 5 60

# keys_down: how many CA keys the daemon's last status check saw unusable (its metrics file).
keys_down() {
    awk '$1 ~ /^cassiopeia_signer_key_up[{]/ && $2 == 0 { n++ } END { print n + 0 }' "$prom" \
        2>/dev/null || echo 0
}

log "token pulled: mv $tokens $away"
mv "$tokens" "$away"
# A job queued while it is away: the daemon takes it at its next poll, unless it already holds
# the queue; either way it cannot get it signed.
queue_certs 1
probe=${JOB_IDS[0]}

# While it is away: the daemon's status check sees the key unusable (the signer's status report
# shows the token's key cannot sign), and from then on it holds the queue (docs/hsm.md, "A
# token that goes away"): jobs queued now are not failed, they wait.
wait_for "((\$(keys_down) >= 1))" 60 ||
    fail "the daemon's status check never saw a CA key unusable while the token was away: \
$(queue_summary)"
queue_certs 5
held=("${JOB_IDS[@]}")
state=$(job_field "$probe" state) err=$(job_field "$probe" last_error)
[[ $state != "done" ]] || fail "job $probe was done while the token was away"
[[ $state != failed || ${err%% *} == internal ]] ||
    fail "job $probe failed with '$err' while the token was away, expected internal"
expect_alive "$signer" "the signer while the token is away"
expect_alive "$daemon" "the daemon while the token is away"

log "token back: mv $away $tokens ($(queue_summary))"
mv "$away" "$tokens"
queue_certs 20
after=("${JOB_IDS[@]}")
wait_drained 120
wait_for "((\$(keys_down) == 0))" 30 || fail "the daemon still sees $(keys_down) CA keys unusable"

# No job is lost or issued twice. Only requests in flight when the token went (at most one
# window, run.window 8) fail, with the signer's code internal; every job queued while it was
# away or after it came back is done; every certificate verifies up to the test root.
for id in "${before[@]}" "$probe"; do
    state=$(job_field "$id" state) err=$(job_field "$id" last_error)
    [[ $state == "done" || ($state == failed && ${err%% *} == internal) ]] ||
        fail "job $id is $state ($err): neither done nor failed with internal"
done
for id in "${held[@]}" "${after[@]}"; do
    [[ $(job_field "$id" state) == "done" ]] ||
        fail "job $id, queued while the token was away or after, is $(job_field "$id" state)"
done
failed_n=$(job_count failed)
((failed_n <= 8)) || fail "$failed_n jobs failed, more than one window (8): $(failed_jobs)"
done_n=$(job_count "done" certificate)
log "$done_n of $(job_count) jobs done, $failed_n failed in flight when the token went"
[[ $(sql "SELECT count(DISTINCT serial) FROM cassiopeia.issued") == "$done_n" &&
    $(sql "SELECT count(*) FROM cassiopeia.issued") == "$done_n" ]] ||
    fail "issued holds $(sql "SELECT count(*) FROM cassiopeia.issued") certificates, $done_n jobs are done"
[[ $(repo_sql -readonly 'SELECT count(*) FROM certificates;') == "$done_n" ]] ||
    fail "the signer's repository does not hold $done_n certificates"
expect_issued_valid

# The same signer signed before, during and after: never restarted.
[[ $(server_pid) == "$signer" ]] || fail "the signer was restarted ($signer, now $(server_pid))"
expect_alive "$signer" "the signer after the token came back"
daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
left=$(find "$CASS_PKI" -name '*.key' ! -path "$CASS_PKI/openpgp/*")
[[ -z $left ]] || fail "CA or link key files under the testbed's PKI: $left"

log "ok"
