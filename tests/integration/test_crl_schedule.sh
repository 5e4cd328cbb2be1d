#!/usr/bin/env bash
# Scheduled CRLs: with crl.lifetime_s 8 and crl.resign_s 5 the signer re-signs every CA's CRL
# by itself, and drops a revoked entry once a CRL issued after the certificate's notAfter has
# carried it (RFC 5280 §3.3, docs/protocol.md §5.6).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lifetime_s=8
CASS_CRL_LIFETIME_S=$lifetime_s CASS_CRL_RESIGN_S=5 testbed_up

ca=$(current_ca client)
expect_exit 0 "${CLIENT[@]}" status
obj=$(grep -oE "\{\"name\" *: *\"$ca\"[^}]*\}" <<<"$OUT")
this=$(date -u -d "$(json_str this_update "$obj")" +%s)
next=$(date -u -d "$(json_str next_update "$obj")" +%s)
((next - this == lifetime_s)) || fail "the CRL of $ca lives $((next - this)) s, not $lifetime_s s"

# A certificate that expires in a few seconds, revoked before it does.
to=$(date -u -d '+10 seconds' +%Y-%m-%dT%H:%M:%SZ)
issue_client shortlived --to "$to"
[[ $CA == "$ca" ]] || fail "signed by $CA, not $ca"
serial=$SERIAL
not_after=$(date -u -d "$(json_str not_after "$OUT")" +%s)
[[ $(json_str not_after "$OUT") == "$to" ]] || fail "notAfter is not --to $to: $OUT"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "$serial,cessationOfOperation"
revoked_n=$(json_int crl_number "$OUT")
grep -qx "$serial" <(crl_serials "$CASS_CRL_DIR/$ca.crl") || fail "the copy does not list $serial"

# Keeps every CRL of the CA the signer signs as $CASS_TMP/crl-<n>.der (polled from its repository).
mkdir "$CASS_TMP/seen"
save_signer_crl() {
    local hex n
    hex=$(signer_crl_hex "$ca")
    [[ -n $hex ]] || return 1
    perl -ne 'chomp; print pack("H*", $_)' <<<"$hex" >"$CASS_TMP/seen/new.der"
    n=$(crl_number_of "$CASS_TMP/seen/new.der")
    mv "$CASS_TMP/seen/new.der" "$CASS_TMP/seen/crl-$n.der"
    echo "$n"
}
# number_past N: true once the signer's CRL number is past N.
number_past() {
    local n
    n=$(save_signer_crl) || return 1
    ((n > $1))
}
# serial_dropped: true once the signer's current CRL no longer lists the serial.
serial_dropped() {
    local n
    n=$(save_signer_crl) || return 1
    ! grep -qx "$serial" <(crl_serials "$CASS_TMP/seen/crl-$n.der")
}

# Re-signed without any revoke.
wait_for "number_past $revoked_n" 15 || fail "no CRL after $revoked_n within 15 s"
log "CRL $(save_signer_crl) signed by the schedule"

# Dropped after the certificate expired, and not before a CRL past its notAfter carried it.
deadline_s=$((not_after - $(date -u +%s) + 3 * lifetime_s))
wait_for serial_dropped "$deadline_s" || fail "$serial still on the CRL ${deadline_s} s later"
dropped_n=$(save_signer_crl)
prev=$CASS_TMP/seen/crl-$((dropped_n - 1)).der
if [[ -f $prev ]]; then
    grep -qx "$serial" <(crl_serials "$prev") || fail "CRL $((dropped_n - 1)) already lacks $serial"
    line=$(openssl crl -inform DER -in "$prev" -noout -lastupdate)
    (($(date -u -d "${line#lastUpdate=}" +%s) > not_after)) ||
        fail "CRL $dropped_n dropped $serial, but CRL $((dropped_n - 1)) was issued before its notAfter"
else
    log "CRL $((dropped_n - 1)) was not seen while polling; its check is skipped"
fi
for f in "$CASS_TMP"/seen/crl-*.der; do
    n=$(crl_number_of "$f")
    ((n >= dropped_n)) && continue
    grep -qx "$serial" <(crl_serials "$f") || fail "CRL $n (before the drop) lacks $serial"
done

# The client fetches the current CRL: it verifies and no longer lists the serial.
expect_exit 0 "${CLIENT[@]}" crl --ca "$ca" --out "$CASS_TMP/final.crl"
(($(json_int crl_number "$OUT") >= dropped_n)) || fail "crl: an older CRL than $dropped_n: $OUT"
crl_verifies "$CASS_CRL_DIR/$ca.crl" "$ca" || fail "the fetched CRL does not verify"
! grep -qx "$serial" <(crl_serials "$CASS_CRL_DIR/$ca.crl") || fail "the copy still lists $serial"
cmp -s "$CASS_TMP/final.crl" "$CASS_CRL_DIR/$ca.crl" || fail "crl --out differs from the copy"
expect_alive "$(server_pid)" "the signer"
