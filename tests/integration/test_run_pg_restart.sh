#!/usr/bin/env bash
# The client daemon rides out a PostgreSQL restart: it reconnects and
# finishes the queue; no job fails and none is issued twice.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
pg_cluster=$CASS_SOURCE_DIR/tests/support/pg_cluster.sh
# The testbed's cluster lives in $CASS_DIR/pg (scripts/testbed: pg_cluster.sh start DIR).
[[ $PGHOST == "$CASS_DIR/pg" && -f $CASS_DIR/pg/data/PG_VERSION ]] ||
    fail "the testbed's PostgreSQL is not in $CASS_DIR/pg (PGHOST=$PGHOST)"
make_csr_set 3
daemon_start daemon --run.poll_s 1 --deadline.handshake_s 10 --deadline.io_s 5
daemon=$DAEMON_PID
# Jobs take milliseconds over the pty: 5 are done first, 40 more are queued just before
# PostgreSQL stops (so that it stops while the daemon is working them: some job is usually in
# flight, signed but not yet stored), and 10 once it is back.
queue_certs 5
wait_done_at_least 5 60
queue_certs 40
log "stopping PostgreSQL: $(queue_summary)"
"$pg_cluster" stop "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh stop failed"

# Down for a while (past the handshake deadline of 10 s): the daemon must stay.
deadline=$(($(cass_now_ms) + 12000))
while (($(cass_now_ms) < deadline)); do
    expect_alive "$daemon" "the daemon while PostgreSQL is down"
    sleep 0.5
done

log "starting PostgreSQL again"
"$pg_cluster" start "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh start failed"
log "PostgreSQL is back: $(queue_summary)"
queue_certs 10
wait_drained 60
expect_none_failed
expect_all_issued 55
expect_issued_valid

daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"

# `run --once` with the WebDB down gives up at the handshake deadline with exit 1.
"$pg_cluster" stop "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh stop failed"
expect_exit 1 timeout -k 5 60 "${CLIENT[@]}" run --once --deadline.handshake_s 3
((ELAPSED_MS >= 2900 && ELAPSED_MS <= 15000)) ||
    fail "run --once gave up after ${ELAPSED_MS} ms with a 3 s deadline"
"$pg_cluster" start "$CASS_DIR" >>"$CASS_TMP/pg.log" 2>&1 || fail "pg_cluster.sh start failed"
