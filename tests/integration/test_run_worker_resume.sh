#!/usr/bin/env bash
# A client daemon without run.worker is killed (SIGKILL) while it holds a job; a new daemon on
# the same line takes the job back at once, because the default worker name (host:line) is
# stable, instead of waiting out the job's lease (run.lease_s 300 here). The job ends done
# with exactly one certificate.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 1
lease_s=300
common=(--run.lease_s "$lease_s" --run.poll_s 1 --deadline.io_s 10 --deadline.handshake_s 10)

# wait_link_up METRICS_FILE: polls until the daemon's metrics say its link is up.
wait_link_up() {
    wait_for "[[ \$(metric '$1' cassiopeia_link_up) == 1 ]]" 30 ||
        fail "the daemon writing $1 did not get its link up within 30 s"
}

daemon_start daemon-a "${common[@]}" --run.metrics_file "$CASS_TMP/a.prom"
daemon_a=$DAEMON_PID
wait_link_up "$CASS_TMP/a.prom"

# The signer stops answering; the daemon takes the job and waits for its answer.
hold_one_job
signer=$SIGNER_PID
job=$JOB

log "killing the daemon (pid $daemon_a) while it holds job $job"
kill -KILL "$daemon_a"
wait_for "! cass_alive $daemon_a" 10 || fail "the daemon (pid $daemon_a) survived SIGKILL"
wait "$daemon_a" 2>/dev/null || true
[[ $(job_field "$job" state) == running ]] ||
    fail "job $job is $(job_field "$job" state) after the kill, expected still running"
kill -CONT "$signer"

# A new daemon on the same line, same default worker name: the job is done long before its
# lease (300 s) could bring it back.
start_ms=$(cass_now_ms)
daemon_start daemon-b "${common[@]}" --run.metrics_file "$CASS_TMP/b.prom"
daemon_b=$DAEMON_PID
wait_drained 90
took_s=$((($(cass_now_ms) - start_ms) / 1000))
log "job $job done ${took_s} s after the new daemon started"
((took_s < lease_s / 2)) || fail "job $job took ${took_s} s: it waited for its lease"
expect_none_failed
expect_all_issued 1
expect_issued_valid
daemon_stop "$daemon_b"
((DAEMON_RC == 0)) || fail "daemon b exited $DAEMON_RC on TERM, expected 0"
