#!/usr/bin/env bash
# The testbed over the line emulator (CASS_LINE=emulator): certificates issue unthrottled, paced
# at 115200 baud and with bit errors (BER 1e-5, default deadlines, no stall); `stats` counts bytes each way; bad control
# lines are refused; `stall` holds the bytes back; `cut` hangs up both ends and makes new ptys
# under the same links.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CASS_LINE=emulator CASS_LINE_ARGS="--seed 7"
testbed_up
[[ -S ${CASS_LINE_CTL:-} ]] || fail "the testbed's env names no control socket"

# counter KEY: the counter KEY of the last `stats` reply.
counter() {
    local v
    v=$(grep -oE "(^| )$1=[0-9]+" <<<"$REPLY" | cut -d= -f2) || fail "stats lack $1: $REPLY"
    echo "$v"
}

ctl stats
[[ $REPLY == ok\ * ]] || fail "stats answered '$REPLY'"
for bad in bogus "ber 2" "baud fast" "stall"; do
    line_ctl "$bad"
    [[ $REPLY == error\ * ]] || fail "'$bad' was not refused: '$REPLY'"
done

log "unthrottled"
issue_client alice
ctl stats
a_out=$(counter a_to_b_out) b_out=$(counter b_to_a_out)
((a_out > 0 && b_out > 0)) || fail "stats count no bytes each way: $REPLY"
(($(counter a_to_b_in) >= a_out && $(counter b_to_a_in) >= b_out)) ||
    fail "more out than in: $REPLY"

log "paced at 115200 baud"
ctl baud 115200
[[ $REPLY == ok ]] || fail "baud 115200 answered '$REPLY'"
issue_client bob
ctl stats
(($(counter baud) == 115200)) || fail "stats show no 115200 baud: $REPLY"
# Each direction carries at most 11520 bytes/s: the session took at least its bytes' wire time.
ab=$(($(counter a_to_b_out) - a_out)) ba=$(($(counter b_to_a_out) - b_out))
most=$((ab > ba ? ab : ba))
((ELAPSED_MS >= most * 1000 / 11520)) ||
    fail "$most bytes went one way in ${ELAPSED_MS} ms: faster than 115200 baud"

log "BER 1e-5, unthrottled, default deadlines"
# A session that noise breaks ends at once on both sides (a dropped frame, a RESET from the
# signer, docs/protocol.md §2) and the client starts over under the same request id, so the
# certificate is never signed twice, and it never waits out its 30 s read deadline.
ctl baud 0
ctl ber 1e-5
for i in 1 2 3 4 5 6 7 8; do
    make_csr "$CASS_TMP/noisy$i.csr"
    expect_exit 0 "${CLIENT[@]}" sign --csr "$CASS_TMP/noisy$i.csr" --profile client \
        --san "email,noisy$i@example.org" --request-id "$((7000 + i))" \
        --proof "$(proof_time '-1 hour'),emails,17,address=noisy$i@example.org" \
        --out "$CASS_TMP/noisy$i.pem"
    ((ELAPSED_MS < 20000)) || fail "noisy$i took ${ELAPSED_MS} ms: a broken session stalled"
    [[ -n $(json_str serial "$OUT") ]] || fail "noisy$i: no serial"
    ctl stats
    ((i >= 3 && $(counter bit_errors) > 0)) && break
done
(($(counter bit_errors) > 0)) || fail "no bit error was injected: $REPLY"
rows=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id LIKE 'cli:700%';")
((rows == i)) || fail "$i noisy requests made $rows signer requests"
ctl ber 0
issue_client quiet
expect_alive "$(server_pid)" "the signer"

log "stall"
ctl stall 2
[[ $REPLY == ok ]] || fail "stall answered '$REPLY'"
expect_exit 0 "${CLIENT[@]}" time
((ELAPSED_MS >= 1500)) || fail "time took ${ELAPSED_MS} ms over a line stalled for 2 s"

log "cut"
ctl stats
cuts=$(counter cuts)
cat "$CASS_CLIENT_TTY" >/dev/null 2>&1 &
reader=$!
save_pid "$reader"
sleep 0.2
ctl cut 2
[[ $REPLY == ok ]] || fail "cut answered '$REPLY'"
[[ ! -e $CASS_CLIENT_TTY && ! -e $CASS_SERVER_TTY ]] || fail "the links are still there after cut"
# The hang-up ends a reader of the old pty.
wait_for "! kill -0 $reader" 3 || fail "a reader of the cut line saw no hang-up"
wait_for "$CASS_CLIENT_TTY" 10 || fail "cli.tty did not come back"
wait_for "$CASS_SERVER_TTY" 10 || fail "srv.tty did not come back"
[[ -c $(readlink -f "$CASS_CLIENT_TTY") && -c $(readlink -f "$CASS_SERVER_TTY") ]] ||
    fail "the links do not name ptys after the cut"
ctl stats
(($(counter cuts) == cuts + 1 && $(counter plugged) == 1)) || fail "stats after the cut: $REPLY"
