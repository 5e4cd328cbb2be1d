#!/usr/bin/env bash
# cassiopeia-record, the operator's tool for captured record lines: encode, decode, chunking
# (docs/protocol.md §4), malformed lines named with exit status 1, usage errors with 2.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tool=$CASS_BIN/cassiopeia-record

# A known line: getTimestamp, session 0x01020304, counter 7, payload "hello".
expect_exit 0 "$tool" encode --command 0xC0 --session 0x01020304 --counter 7 --payload hello
[[ $OUT == ":C00000040302010700050000000000050068656C6C6F10" ]] ||
    fail "encode printed '$OUT'"

# Round trip through decode, with lower-case hex accepted.
echo "${OUT,,}" >"$CASS_TMP/one.txt"
expect_exit 0 bash -c "'$tool' decode <'$CASS_TMP/one.txt'"
for want in '"command":192' '"name":"getTimestamp"' '"session":16909060' '"counter":7' \
    '"total_length":5' '"offset":0' '"length":5' '"payload_hex":"68656C6C6F"'; do
    [[ $OUT == *"$want"* ]] || fail "decode lacks $want: $OUT"
done

# §4 chunking: 0xF001 bytes are two records, 0xF000 and 1 bytes, offsets 0 and 1.
head -c 61441 /dev/zero | tr '\0' 'A' >"$CASS_TMP/big.txt"
expect_exit 0 "$tool" encode --command 0x03 --session 1 --counter 2 \
    --payload "$(cat "$CASS_TMP/big.txt")"
echo "$OUT" >"$CASS_TMP/big.lines"
(($(wc -l <"$CASS_TMP/big.lines") == 2)) || fail "0xF001 bytes did not give two records"
expect_exit 0 bash -c "'$tool' decode <'$CASS_TMP/big.lines'"
grep -q '"offset":0,"length":61440' <<<"$OUT" || fail "first chunk is not 0xF000 bytes: $OUT"
grep -q '"offset":1,"length":1' <<<"$OUT" || fail "second chunk is not 1 byte"

# Malformed lines: named on stderr, the good ones still decoded, exit status 1 at the end.
good=$(head -n 1 "$CASS_TMP/one.txt")
bad_sum="${good%??}00"
printf '%s\n:ZZ\n%s\n%s\n' "$good" "$bad_sum" "$good" >"$CASS_TMP/mixed.txt"
expect_exit 1 bash -c "'$tool' decode <'$CASS_TMP/mixed.txt'"
(($(grep -c '"command"' <<<"$OUT") == 2)) || fail "the good lines were not decoded: $OUT"
grep -q '^line 2:' "$CASS_TMP/step-$cass_step.err" || fail "line 2 (bad hex) not named"
grep -q '^line 3:' "$CASS_TMP/step-$cass_step.err" || fail "line 3 (bad checksum) not named"

# Usage errors.
expect_exit 2 "$tool" encode --command nope --session 1 --counter 1
expect_exit 2 "$tool" encode --command 0x10000 --session 1 --counter 1
expect_exit 2 "$tool" frobnicate

log "ok"
