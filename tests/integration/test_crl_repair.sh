#!/usr/bin/env bash
# The client repairs its CRL copy with a full fetch when the delta cannot apply (a tampered copy,
# an older copy, no copy), and never lets a CRL that does not verify into its folder.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

ca=$(current_ca client)
serials=()
for name in s1 s2 s3 s4 s5 s6; do
    issue_client "$name"
    [[ $CA == "$ca" ]] || fail "$name: signed by $CA, not $ca"
    serials+=("$SERIAL")
done
copy=$CASS_CRL_DIR/$ca.crl

# expect_copy_current VIA: the last revoke reported VIA, and the copy verifies and is the
# signer's CRL byte for byte.
expect_copy_current() {
    [[ $(json_str via "$OUT") == "$1" ]] || fail "step $cass_step: via is not $1: $OUT"
    crl_verifies "$copy" "$ca" || fail "step $cass_step: the copy does not verify"
    [[ $(file_hex "$copy") == "$(signer_crl_hex "$ca")" ]] ||
        fail "step $cass_step: the copy is not the signer's CRL"
    [[ $(crl_number_of "$copy") == "$(json_int crl_number "$OUT")" ]] ||
        fail "step $cass_step: the copy's number is not the reported crl_number"
}

# No copy yet: the first revoke fetches the full CRL.
[[ ! -e $copy ]] || fail "the testbed starts with a copy of $ca"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[0]}"
expect_copy_current full
cp "$copy" "$CASS_TMP/old.crl"

# A current copy: a delta.
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[1]}"
expect_copy_current delta

# A tampered copy: one bit of a revoked serial flipped (the rebuilt CRL then fails to verify).
perl -e '
    my ($file, $hex) = @ARGV;
    open(my $fh, "+<:raw", $file) or die "$file: $!";
    local $/; my $der = <$fh>;
    my $at = index($der, pack("H*", $hex));
    die "serial $hex not found in $file\n" if $at < 0;
    substr($der, $at + length($hex) / 2 - 1, 1) ^= "\x01";
    seek($fh, 0, 0); print $fh $der; close($fh) or die "$file: $!";
' "$copy" "${serials[1]}" || fail "cannot tamper with the copy"
crl_verifies "$copy" "$ca" && fail "the tampered copy still verifies"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[2]},superseded"
expect_copy_current full

# An older copy (CRL n-2 instead of n-1): a full fetch.
cp "$CASS_TMP/old.crl" "$copy"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[3]}"
expect_copy_current full

# Garbage instead of a copy: a full fetch.
head -c 300 /dev/urandom >"$copy"
expect_exit 0 "${CLIENT[@]}" revoke --ca "$ca" --serial "${serials[4]}"
expect_copy_current full
cp "$copy" "$CASS_TMP/good.crl"

# A wrong CA certificate in ca_certs (another CA's under this name): nothing verifies, not even
# the full CRL; exit 4 and the copy stays as it was. The signer did revoke.
mkdir "$CASS_TMP/wrong-ca"
cp "$CASS_PKI/ca/$(current_ca server).pem" "$CASS_TMP/wrong-ca/$ca.pem"
revoked=$(ca_status "$ca" revoked)
expect_exit 4 "${CLIENT[@]}" --ca_certs "$CASS_TMP/wrong-ca" revoke --ca "$ca" \
    --serial "${serials[5]}"
cmp -s "$copy" "$CASS_TMP/good.crl" || fail "a CRL that does not verify replaced the copy"
[[ $(ca_status "$ca" revoked) == $((revoked + 1)) ]] || fail "the signer did not revoke"
expect_exit 4 "${CLIENT[@]}" --ca_certs "$CASS_TMP/wrong-ca" crl --ca "$ca" \
    --out "$CASS_TMP/unverified.crl"
cmp -s "$copy" "$CASS_TMP/good.crl" || fail "crl replaced the copy with an unverified CRL"
[[ ! -e $CASS_TMP/unverified.crl ]] || fail "crl --out wrote an unverified CRL"
[[ -z $(find "$CASS_CRL_DIR" -type f ! -name '*.crl') ]] || fail "files left in crl_dir"

# With the right certificate the copy catches up.
expect_exit 0 "${CLIENT[@]}" crl --ca "$ca"
crl_verifies "$copy" "$ca" || fail "the fetched copy does not verify"
[[ $(file_hex "$copy") == "$(signer_crl_hex "$ca")" ]] || fail "the copy is not the signer's CRL"
[[ $(crl_serials "$copy") == "$(printf '%s\n' "${serials[@]}" | sort)" ]] ||
    fail "the copy does not list the six revoked serials"
expect_alive "$(server_pid)" "the signer"
