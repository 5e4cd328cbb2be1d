#!/usr/bin/env bash
# The serial line is pulled and plugged in again (the socat relay stopped, no line at all for a
# few seconds, a new relay under the same paths): neither daemon is restarted, the signer (same
# pid) re-opens its line and serves again, a one-shot command, `run --once` and a running client
# daemon all get their certificates (docs/protocol.md §8.1, a failing line).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

# replug SECONDS: scripts/testbed replug, SECONDS without a line.
replug() {
    log "replugging the line (${1} s without it)"
    "$CASS_SOURCE_DIR/scripts/testbed" replug "$CASS_DIR" "$1" >>"$CASS_TMP/testbed.log" 2>&1 ||
        fail "scripts/testbed replug failed"
}

queue_up
signer=$(server_pid)
issue_client before
pem_verifies "$CASS_TMP/before.pem" "$CA" || fail "the certificate before the replug does not verify"

# 1. One-shot commands after a replug: the signer must have re-opened the new pty.
replug 3
expect_alive "$signer" "the signer after the replug"
issue_client after --deadline.handshake_s 30
pem_verifies "$CASS_TMP/after.pem" "$CA" || fail "the certificate after the replug does not verify"
queue_certs 2
run_once --deadline.handshake_s 30
expect_none_failed
[[ $(job_count "done" certificate) == 2 ]] || fail "run --once left jobs: $(queue_summary)"

# 2. A client daemon running across a replug, with jobs queued while the line is gone: it
# re-opens its line too, and every job is done.
daemon_start daemon --run.poll_s 1 --deadline.handshake_s 10 --deadline.io_s 5
daemon=$DAEMON_PID
queue_certs 2
wait_done_at_least 4 60
"$CASS_SOURCE_DIR/scripts/testbed" replug "$CASS_DIR" 4 >>"$CASS_TMP/testbed.log" 2>&1 &
replug_pid=$!
sleep 1
queue_certs 3
wait "$replug_pid" || fail "scripts/testbed replug failed"
wait_drained 90
expect_none_failed
expect_alive "$daemon" "the client daemon after the replug"
daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"

[[ $(server_pid) == "$signer" ]] || fail "the signer was restarted"
expect_alive "$signer" "the signer at the end"
expect_issued_valid
got=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((got == 9)) || fail "the signer's repository holds $got certificates, expected 9"
