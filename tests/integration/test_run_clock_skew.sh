#!/usr/bin/env bash
# The signer's clock an hour off the client's (the test build's CASSIOPEIA_TEST_CLOCK_OFFSET_S):
# the client daemon sends no job while the skew is beyond run.max_skew_s. Its metrics show the
# skew and the link down; queued jobs stay pending, none fails, and the signer's repository
# holds no certificate. Once the signer runs again on a sane clock, every job is done.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 3
offset_s=3600

# The offset lives only in the test build: the production signer never reads it.
if grep -q CASSIOPEIA_TEST_CLOCK_OFFSET_S "$CASS_BIN/cassiopeia-server"; then
    fail "the production cassiopeia-server reads CASSIOPEIA_TEST_CLOCK_OFFSET_S"
fi

log "restarting the signer with CASSIOPEIA_TEST_CLOCK_OFFSET_S=$offset_s"
signer_stop
(
    export CASSIOPEIA_TEST_CLOCK_OFFSET_S=$offset_s
    start_server
) || exit 1
expect_exit 0 "${CLIENT[@]}" time
read -r _ told_s <<<"$OUT"
if [[ ! $told_s =~ ^-?[0-9]+$ ]] || ((told_s <= offset_s - 60 || told_s >= offset_s + 60)); then
    fail "\`time\` says the signer is '$told_s' s off, expected about $offset_s"
fi

prom=$CASS_TMP/run.prom
daemon_start daemon --run.max_skew_s 300 --run.poll_s 1 --deadline.handshake_s 10 \
    --deadline.io_s 5 --run.metrics_file "$prom"
daemon=$DAEMON_PID
queue_certs 3

# skew_s: the daemon's cassiopeia_signer_clock_skew_seconds (empty until written).
skew_s() {
    metric "$prom" cassiopeia_signer_clock_skew_seconds 2>/dev/null
}
wait_for "[[ \$(skew_s) =~ ^-?[0-9]+\$ ]] && (( \$(skew_s) > $offset_s - 60 ))" 30 ||
    fail "the daemon's metrics show no skew near $offset_s s: '$(skew_s)'"

# For 12 s (past the daemon's link back-off of 10 s): nothing is sent, nothing fails.
deadline=$(($(cass_now_ms) + 12000))
while (($(cass_now_ms) < deadline)); do
    expect_none_failed
    expect_alive "$daemon" "the daemon while the signer's clock is off"
    [[ $(job_count pending) == 3 ]] || fail "jobs left pending while skewed: $(queue_summary)"
    [[ $(metric "$prom" cassiopeia_link_up) == 0 ]] ||
        fail "the daemon reports its link up while the signer's clock is off"
    sleep 0.5
done
got=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((got == 0)) || fail "the signer issued $got certificates while its clock was off"
[[ $(sql "SELECT count(*) FROM cassiopeia.issued") == 0 ]] ||
    fail "the WebDB got certificates while the signer's clock was off"

signer_stop
signer_start_bg  # the production signer, on the system clock
wait_drained 60
expect_none_failed
expect_all_issued 3
expect_issued_valid
skew=$(skew_s)
((skew >= -5 && skew <= 5)) || fail "the daemon's skew gauge is $skew s with a sane clock"
daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
