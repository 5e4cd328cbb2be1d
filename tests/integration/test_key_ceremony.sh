#!/usr/bin/env bash
# The key ceremony (docs/conventions.md §2): `new-time-ca` makes a time CA with the root key, locally;
# the signer picks it up only when its period starts, and never serves subca on the line.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up
# With the keys in the token (CASS_HSM=1) the root key is the token's object `root`, and a new
# time CA's key goes onto the token, labelled by its name.
root_key=$CASS_PKI/root/root.key
hsm_mode && root_key=$(cass_hsm_uri root)
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF"
    --root_cert "$CASS_PKI/root.pem" --root_key "$root_key")
from=$(date -u -d '+100 days' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u -d '+300 days' +%Y-%m-%dT%H:%M:%SZ)
year=${from:0:4}

# Two ceremonies for one family and year: n counts up past the test PKI's CAs.
expect_exit 0 "${SERVER[@]}" new-time-ca --family server --from "$from" --to "$to"
first=$(json_str name "$OUT")
[[ $first =~ ^server_${year}_[0-9]+$ ]] || fail "unexpected name '$first'"
expect_exit 0 "${SERVER[@]}" new-time-ca --family server --from "$from" --to "$to" --key-type ec
second=$(json_str name "$OUT")
((${second##*_} == ${first##*_} + 1)) || fail "names $first then $second do not count up"
[[ $(json_str not_before "$OUT") == "$from" && $(json_str not_after "$OUT") == "$to" ]] ||
    fail "validity is not what was asked: $OUT"

for name in "$first" "$second"; do
    cert=$CASS_PKI/ca/$name.pem key=$CASS_PKI/ca-keys/$name.key
    [[ -f $cert ]] || fail "$name: certificate missing"
    if hsm_mode; then
        token_has "$name" || fail "$name: no private key labelled $name on the token"
        [[ ! -e $key ]] || fail "$name: a key file $key next to the token"
    else
        [[ -f $key ]] || fail "$name: key missing"
        [[ $(stat -c %a "$key") == 600 ]] || fail "$name: key mode $(stat -c %a "$key"), not 600"
    fi
    # Valid in its period under the root, not before it.
    openssl verify -CAfile "$CASS_PKI/root.pem" -attime "$(date -d '+150 days' +%s)" "$cert" \
        >/dev/null || fail "$name does not verify under the root in its period"
    if openssl verify -CAfile "$CASS_PKI/root.pem" "$cert" >/dev/null 2>&1; then
        fail "$name verifies today although its period starts in 100 days"
    fi
    openssl x509 -in "$cert" -noout -ext basicConstraints | grep -q 'CA:TRUE, pathlen:0' ||
        fail "$name is not a CA with pathlen 0"
    # Issued through the builder under the subca profile: its key usage, its CRL URL.
    openssl x509 -in "$cert" -noout -ext keyUsage |
        grep -q 'Digital Signature, Certificate Sign, CRL Sign' ||
        fail "$name does not carry the subca profile's key usage"
    openssl x509 -in "$cert" -noout -ext crlDistributionPoints |
        grep -q 'http://crl.cassiopeia.test/root.crl' || fail "$name has not the subca CRL URL"
done

# Recorded as every issuance is: a certificate row of CA root and an intact audit chain.
n=$(repo_sql -readonly "SELECT count(*) FROM certificates WHERE ca = 'root'")
((n == 2)) || fail "the repository records $n time CAs, not 2"
expect_exit 0 "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" audit-verify

# `check` (given the root) lists them as waiting, with no error; refusals change nothing.
expect_exit 0 "${SERVER[@]}" check
grep -q "ca $first: .*(not yet valid)" <<<"$OUT" || fail "check does not list $first as waiting"
before=$(ls "$CASS_PKI/ca" | wc -l)
expect_exit 2 "${SERVER[@]}" new-time-ca --family server --from "$to" --to "$from"
expect_exit 2 "${SERVER[@]}" new-time-ca --family root --from "$from" --to "$to"
# The subca profile's cap (5 years) holds at the ceremony too, within the root's validity.
expect_exit 2 "${SERVER[@]}" new-time-ca --family server --from "$from" \
    --to "$(date -u -d '+100 days +6 years' +%Y-%m-%dT%H:%M:%SZ)"
expect_exit 2 "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" new-time-ca \
    --family server --from "$from" --to "$to"
(($(ls "$CASS_PKI/ca" | wc -l) == before)) || fail "a refused ceremony wrote a file"

# A signer restarted with the new CAs still issues from the one valid now, and the root
# profile is never served on the line. With the keys in the token the ceremony (run as root
# here) wrote the new key objects as root; the signer opens the token as its own user, so
# they become that user's first (docs/hsm.md, "Key ceremony").
if hsm_mode; then
    chown -R --reference="$CASS_DIR/hsm" "$CASS_DIR/hsm/tokens"
fi
kill -TERM "$(server_pid)"
wait_for "! kill -0 $(server_pid) 2>/dev/null" 20 || fail "the signer did not stop"
start_server
issue_cert web server --san DNS,www.example.org \
    --proof "$(proof_time '-1 hour'),domains,5,name=www.example.org"
[[ $CA != "$first" && $CA != "$second" ]] || fail "issued by the future CA $CA"
make_csr "$CASS_TMP/sub.csr"
expect_refusal profile_local_only "${CLIENT[@]}" sign --csr "$CASS_TMP/sub.csr" --profile subca \
    --ava CN,Sub --proof "$(proof_time '-1 hour'),names,1,name=Sub" --out "$CASS_TMP/sub.pem"

log "ok"
