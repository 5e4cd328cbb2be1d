#!/usr/bin/env bash
# Revocation over the testbed: three certificates of one CA, two revoked at one
# instant; the client's CRL copy, rebuilt from the delta, verifies with openssl, lists exactly
# those two with the signer's revocation time and reasons, and equals the full CRL fetched.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

ca=$(current_ca client)
serials=()
for name in alice bob carol; do
    issue_client "$name"
    [[ $CA == "$ca" ]] || fail "$name: signed by $CA, not the current client CA $ca"
    serials+=("$SERIAL")
done
copy=$CASS_CRL_DIR/$ca.crl

# The initial CRL (number 1, empty) as the client's first copy.
expect_exit 0 "${CLIENT[@]}" crl --ca "$ca"
[[ $(json_str ca "$OUT") == "$ca" ]] || fail "crl: ca is not $ca: $OUT"
n1=$(json_int crl_number "$OUT")
[[ $n1 == "$(ca_status "$ca" crl_number)" ]] || fail "crl: crl_number $n1 is not the signer's"
[[ $(json_int entries "$OUT") == 0 ]] || fail "crl: the initial CRL has entries: $OUT"
[[ -s $copy ]] || fail "crl wrote no $copy"
crl_verifies "$copy" "$ca" || fail "the copy of the initial CRL does not verify"
[[ $(json_str next_update "$OUT") == "$(crl_next_update "$copy")" ]] ||
    fail "crl: next_update $(json_str next_update "$OUT") is not the CRL's $(crl_next_update "$copy")"
revoked_before=$(ca_status "$ca" revoked)

# Two serials at once, one with a reason, the third left alone.
t0=$(date -u +%s)
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[0]},keyCompromise" \
    --serial "${serials[1]}"
t1=$(date -u +%s)
json=$OUT
[[ $json == \{*\} && $json != *$'\n'* ]] || fail "revoke printed no one-line JSON: '$json'"
[[ $(json_str ca "$json") == "$ca" ]] || fail "revoke: ca is not $ca: $json"
n2=$(json_int crl_number "$json")
((n2 == n1 + 1)) || fail "revoke: crl_number $n2, expected $((n1 + 1))"
want=$(printf '%s\n' "${serials[0]}" "${serials[1]}" | sort)
added=$(json_list added "$json") || fail "revoke: no added list: $json"
[[ $added == "$want" ]] || fail "revoke: added is '$added', expected '$want'"
dropped=$(json_list dropped "$json") || fail "revoke: no dropped list: $json"
[[ -z $dropped ]] || fail "revoke: dropped is '$dropped', expected none"
[[ $(json_str via "$json") == delta ]] || fail "revoke: via is not delta: $json"

# The copy: verifies, number n2, exactly the two serials, one instant, the reasons.
crl_verifies "$copy" "$ca" || fail "the client's copy does not verify with $ca.pem"
[[ $(crl_number_of "$copy") == "$n2" ]] || fail "the copy is CRL $(crl_number_of "$copy"), not $n2"
[[ $(crl_serials "$copy") == "$want" ]] || fail "the copy lists '$(crl_serials "$copy")'"
mapfile -t entries < <(crl_entries "$copy")
when=""
for e in "${entries[@]}"; do
    IFS='|' read -r serial at reason <<<"$e"
    [[ -z $when || $at == "$when" ]] || fail "revocation times differ: $when and $at"
    when=$at
    ((at >= t0 - 1 && at <= t1 + 1)) ||
        fail "revocation time $(date -u -d "@$at" +%FT%TZ) of $serial is not the revoke's"
    if [[ $serial == "${serials[0]}" ]]; then
        [[ $reason == "Key Compromise" ]] || fail "$serial: reason '$reason', not Key Compromise"
    else
        [[ -z $reason ]] || fail "$serial: reason '$reason', expected no reasonCode"
    fi
done
[[ $(file_hex "$copy") == "$(signer_crl_hex "$ca")" ]] ||
    fail "the rebuilt copy is not byte-identical to the signer's CRL"
((revoked_before + 2 == $(ca_status "$ca" revoked))) || fail "status: revoked did not grow by 2"
[[ $(ca_status "$ca" crl_number) == "$n2" ]] || fail "status: crl_number is not $n2"

# The full CRL is byte-identical to the rebuilt copy.
cp "$copy" "$CASS_TMP/rebuilt.crl"
expect_exit 0 "${CLIENT[@]}" crl --ca "$ca" --out "$CASS_TMP/full.crl"
[[ $(json_int crl_number "$OUT") == "$n2" ]] || fail "crl: crl_number is not $n2: $OUT"
[[ $(json_int entries "$OUT") == 2 ]] || fail "crl: entries is not 2: $OUT"
[[ $(json_str next_update "$OUT") == "$(crl_next_update "$CASS_TMP/full.crl")" ]] ||
    fail "crl: next_update is not the CRL's: $OUT"
cmp -s "$CASS_TMP/full.crl" "$CASS_TMP/rebuilt.crl" || fail "crl --out differs from the rebuilt copy"
cmp -s "$copy" "$CASS_TMP/rebuilt.crl" || fail "crl changed the copy"

# Revoking an already revoked serial (with another reason) changes nothing.
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[1]},superseded"
[[ $(json_int crl_number "$OUT") == "$n2" ]] || fail "a revoke that changes nothing: $OUT"
# ... and reports nothing added or dropped (docs/protocol.md §8.6), although the signer
# answers the delta that produced the current CRL, which lists the serial.
json_list added "$OUT" >/dev/null || fail "revoke: no added list: $OUT"
[[ -z $(json_list added "$OUT") ]] || fail "an already revoked serial is reported added: $OUT"
[[ -z $(json_list dropped "$OUT") ]] || fail "a revoke that changes nothing dropped: $OUT"
[[ $(ca_status "$ca" crl_number) == "$n2" ]] || fail "a revoke that changes nothing signed a CRL"
((revoked_before + 2 == $(ca_status "$ca" revoked))) || fail "status: revoked changed"
cmp -s "$copy" "$CASS_TMP/rebuilt.crl" || fail "a revoke that changes nothing changed the copy"
expect_alive "$(server_pid)" "the signer"
