#!/usr/bin/env bash
# `cassiopeia-server check` reads keys (the link key, the CA keys) only once it runs hardened
# like the serving signer: no core dumps (RLIMIT_CORE 0, soft and hard). The link key is handed
# over through a FIFO, so that the test looks at the process while it is reading it
# (docs/conventions.md §2).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

fifo=$CASS_TMP/link-key.fifo
mkfifo -m 0600 "$fifo"
# Held open for writing (and reading, so that this open does not block): check's open of the
# FIFO returns at once and its read waits for the key.
exec 3<>"$fifo"

# check starts with core dumps allowed, as a shell with `ulimit -c unlimited` would start it.
(
    ulimit -c unlimited 2>/dev/null || ulimit -S -c "$(ulimit -H -c)"
    ulimit -c >"$CASS_TMP/core-limit-at-start"
    exec "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" --tls.key "$fifo" check
    # Without the test's fd 3: a writer left in check itself would keep its read from ending.
) >"$CASS_TMP/check.out" 2>"$CASS_TMP/check.err" </dev/null 3>&- &
pid=$!
save_pid "$pid"

# reading_fifo: check holds the FIFO open, so it has begun to read the link key.
reading_fifo() {
    local fd
    for fd in /proc/"$pid"/fd/*; do
        [[ $(readlink "$fd") == "$fifo" ]] && return 0
    done
    return 1
}
wait_for reading_fifo 30 || fail "check (pid $pid) did not open the link key within 30 s"
[[ $(cat "$CASS_TMP/core-limit-at-start") != 0 ]] ||
    fail "cannot start check with core dumps allowed: the test shows nothing"

read -r soft hard < <(awk '/^Max core file size/ { print $5, $6 }' "/proc/$pid/limits")
[[ $soft == 0 && $hard == 0 ]] ||
    fail "check reads the link key with core dumps allowed (soft $soft, hard $hard)"

# The key arrives; check goes on and passes.
cat "$CASS_PKI/link/server.key" >&3
exec 3>&-
wait_for "! cass_alive $pid" 60 || fail "check (pid $pid) did not finish within 60 s"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 0 ]] || fail "check exited $rc"
grep -q '^link credentials: ok' "$CASS_TMP/check.out" || fail "check did not load the link key"
