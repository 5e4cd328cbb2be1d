#!/usr/bin/env bash
# The token pulled mid-queue (CASS_HSM=1, set here: the keys in a SoftHSM2 token): while the
# token's folder is moved away the signer cannot sign (jobs then are not done: the client fails
# them with the signer's code internal, docs/conventions.md §5, or retries them; and the client
# daemon's status check sees the key unusable); once it is back the same signer process (no
# restart) signs again and the whole queue drains, every certificate verifying up to the test
# root.
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
# A job queued while it is away: the daemon takes it at its next poll and cannot get it signed.
queue_certs 1
probe=${JOB_IDS[0]}

# The outcomes while it is away: the probe tried and not done (it went back to the queue to be
# retried, or failed with the signer's code internal: docs/conventions.md §5 fails a job on
# every refusal by the signer), and the daemon's status check seeing the key unusable.
probe_tried() {
    [[ $(job_field "$probe" state) == retrying || $(job_field "$probe" state) == failed ]]
}
wait_for probe_tried 60 || fail "job $probe was not tried while the token was away: \
$(queue_summary)"
state=$(job_field "$probe" state) err=$(job_field "$probe" last_error)
[[ $state == retrying || ${err%% *} == internal ]] ||
    fail "job $probe is $state with '$err' while the token is away, expected retrying or internal"
wait_for "((\$(keys_down) >= 1))" 30 ||
    fail "the daemon's status check never saw a CA key unusable while the token was away"
expect_alive "$signer" "the signer while the token is away"
expect_alive "$daemon" "the daemon while the token is away"

log "token back: mv $away $tokens ($(queue_summary))"
mv "$away" "$tokens"
queue_certs 20
after=("${JOB_IDS[@]}")
wait_drained 120
wait_for "((\$(keys_down) == 0))" 30 || fail "the daemon still sees $(keys_down) CA keys unusable"

# No job is lost or issued twice: each is done, or (signed while the token was away) failed
# with the signer's code internal; every job queued after the token came back is done; every
# certificate verifies up to the test root. With a client that retries such jobs instead,
# all of them end done.
for id in "${before[@]}" "$probe" "${after[@]}"; do
    state=$(job_field "$id" state) err=$(job_field "$id" last_error)
    [[ $state == "done" || ($state == failed && ${err%% *} == internal) ]] ||
        fail "job $id is $state ($err): neither done nor failed with internal"
done
for id in "${after[@]}"; do
    [[ $(job_field "$id" state) == "done" ]] ||
        fail "job $id, queued after the token came back, is $(job_field "$id" state)"
done
expect_none_failed_but_internal() {
    [[ -z $(sql "SELECT job_id FROM cassiopeia.job_status WHERE state = 'failed'
                 AND last_error NOT LIKE 'internal%'") ]]
}
expect_none_failed_but_internal || fail "jobs failed otherwise: $(failed_jobs)"
done_n=$(job_count "done" certificate)
log "$done_n of $(job_count) jobs done, $(job_count failed) failed while the token was away"
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
