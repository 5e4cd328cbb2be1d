#!/usr/bin/env bash
# Line noise: random bytes, END bursts, half and broken frames, while idle and during a
# request. The client resynchronises, exits only 0 or 1, and the signer survives.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# write_to TTY: copies stdin into TTY (as root this passes TIOCEXCL); a stuck line fails the test.
write_to() {
    timeout 10 dd of="$1" bs=4096 status=none || fail "could not write to $1"
}

# hello_frame: a well-formed HELLO (version 1, a nonce of our own) as SLIP bytes; its CRC-32
# (IEEE 802.3, little-endian) is the one gzip writes into its trailer.
hello_frame() {
    local body='\002\001spoofed!' b out='\300'
    for b in $({
        printf '%b' "$body"
        printf '%b' "$body" | gzip -c | tail -c 8 | head -c 4
    } | od -An -v -tx1); do
        case $b in
            c0) out+='\333\334' ;;
            db) out+='\333\335' ;;
            *) out+="\\x$b" ;;
        esac
    done
    printf '%b' "$out\300"
}

testbed_up

log "garbage while the link is idle"
head -c 5000 /dev/urandom | write_to "$CASS_CLIENT_TTY"
# A burst of 2000 SLIP END bytes.
head -c 2000 /dev/zero | tr '\0' '\300' | write_to "$CASS_CLIENT_TTY"
{
    printf '\300\001half a DATA frame, never ended'
    # HELLO with a zero CRC, ESC followed by an invalid byte, an unknown frame type.
    printf '\300\002\001ABCDEFGH\000\000\000\000\300'
    printf '\300\001\333\001xyz\300'
    printf '\300\177\000\000\000\000\300'
    # A frame far over the 4101-byte limit, ended.
    printf '\300\001'
    head -c 9000 /dev/zero | tr '\0' 'A'
    printf '\300'
    # Half a frame again: the client's leading END must cut it off.
    printf '\300\002\001'
} | write_to "$CASS_CLIENT_TTY"

expect_exit 0 timeout -k 5 90 "${CLIENT[@]}" time
expect_alive "$(server_pid)" "the signer"

log "garbage in both directions during a request"
# For 3 s, every 20 ms: 256 random bytes towards each end and a spoofed HELLO towards the
# signer; started before the request.
noise() {
    local end=$(($(cass_now_ms) + 3000))
    while (($(cass_now_ms) < end)); do
        head -c 256 /dev/urandom | write_to "$CASS_CLIENT_TTY"
        head -c 256 /dev/urandom | write_to "$CASS_SERVER_TTY"
        # A spoofed HELLO makes the signer drop the client's session: the client starts over.
        hello_frame | write_to "$CASS_CLIENT_TTY"
        touch "$CASS_TMP/noise.started"
        sleep 0.02
    done
}
noise &
noise_pid=$!
save_pid "$noise_pid"
wait_for "$CASS_TMP/noise.started" 10 || fail "the noise never started"
rc=0
timeout -k 5 30 "${CLIENT[@]}" time >"$CASS_TMP/noisy.stdout" 2>"$CASS_TMP/noisy.err" </dev/null ||
    rc=$?
log "the time during the noise exited $rc: $(cat "$CASS_TMP/noisy.stdout")"
[[ $rc -eq 0 || $rc -eq 1 ]] || fail "the time during the noise exited $rc (0 or 1 allowed; 124: hung)"
wait "$noise_pid" || fail "writing the noise failed"

expect_exit 0 timeout -k 5 90 "${CLIENT[@]}" time
expect_alive "$(server_pid)" "the signer"
