#!/usr/bin/env bash
# A stopped signer: the client gives up at its handshake deadline with exit 1, and works again
# once the signer is back. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up
expect_exit 0 "${CLIENT[@]}" time

pid=$(server_pid)
log "stopping the signer (pid $pid)"
kill -TERM "$pid"
wait_for "! cass_alive $pid" 15 || fail "the signer (pid $pid) ignored TERM for 15 s"

# The outer timeout turns a hang into a failure (exit 124).
expect_exit 1 timeout -k 5 30 "${CLIENT[@]}" --deadline.handshake_s 5 time
((ELAPSED_MS <= 15000)) || fail "gave up after ${ELAPSED_MS} ms with a 5 s handshake deadline"
[[ -z $OUT ]] || fail "a failed time printed '$OUT' on stdout"

start_server
expect_exit 0 timeout -k 5 90 "${CLIENT[@]}" time
expect_alive "$(server_pid)" "the restarted signer"
