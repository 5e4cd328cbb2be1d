#!/usr/bin/env bash
# One scenario of the fault matrix (docs/reliability.md): a fresh testbed over the line emulator,
# a queue of distinct RSA-2048 jobs (certificates, an OpenPGP key, a revocation), the fault,
# the pair left to drain on its own, then the checks of tests/faults/lib.sh and one row of the
# results table. Run one by hand with
#   CASS_BIN=build/bin bash tests/faults/run.sh cut_5s
# Scenarios: the names in tests/faults/scenarios. CASS_FAULTS_N (default 20) sets the queue;
# CASS_FAULTS_POISON (default 1000) the poison scenario's size, CASS_FAULTS_SOAK_S (default 0)
# how long the noise scenarios keep a drain busy with new jobs beyond the queue.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
FAULT_SCENARIO=${1:?usage: run.sh SCENARIO | --pool}
CASS_TEST_NAME=faults_${FAULT_SCENARIO#--}
CASS_SOURCE_DIR=${CASS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/faults/lib.sh
source "$CASS_SOURCE_DIR/tests/faults/lib.sh"

# The kill -9 of a sign step falls on the 5th request; then a start "by systemd".
KILL_NTH=5
DRAIN_S=180

# kill_signer STEP DELAY_MS: the signer dies at STEP of the 5th request and is started again.
kill_signer() {
    fault_up
    signer_with CASSIOPEIA_TEST_KILL_AT="$1" CASSIOPEIA_TEST_KILL_NTH=$KILL_NTH \
        CASSIOPEIA_TEST_KILL_DELAY_MS="$2"
    local pid
    pid=$(server_pid)
    queue_mix $((FAULTS_N - 1))
    client_up
    supervise_restart signer "$pid" 120
    queue_revocation_of_first
}

# kill_client STEP: the client daemon dies at STEP of its 5th job and is started again.
kill_client() {
    fault_up
    queue_mix $((FAULTS_N - 1))
    client_up CASSIOPEIA_TEST_KILL_AT="$1" CASSIOPEIA_TEST_KILL_NTH=$KILL_NTH
    supervise_restart client "$DAEMON_PID" 120
    queue_revocation_of_first
}

# mid_queue: the line paced at 115,200 baud (a job takes about half a second), the daemon
# draining, a quarter of the queue done: the moment for the fault. Fails when the queue drained
# already (the scenario would prove nothing).
mid_queue() {
    fault_up
    mid_queue_started
}
mid_queue_started() {
    ctl baud 115200
    queue_mix $((FAULTS_N - 1))
    client_up
    queue_revocation_of_first
    wait_done_at_least $((FAULTS_N / 4)) 120
    local open
    open=$(open_count)
    ((open > 1)) || fail "only $open jobs open at the fault: it would hit no job"
}

# hold_for S [client]: sleeps S seconds while checking the daemons (only the client daemon with
# `client`) stay up.
hold_for() {
    local deadline=$(($(cass_now_ms) + $1 * 1000))
    while (($(cass_now_ms) < deadline)); do
        expect_alive "$DAEMON_PID" "the client daemon during the fault"
        [[ ${2:-} == client ]] || expect_alive "$(server_pid)" "the signer during the fault"
        sleep 0.5
    done
}

# whole_drain CMD...: CMD on the emulator before the daemon starts; it stays for the whole
# drain (and CASS_FAULTS_SOAK_S more seconds of new jobs), then the line is made clean again.
whole_drain() {
    fault_up
    ctl "$@"
    fault_ended
    queue_mix $((FAULTS_N - 1))
    client_up
    queue_revocation_of_first
    local soak_end=$(($(cass_now_ms) + ${CASS_FAULTS_SOAK_S:-0} * 1000)) next=$FAULTS_N
    while (($(cass_now_ms) < soak_end)); do
        wait_drained "$DRAIN_S"
        queue_mix "$FAULTS_N" "$next"
        next=$((next + FAULTS_N))
    done
    wait_drained "$DRAIN_S"
    ctl ber 0
    ctl noise 0 0
}

# poison: CASS_FAULTS_POISON poison jobs (garbage CSRs, unknown profiles, missing proofs) mixed
# with as many good ones; every good one done, every poison one failed once with its code.
# Queued by one SQL statement (thousands of jobs in a second), the CSRs from the pool.
poison() {
    fault_up
    local n=${CASS_FAULTS_POISON:-1000} i list=$CASS_TMP/poison.list
    {
        echo "CREATE TEMP TABLE pool (k int PRIMARY KEY, csr text NOT NULL);"
        for ((i = 0; i < FAULTS_N; i++)); do
            printf 'INSERT INTO pool VALUES (%d, %s);\n' "$i" "$(sql_lit "$(cat "$FAULTS_POOL/csr-$i.pem")")"
        done
        sed "s/@POOL@/$FAULTS_N/g; s/@JOBS@/$((2 * n))/g" "$CASS_SOURCE_DIR/tests/faults/poison.sql"
    } | sql - | awk -F'|' '$2 != "" { print $1, $2 }' >"$list" ||
        fail "queueing the poison jobs failed: $(tail -n 5 "$CASS_TMP/psql.err")"
    (($(wc -l <"$list") == n)) || fail "$(wc -l <"$list") poison jobs queued, expected $n"
    (($(job_count) == 2 * n)) || fail "$(job_count) jobs queued, expected $((2 * n))"
    fault_ended
    client_up
    wait_drained 600
    fault_check "$list"
}

# disk_full: the signer's repository on a small tmpfs that fills up mid-queue for a few seconds;
# the jobs it refuses meanwhile fail with internal (a refusal fails at once), nothing of them is
# stored, and the same signer process serves the rest once the space is back.
disk_full() {
    skip_unless_mount  # before anything is made
    fault_up
    repo_on_tmpfs 16m
    start_server
    local pid
    pid=$(server_pid)
    mid_queue_started
    fill
    sleep 3
    unfill
    fault_ended
    [[ $(server_pid) == "$pid" ]] && cass_alive "$pid" || fail "the signer did not survive the full disk"
    FAULT_MAY_FAIL=internal
}

# clock_skew: the signer's clock an hour off; nothing is sent while it is; once its clock is
# right (the signer started again on the system clock) the queue drains.
clock_skew() {
    fault_up
    signer_with CASSIOPEIA_TEST_CLOCK_OFFSET_S=3600
    queue_mix $((FAULTS_N - 1))
    client_up
    wait_for "grep -q '^cassiopeia_signer_clock_skew_seconds' '$CASS_TMP/run.prom'" 60 ||
        fail "the daemon wrote no clock skew gauge within 60 s"
    hold_for 5
    [[ $(repo_sql -readonly 'SELECT count(*) FROM certificates;') == 0 ]] ||
        fail "the signer issued certificates while its clock was an hour off"
    expect_none_failed
    signer_stop
    signer_start_bg
    FAULT_RESTARTS=1
    fault_ended
    queue_revocation_of_first
}

pg=$CASS_SOURCE_DIR/tests/support/pg_cluster.sh
case $FAULT_SCENARIO in
    --pool)
        make_pool "$FAULTS_N"
        exit 0
        ;;
    kill_signer_sign_received | kill_signer_committed | kill_signer_logsaved_received)
        kill_signer "${FAULT_SCENARIO#kill_signer_}" 0 ;;
    kill_signer_setlog_sent | kill_signer_respond_sent)
        kill_signer "${FAULT_SCENARIO#kill_signer_}" 300 ;;
    kill_client_*) kill_client "${FAULT_SCENARIO#kill_client_}" ;;
    noise_idle)
        fault_up
        queue_mix $((FAULTS_N / 2))
        client_up
        queue_revocation_of_first
        wait_drained "$DRAIN_S"
        ctl noise 500 0
        fault_ended
        queue_mix $((FAULTS_N - FAULTS_N / 2 - 1)) "$FAULTS_N"
        ;;
    noise_bursts) whole_drain noise 20 50 ;;
    ber_1e-5) whole_drain ber 1e-5 ;;
    ber_1e-4)
        # No TLS exchange of a few KiB survives 1e-4 (one bit in 1,250 bytes) and the contract
        # has no retransmission (docs/reliability.md): a minute of it, then a clean line.
        fault_up
        ctl ber 1e-4
        queue_mix $((FAULTS_N - 1))
        client_up
        hold_for 60
        log "after a minute at BER 1e-4: $(queue_summary)"
        ctl ber 0
        fault_ended
        queue_revocation_of_first
        ;;
    cut_5s | cut_60s)
        mid_queue
        s=${FAULT_SCENARIO#cut_}
        ctl cut "${s%s}"
        hold_for "${s%s}"
        fault_ended
        ;;
    cut_window_full)
        # The daemon stops itself (SIGSTOP) the 3rd time its window fills: 8 requests in
        # flight, some on the wire, some answered in the signer's output. The line is cut for
        # 5 s, then the daemon goes on: it finds the session gone and replays the 8.
        fault_up
        ctl baud 115200
        queue_mix $((FAULTS_N - 1))
        client_up CASSIOPEIA_TEST_KILL_AT=window_full CASSIOPEIA_TEST_KILL_NTH=3 \
            CASSIOPEIA_TEST_KILL_SIGNAL=STOP
        wait_for "[[ \$(awk '{ print \$3 }' /proc/$DAEMON_PID/stat 2>/dev/null) == T ]]" 120 ||
            fail "the client daemon never had 8 requests in flight"
        ctl cut 5
        sleep 5
        kill -CONT "$DAEMON_PID"
        fault_ended
        queue_revocation_of_first
        ;;
    stall_45s)
        mid_queue
        ctl stall 45
        hold_for 45
        fault_ended
        ;;
    sigstop_45s)
        mid_queue
        kill -STOP "$(server_pid)"
        on_cleanup kill -CONT "$(server_pid)"
        sleep 45
        kill -CONT "$(server_pid)"
        fault_ended
        ;;
    signer_down_at_start)
        fault_up
        signer_stop
        queue_mix $((FAULTS_N - 1))
        client_up
        hold_for 15 client
        signer_start_bg
        FAULT_RESTARTS=1
        fault_ended
        queue_revocation_of_first
        ;;
    pg_restart | webdb_down_60s)
        mid_queue
        "$pg" stop "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh stop failed"
        [[ $FAULT_SCENARIO == pg_restart ]] || hold_for 60
        "$pg" start "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh start failed"
        fault_ended
        ;;
    poison)
        poison
        exit 0
        ;;
    clock_skew) clock_skew ;;
    disk_full) disk_full ;;
    *) fail "unknown scenario '$FAULT_SCENARIO' (see tests/faults/scenarios)" ;;
esac
wait_drained "$DRAIN_S"
fault_check
if [[ $FAULT_SCENARIO == disk_full ]]; then
    (($(job_count failed) > 0)) || fail "no job met the full disk: the scenario proved nothing"
fi
