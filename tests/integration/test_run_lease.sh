#!/usr/bin/env bash
# A job that runs past its lease (run.lease_s) is not taken over by a second daemon: the
# daemon holding it renews the lease while the job is in flight. The signer is stopped
# (SIGSTOP) while one job waits for its answer, for four leases; the job keeps its worker and
# its one attempt, and once the signer goes on it is done once.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 1
add_second_line
lease_s=2
common=(--run.lease_s "$lease_s" --run.poll_s 1 --deadline.io_s 60 --deadline.handshake_s 60)

# wait_link_up METRICS_FILE: polls until the daemon's metrics say its link is up.
wait_link_up() {
    wait_for "[[ \$(metric '$1' cassiopeia_link_up) == 1 ]]" 30 ||
        fail "the daemon writing $1 did not get its link up within 30 s"
}

# holder ID: "worker attempts state" of job ID, from the queue's own table.
holder() {
    sql "SELECT coalesce(worker, '-') || ' ' || attempts || ' ' || state
         FROM cassiopeia.jobs WHERE id = $1"
}

# Two daemons, one per line, both idle with their link up.
daemon_start daemon-a "${common[@]}" --run.worker daemon-a --run.metrics_file "$CASS_TMP/a.prom"
daemon_a=$DAEMON_PID
wait_link_up "$CASS_TMP/a.prom"
CLIENT_ONE_LINE=("${CLIENT[@]}")
CLIENT+=(--line "$CASS_DIR/cli2.tty")
daemon_start daemon-b "${common[@]}" --run.worker daemon-b --run.metrics_file "$CASS_TMP/b.prom"
daemon_b=$DAEMON_PID
CLIENT=("${CLIENT_ONE_LINE[@]}")
wait_link_up "$CASS_TMP/b.prom"

# The signer stops answering; a job is queued and one daemon takes it and waits.
hold_one_job
signer=$SIGNER_PID
job=$JOB
first=$(holder "$job")
log "job $job held: $first"
[[ $first =~ ^daemon-[ab]\ 1\ running$ ]] || fail "job $job is held as '$first'"

# Four leases: the other daemon polls every second and must not take the job over.
deadline=$(($(cass_now_ms) + 4 * lease_s * 1000))
while (($(cass_now_ms) < deadline)); do
    now=$(holder "$job")
    [[ $now == "$first" ]] || fail "job $job was taken over: '$first' became '$now'"
    sleep 0.3
done
expect_alive "$daemon_a" "daemon a"
expect_alive "$daemon_b" "daemon b"

log "letting the signer go on"
kill -CONT "$signer"
wait_drained 60
expect_none_failed
[[ $(job_field "$job" attempts) == 1 ]] ||
    fail "job $job took $(job_field "$job" attempts) attempts, expected 1"
expect_all_issued 1
expect_issued_valid
daemon_stop "$daemon_a"
((DAEMON_RC == 0)) || fail "daemon a exited $DAEMON_RC on TERM, expected 0"
daemon_stop "$daemon_b"
((DAEMON_RC == 0)) || fail "daemon b exited $DAEMON_RC on TERM, expected 0"
