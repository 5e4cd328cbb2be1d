#!/usr/bin/env bash
# The client daemon rides out a signer restart: no job fails while the
# signer is down, every job is done once it is back, and none is issued twice.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 3
daemon_start daemon --run.poll_s 1 --deadline.handshake_s 10 --deadline.io_s 5
daemon=$DAEMON_PID
# Jobs take milliseconds over the pty: 5 are done first, 5 more are queued just as the signer
# is stopped (some may be in flight), and 10 while it is down.
queue_certs 5
wait_done_at_least 5 60
expect_alive "$daemon" "the daemon"
# SIGHUP reopens the logs; the daemon goes on.
kill -HUP "$daemon"
queue_certs 5
signer_stop
queue_certs 10
log "signer stopped: $(queue_summary)"

# The signer stays down past the daemon's handshake deadline (10 s): no job may fail, and the
# daemon keeps running.
deadline=$(($(cass_now_ms) + 15000))
while (($(cass_now_ms) < deadline)); do
    expect_none_failed
    expect_alive "$daemon" "the daemon while the signer is down"
    sleep 0.5
done
(($(open_count) >= 10)) || fail "jobs queued while the signer was down are not open: $(queue_summary)"

signer_start_bg
wait_drained 75
expect_none_failed
expect_all_issued 20
expect_issued_valid

# SIGTERM while jobs are queued: the daemon finishes the job in hand and exits 0; no job is left
# running, and `run --once` finishes the rest.
queue_certs 10
daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
[[ $(job_count running) == 0 ]] || fail "TERM left a job running: $(queue_summary)"
expect_none_failed
log "after TERM: $(queue_summary)"
# shellcheck disable=SC2119 # no extra arguments
run_once
expect_none_failed
expect_all_issued 30
