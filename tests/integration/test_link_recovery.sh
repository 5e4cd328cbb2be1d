#!/usr/bin/env bash
# Over the line emulator, with the client daemon draining jobs and default deadlines (30 s read,
# 60 s handshake): (a) the signer is killed (SIGKILL) after it read a job's request and committed
# its certificate, before it replied (the test build's CASSIOPEIA_TEST_KILL_AFTER_COMMIT): the
# client waits for a reply that never comes and sends nothing; the signer started again
# announces itself (END, RESET), so the job is done within seconds, not after the 30 s read
# deadline, and from the committed certificate (one certificate, §6); (b) a burst of bit errors inside sessions ends them at once on both sides
# (RESET, dropped frames): the queue drains with no job failed, quickly, and the daemon's link
# counters in its metrics file rose (docs/protocol.md §2).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

export CASS_LINE=emulator CASS_LINE_ARGS="--seed 11"
queue_up
[[ -S ${CASS_LINE_CTL:-} ]] || fail "the testbed's env names no control socket"

prom=$CASS_TMP/run.prom
# link_sum: frames dropped + RESETs + failed sessions in the daemon's metrics file.
link_sum() {
    local n total=0
    for name in cassiopeia_link_frames_dropped_total cassiopeia_link_resets_total \
        cassiopeia_link_session_failures_total; do
        n=$(metric "$prom" "$name")
        [[ $n =~ ^[0-9]+$ ]] || fail "the metrics file has no $name"
        total=$((total + n))
    done
    echo "$total"
}

log "(a) the signer dies between reading a job and replying"
signer_stop
(
    export CASSIOPEIA_TEST_KILL_AFTER_COMMIT=1
    start_server
) || exit 1
doomed=$(server_pid)
daemon_start daemon --run.poll_s 1 --run.metrics_file "$prom"
wait_for "[[ \$(metric '$prom' cassiopeia_link_up) == 1 ]]" 30 ||
    fail "the daemon did not get its link up within 30 s"
queue_certs 1
wait_for "! cass_alive $doomed" 30 || fail "the signer (pid $doomed) did not die after the commit"
[[ $(open_count) == 1 ]] || fail "the job is not open after the signer died: $(queue_summary)"
start_ms=$(cass_now_ms)
signer_start_bg
wait_drained 60
took_ms=$(($(cass_now_ms) - start_ms))
log "job ${JOB_IDS[0]} done ${took_ms} ms after the signer was started again"
((took_ms < 15000)) || fail "the job took ${took_ms} ms after the restart: the read deadline ran out"
expect_none_failed
expect_all_issued 1

log "(b) a burst of bit errors inside sessions"
before=$(link_sum)
# bit_errors: the emulator's count of flipped bits.
bit_errors() {
    ctl stats
    grep -oE '(^| )bit_errors=[0-9]+' <<<"$REPLY" | cut -d= -f2
}
ctl ber 1e-4
queue_certs 12
# The noise lasts a second past its first hit on the daemon's traffic.
wait_for "(( \$(bit_errors) >= 3 ))" 30 || fail "fewer than 3 bit errors were injected within 30 s"
sleep 1
ctl ber 0
bit_errors=$(bit_errors)
start_ms=$(cass_now_ms)
wait_drained 120
took_ms=$(($(cass_now_ms) - start_ms))
log "the queue drained ${took_ms} ms after the noise ended ($bit_errors bit errors)"
expect_none_failed
expect_all_issued 13
expect_issued_valid
# The counters are written with the progress line, at least every second while idle.
wait_for "(( \$(link_sum) > $before ))" 10 ||
    fail "the link counters did not rise: $(grep cassiopeia_link_ "$prom" | tr '\n' ' ')"
log "link counters: $(grep -E '^cassiopeia_link_' "$prom" | tr '\n' ' ')"
((took_ms < 25000)) || fail "the queue took ${took_ms} ms to drain after the noise: a stall"
grep -q "cassiopeia_link_sessions_total" "$prom" || fail "no sessions counter"
daemon_stop "$DAEMON_PID"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
