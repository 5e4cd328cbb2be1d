#!/usr/bin/env bash
# The token pulled mid-queue (CASS_HSM=1, set here: the keys in a SoftHSM2 token): while the
# token's folder is moved away the signer cannot sign, the jobs go back to the queue to be
# retried, none fails; once it is back the same signer process (no restart) signs again and
# the whole queue drains, every certificate verifying up to the test root.
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
queue_certs 20
daemon_start daemon --run.poll_s 1 --run.retry_s 1 --run.max_attempts 30 \
    --deadline.handshake_s 10 --deadline.io_s 10
daemon=$DAEMON_PID
wait_done_at_least 5 60

log "token pulled: mv $tokens $away"
mv "$tokens" "$away"
# Jobs queued while it is away: the daemon takes them at its next poll; signing fails.
queue_certs 20

# retried_away: a job was tried at least twice and is waiting for its next try (it went back
# to the queue after a failed attempt), while the token is still away.
retried_away() {
    [[ $(sql "SELECT count(*) FROM cassiopeia.job_status
              WHERE state = 'retrying' AND attempts >= 2") -ge 1 ]]
}
wait_for retried_away 90 || fail "no job went back to the queue while the token was away: \
$(queue_summary)"
expect_none_failed
expect_alive "$signer" "the signer while the token is away"
expect_alive "$daemon" "the daemon while the token is away"
(($(open_count) >= 1)) || fail "no job is open while the token is away: $(queue_summary)"

log "token back: mv $away $tokens ($(queue_summary))"
mv "$away" "$tokens"
wait_drained 120
expect_none_failed
expect_all_issued 40
expect_issued_valid
retried=$(sql "SELECT count(*) FROM cassiopeia.job_status WHERE attempts >= 2")
((retried >= 1)) || fail "no job was retried: the token's absence went unnoticed"

# The same signer signed before, during and after: never restarted.
[[ $(server_pid) == "$signer" ]] || fail "the signer was restarted ($signer, now $(server_pid))"
expect_alive "$signer" "the signer after the token came back"
expect_alive "$daemon" "the daemon"
daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"

# It signs fresh requests with the token's keys, and the signer's key files are still gone.
queue_certs 3
# shellcheck disable=SC2119 # no extra arguments
run_once
expect_all_issued 43
expect_issued_valid
expect_alive "$signer" "the signer"
left=$(find "$CASS_PKI" -name '*.key' ! -path "$CASS_PKI/openpgp/*")
[[ -z $left ]] || fail "CA or link key files under the testbed's PKI: $left"

log "ok"
