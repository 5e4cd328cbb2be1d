#!/usr/bin/env bash
# Two client daemons on one WebDB queue: first sharing the one serial line
# by turns (each closes its session after 1 s idle), then one daemon per line of a signer
# serving two lines, both woken by the same NOTIFY. Every job is done exactly once.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 3
add_second_line
common=(--run.poll_s 1 --deadline.idle_s 1 --deadline.handshake_s 10 --deadline.io_s 5)

# wait_link_up METRICS_FILE: polls until the daemon's metrics say its link is up (it has
# checked the signer's clock and status at start).
wait_link_up() {
    wait_for "[[ \$(metric '$1' cassiopeia_link_up) == 1 ]]" 30 ||
        fail "the daemon writing $1 did not get its link up within 30 s"
}

# jobs_done METRICS_FILE: the daemon's certificate jobs done, from its metrics file.
jobs_done() {
    local v
    v=$(metric "$1" 'cassiopeia_jobs_total{kind="certificate",outcome="done"}')
    [[ $v =~ ^[0-9]+$ ]] || fail "$1 has no jobs_total for done certificates: '$v'"
    echo "$v"
}

# Phase 1: both daemons on the one line, taking turns.
log "phase 1: two daemons sharing one line"
daemon_start daemon-a "${common[@]}" --run.worker daemon-a --run.metrics_file "$CASS_TMP/a.prom"
daemon_a=$DAEMON_PID
wait_link_up "$CASS_TMP/a.prom"
daemon_start daemon-b "${common[@]}" --run.worker daemon-b --run.metrics_file "$CASS_TMP/b.prom"
daemon_b=$DAEMON_PID
wait_link_up "$CASS_TMP/b.prom"
queue_certs 15
wait_drained 40
expect_none_failed
expect_alive "$daemon_a" "daemon a"
expect_alive "$daemon_b" "daemon b"
daemon_stop "$daemon_b"
((DAEMON_RC == 0)) || fail "daemon b exited $DAEMON_RC on TERM, expected 0"
b_done=$(jobs_done "$CASS_TMP/b.prom")

# Phase 2: a second daemon on the second line; both get the same NOTIFY.
log "phase 2: one daemon per line"
CLIENT_ONE_LINE=("${CLIENT[@]}")
CLIENT+=(--line "$CASS_DIR/cli2.tty")
daemon_start daemon-c "${common[@]}" --run.worker daemon-c --run.metrics_file "$CASS_TMP/c.prom"
daemon_c=$DAEMON_PID
CLIENT=("${CLIENT_ONE_LINE[@]}")
wait_link_up "$CASS_TMP/c.prom"
queue_certs 15
wait_drained 40
expect_none_failed

# Every job done once: 30 certificates, 30 serials, 30 in the signer's repository, one attempt
# each, and the daemons' own counts add up to 30.
expect_all_issued 30
expect_issued_valid
attempts=$(sql "SELECT sum(attempts) FROM cassiopeia.job_status")
((attempts == 30)) || fail "30 jobs took $attempts attempts: a job was taken twice"
daemon_stop "$daemon_a"
((DAEMON_RC == 0)) || fail "daemon a exited $DAEMON_RC on TERM, expected 0"
daemon_stop "$daemon_c"
((DAEMON_RC == 0)) || fail "daemon c exited $DAEMON_RC on TERM, expected 0"
a_done=$(jobs_done "$CASS_TMP/a.prom")
c_done=$(jobs_done "$CASS_TMP/c.prom")
log "jobs done: daemon a $a_done, daemon b $b_done (phase 1), daemon c $c_done (phase 2)"
((a_done + b_done + c_done == 30)) ||
    fail "the daemons count $a_done + $b_done + $c_done jobs done, expected 30"
