#!/usr/bin/env bash
# Revocations the signer refuses (docs/protocol.md §5.6, §5.8): an unknown serial, a serial of another
# CA, an unknown CA, a bad reason; each exits 3 with its code and revokes nothing.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

issue_client alice
client_ca=$CA client_serial=$SERIAL
issue_cert www server --san DNS,www.example.org \
    --proof "$(proof_time '-1 hour'),domains,5,name=www.example.org"
server_ca=$CA server_serial=$SERIAL
[[ $client_ca != "$server_ca" ]] || fail "client and server certificates share the CA $CA"

revoked=$(ca_status "$client_ca" revoked)
number=$(ca_status "$client_ca" crl_number)
# expect_nothing_revoked: the client CA's revoked count and CRL number did not move.
expect_nothing_revoked() {
    [[ $(ca_status "$client_ca" revoked) == "$revoked" ]] || fail "$1: revoked count changed"
    [[ $(ca_status "$client_ca" crl_number) == "$number" ]] || fail "$1: a CRL was signed"
    [[ $(ca_status "$server_ca" revoked) == 0 ]] || fail "$1: the server CA revoked something"
    [[ -z $(find "$CASS_CRL_DIR" -type f ! -name '*.crl') ]] || fail "$1: files left in crl_dir"
}

# A serial never issued (16 random bytes, positive), alone and next to a good one.
unknown=$(openssl rand -hex 16 | tr 'a-f' 'A-F' | sed -E 's/^./3/')
expect_refusal unknown_serial "${CLIENT[@]}" revoke --ca "$client_ca" --serial "$unknown"
expect_nothing_revoked "unknown serial"
expect_refusal unknown_serial "${CLIENT[@]}" revoke --ca "$client_ca" \
    --serial "$client_serial,keyCompromise" --serial "$unknown"
expect_nothing_revoked "a good and an unknown serial"
grep -qi "$unknown" "$CASS_TMP/step-$cass_step.err" || fail "the refusal does not name $unknown"

# A serial of the server CA revoked under the client CA.
expect_refusal wrong_ca "${CLIENT[@]}" revoke --ca "$client_ca" --serial "$server_serial"
expect_nothing_revoked "a serial of another CA"
grep -qi "$server_serial" "$CASS_TMP/step-$cass_step.err" ||
    fail "the refusal does not name $server_serial"

# A CA the signer does not have. The client needs a certificate for the CA to verify the CRL it
# would get, so it is given one under that name, and the signer is the one that refuses.
mkdir "$CASS_TMP/ca-certs"
cp "$CASS_PKI"/ca/*.pem "$CASS_TMP/ca-certs/"
cp "$CASS_PKI/ca/$client_ca.pem" "$CASS_TMP/ca-certs/nosuch_2026_1.pem"
expect_refusal unknown_ca "${CLIENT[@]}" --ca_certs "$CASS_TMP/ca-certs" revoke \
    --ca nosuch_2026_1 --serial "$client_serial"
expect_nothing_revoked "an unknown CA"

# Reasons outside the five of docs/protocol.md §5.6 (unspecified is the absent reason).
for reason in bogus unspecified certificateHold removeFromCRL; do
    expect_refusal bad_request "${CLIENT[@]}" revoke --ca "$client_ca" \
        --serial "$client_serial,$reason"
    expect_nothing_revoked "reason $reason"
done

# The good serial alone is still revocable afterwards.
expect_exit 0 "${CLIENT[@]}" revoke --ca "$client_ca" --serial "$client_serial"
[[ $(ca_status "$client_ca" revoked) == $((revoked + 1)) ]] || fail "the good revoke revoked nothing"
expect_alive "$(server_pid)" "the signer"
