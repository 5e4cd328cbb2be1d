#!/usr/bin/env bash
# Over the line emulator, with the client daemon draining jobs and default deadlines (30 s read,
# 60 s handshake): (a) the signer killed (SIGKILL) while a job waits for its reply and started
# again announces itself (END, RESET), so the job is done within seconds, not after the 30 s
# read deadline; (b) a burst of bit errors inside sessions ends them at once on both sides
# (RESET, dropped frames): the queue drains with no job failed, quickly, and the daemon's link
# counters in its metrics file rose (docs/protocol.md §2).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

export CASS_LINE=emulator CASS_LINE_ARGS="--seed 11"
queue_up
[[ -S ${CASS_LINE_CTL:-} ]] || fail "the testbed's env names no control socket"

# ctl CMD: one control line; REPLY holds the answer.
ctl() {
    REPLY=$(printf '%s\n' "$*" | socat -t 5 - UNIX-CONNECT:"$CASS_LINE_CTL") ||
        fail "control socket: '$*' failed"
    [[ $REPLY == ok* ]] || fail "'$*' answered '$REPLY'"
}

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

daemon_start daemon --run.poll_s 1 --run.metrics_file "$prom"
wait_for "[[ \$(metric '$prom' cassiopeia_link_up) == 1 ]]" 30 ||
    fail "the daemon did not get its link up within 30 s"

log "(a) the signer is killed while a job waits for its reply"
hold_one_job
sleep 1 # the daemon has written its request; it waits for the reply (30 s read deadline)
log "killing the signer (pid $SIGNER_PID) with SIGKILL"
kill -KILL "$SIGNER_PID"
wait_for "! cass_alive $SIGNER_PID" 10 || fail "the signer survived SIGKILL"
start_ms=$(cass_now_ms)
signer_start_bg
wait_drained 60
took_ms=$(($(cass_now_ms) - start_ms))
log "job $JOB done ${took_ms} ms after the signer was started again"
((took_ms < 15000)) || fail "job $JOB took ${took_ms} ms after the restart: the read deadline ran out"
expect_none_failed

log "(b) a burst of bit errors inside sessions"
before=$(link_sum)
queue_certs 12
wait_done_at_least 2 60
ctl ber 2e-4
sleep 2
ctl ber 0
ctl stats
bit_errors=$(grep -oE '(^| )bit_errors=[0-9]+' <<<"$REPLY" | cut -d= -f2)
((bit_errors > 0)) || fail "no bit error was injected: $REPLY"
start_ms=$(cass_now_ms)
wait_drained 120
took_ms=$(($(cass_now_ms) - start_ms))
log "the queue drained ${took_ms} ms after the noise ended ($bit_errors bit errors)"
expect_none_failed
expect_issued_valid
# The counters are written with the progress line, at least every second while idle.
wait_for "(( \$(link_sum) > $before ))" 10 ||
    fail "the link counters did not rise: $(grep cassiopeia_link_ "$prom" | tr '\n' ' ')"
log "link counters: $(grep -E '^cassiopeia_link_' "$prom" | tr '\n' ' ')"
((took_ms < 25000)) || fail "the queue took ${took_ms} ms to drain after the noise: a stall"
grep -q "cassiopeia_link_sessions_total" "$prom" || fail "no sessions counter"
daemon_stop "$DAEMON_PID"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
