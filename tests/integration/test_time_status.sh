#!/usr/bin/env bash
# `time` and `status` against a testbed signer: exit codes, output formats, repeated calls.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

time_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z (-?[0-9]+)$'

expect_exit 0 "${CLIENT[@]}" time
# A sanity bound, not a benchmark: it takes 1-2 s on a quiet machine.
((ELAPSED_MS <= 5000)) || fail "time took ${ELAPSED_MS} ms (bound 5000 ms)"
[[ $OUT =~ $time_re ]] || fail "time printed '$OUT', not '<UTC time> <offset s>'"
offset=${BASH_REMATCH[1]}
# Both ends read the same clock here.
((offset >= -5 && offset <= 5)) || fail "offset $offset s on one machine"
signer_epoch=$(date -u -d "${OUT%% *}" +%s) || fail "date cannot read '${OUT%% *}'"
now=$(date -u +%s)
((signer_epoch >= now - 10 && signer_epoch <= now + 5)) ||
    fail "signer time ${OUT%% *} is not now ($(date -u +%Y-%m-%dT%H:%M:%SZ))"

expect_exit 0 "${CLIENT[@]}" status
status_json=$OUT
[[ $status_json == \{*\} ]] || fail "status is not one JSON object: '$status_json'"
[[ $status_json != *$'\n'* ]] || fail "status spans more than one line"
grep -Eq '"protocol" *: *1 *[,}]' <<<"$status_json" || fail "status lacks \"protocol\": 1"
for key in version time uptime_s cas repository audit_head; do
    grep -Eq "\"$key\" *:" <<<"$status_json" || fail "status lacks the key $key: $status_json"
done
grep -Eq '"time" *: *"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' \
    <<<"$status_json" || fail "status time is not a UTC time: $status_json"
grep -Eq '"uptime_s" *: *[0-9]+ *[,}]' <<<"$status_json" ||
    fail "status uptime_s is not a number: $status_json"
grep -Eq '"audit_head" *: *"[0-9a-f]{64}"' <<<"$status_json" ||
    fail "status audit_head is not a hex SHA-256: $status_json"
grep -Eq '"cas" *: *\[' <<<"$status_json" || fail "status cas is not a list: $status_json"

for i in 1 2 3 4 5; do
    expect_exit 0 "${CLIENT[@]}" time
    [[ $OUT =~ $time_re ]] || fail "time #$i printed '$OUT'"
done

expect_alive "$(server_pid)" "the signer"

# Started as root, the signer serves as the `cassiopeia` user: real, effective, saved and file
# system ids alike, so it cannot regain root.
if [[ $(id -u) -eq 0 ]]; then
    want_uid=$(id -u cassiopeia)
    read -r _ ruid euid suid fsuid < <(grep '^Uid:' "/proc/$(server_pid)/status")
    [[ "$ruid $euid $suid $fsuid" == "$want_uid $want_uid $want_uid $want_uid" ]] ||
        fail "the signer's uids are $ruid $euid $suid $fsuid, not $want_uid (cassiopeia)"
    read -r _ rgid egid sgid fsgid < <(grep '^Gid:' "/proc/$(server_pid)/status")
    want_gid=$(id -g cassiopeia)
    [[ "$rgid $egid $sgid $fsgid" == "$want_gid $want_gid $want_gid $want_gid" ]] ||
        fail "the signer's gids are $rgid $egid $sgid $fsgid, not $want_gid (cassiopeia)"
    # Supplementary groups: exactly the user's own (initgroups; dialout for its line), none of
    # root's.
    groups=$(grep '^Groups:' "/proc/$(server_pid)/status" | cut -f2 | xargs -n1 | sort -n | xargs)
    want_groups=$(id -G cassiopeia | xargs -n1 | sort -n | xargs)
    [[ $groups == "$want_groups" ]] ||
        fail "the signer's supplementary groups are '$groups', not the user's '$want_groups'"
fi
