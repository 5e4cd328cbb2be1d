#!/usr/bin/env bash
# Sign requests the signer must refuse, each with its own error code (docs/protocol.md §5.8), and
# none of which leaves a certificate in the repository.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

# Every profile allows sha256, sha384 and sha512: an extra profile that allows only sha512
# reaches the signer's hash check with a hash the client has no reason to refuse.
sed 's/^hashes = .*/hashes = sha512/' "$CASS_DIR/profiles/server.conf" \
    >"$CASS_DIR/profiles/server-sha512.conf"
grep -qx 'hashes = sha512' "$CASS_DIR/profiles/server-sha512.conf" ||
    fail "cannot derive server-sha512.conf from server.conf"
cass_stop_pid "$(server_pid)"
start_server

ts=$(proof_time '-1 hour')
make_csr "$CASS_TMP/good.csr"
good=(--csr "$CASS_TMP/good.csr")
# A request the server profile accepts; each case below changes one thing.
server_ok=(--profile server --san "DNS,www.example.org" --proof "$ts,domains,5,name=www.example.org")
out=(--out "$CASS_TMP/refused.pem")

before=$(cert_count)
before_db=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((before == before_db)) || fail "status says $before certificates, the repository $before_db"

# Bad CSR signature: one byte of the signature (the end of the DER) flipped.
openssl req -in "$CASS_TMP/good.csr" -outform DER -out "$CASS_TMP/bad.der"
size=$(stat -c %s "$CASS_TMP/bad.der")
last=$(od -An -tu1 -j $((size - 1)) -N1 "$CASS_TMP/bad.der" | tr -d ' ')
# shellcheck disable=SC2059 # the format is the escaped byte
printf "$(printf '\\%03o' $((last ^ 0x5A)))" |
    dd of="$CASS_TMP/bad.der" bs=1 seek=$((size - 1)) conv=notrunc status=none
# openssl req -verify exits 0 either way (3.0): it says which.
openssl req -inform DER -in "$CASS_TMP/bad.der" -noout -verify 2>&1 | grep -q 'verify failure' ||
    fail "the tampered CSR still verifies"
openssl req -inform DER -in "$CASS_TMP/bad.der" -out "$CASS_TMP/bad.csr"
expect_refusal csr_signature "${CLIENT[@]}" sign --csr "$CASS_TMP/bad.csr" "${server_ok[@]}" \
    "${out[@]}"

# A CSR self-signed with SHA-1: the signature verifies, the hash is not trusted.
openssl req -new -newkey rsa:2048 -nodes -keyout "$CASS_TMP/sha1.key" -sha1 \
    -subj /CN=ignored -out "$CASS_TMP/sha1.csr" 2>/dev/null || fail "openssl req -sha1 failed"
expect_refusal csr_signature "${CLIENT[@]}" sign --csr "$CASS_TMP/sha1.csr" "${server_ok[@]}" \
    "${out[@]}"

# Weak key: RSA-1024.
make_csr "$CASS_TMP/weak.csr" rsa:1024
expect_refusal weak_key "${CLIENT[@]}" sign --csr "$CASS_TMP/weak.csr" "${server_ok[@]}" "${out[@]}"

# Unknown profile; a local-only profile (subca) is not served on the line.
expect_refusal unknown_profile "${CLIENT[@]}" sign "${good[@]}" --profile no-such-profile \
    --san DNS,www.example.org --proof "$ts,domains,5,name=www.example.org" "${out[@]}"
expect_refusal profile_local_only "${CLIENT[@]}" sign "${good[@]}" --profile subca \
    --ava CN,Sub --proof "$ts,names,1,name=Sub" "${out[@]}"
# The unknown profile is the first failure, not the email SAN it would refuse (§5.1).
expect_refusal unknown_profile "${CLIENT[@]}" sign "${good[@]}" --profile no-such-profile \
    --san email,a@example.org --proof "$ts,emails,5,address=a@example.org" "${out[@]}"
# An OCSP target CA that does not exist.
expect_refusal unknown_ca "${CLIENT[@]}" sign "${good[@]}" --ocsp-ca client_2020_9 \
    --ava CN,Responder --proof "$ts,names,1,name=Responder" "${out[@]}"

# SAN without proof, with a stale proof (500 days), with a proof from the future (1 hour).
expect_refusal proof_missing "${CLIENT[@]}" sign "${good[@]}" --profile server \
    --san DNS,www.example.org "${out[@]}"
expect_refusal proof_missing "${CLIENT[@]}" sign "${good[@]}" --profile server \
    --san DNS,www.example.org --proof "$ts,domains,5,name=other.example.org" "${out[@]}"
expect_refusal proof_stale "${CLIENT[@]}" sign "${good[@]}" --profile server \
    --san DNS,www.example.org --proof "$(proof_time '-500 days'),domains,5,name=www.example.org" \
    "${out[@]}"
expect_refusal proof_future "${CLIENT[@]}" sign "${good[@]}" --profile server \
    --san DNS,www.example.org --proof "$(proof_time '+1 hour'),domains,5,name=www.example.org" \
    "${out[@]}"

# An AVA the profile does not allow (server: CN only), even with its proof.
expect_refusal ava_not_allowed "${CLIENT[@]}" sign "${good[@]}" "${server_ok[@]}" \
    --ava L,Berlin --proof "$ts,organisations,3,locality=Berlin" "${out[@]}"

# O and C each proven, but by the rows of two organisations: one row must prove them all.
expect_refusal proof_missing "${CLIENT[@]}" sign "${good[@]}" --profile server-org \
    --san DNS,www.example.org --proof "$ts,domains,5,name=www.example.org" \
    --ava O,Example --ava C,DE --proof "$ts,organisations,3,name=Example,country=FR" \
    --proof "$ts,organisations,4,name=Other,country=DE" "${out[@]}"

# An A-label that is not IDNA 2008 (U+1F4A9 is DISALLOWED), though it is LDH.
expect_refusal san_invalid "${CLIENT[@]}" sign "${good[@]}" --profile server \
    --san DNS,xn--ls8h.example.org --proof "$ts,domains,5,name=xn--ls8h.example.org" "${out[@]}"

# 101 SANs, each proven (docs/protocol.md §7: at most 100): the client refuses it itself, exit 2,
# before the line (test_client_outputs.sh shows it needs no signer).
many=()
for i in $(seq 1 101); do
    many+=(--san "DNS,h$i.example.org" --proof "$ts,domains,$i,name=h$i.example.org")
done
expect_exit 2 "${CLIENT[@]}" sign "${good[@]}" --profile server "${many[@]}" "${out[@]}"

# A hash name that is none of sha256, sha384, sha512; a hash the profile does not allow
# (server-sha512 allows sha512 only).
expect_refusal hash_not_allowed "${CLIENT[@]}" sign "${good[@]}" "${server_ok[@]}" --hash md5 \
    "${out[@]}"
expect_refusal hash_not_allowed "${CLIENT[@]}" sign "${good[@]}" --profile server-sha512 \
    --hash sha256 --san DNS,www.example.org --proof "$ts,domains,5,name=www.example.org" "${out[@]}"

# wishTo past the cap: 500 days on server (398 d at most, 200 d from 2026-03-15).
expect_refusal validity_cap "${CLIENT[@]}" sign "${good[@]}" "${server_ok[@]}" --to 500d "${out[@]}"

# wishFrom more than 1 h in the past (docs/protocol.md §5: backdating).
expect_refusal bad_validity "${CLIENT[@]}" sign "${good[@]}" "${server_ok[@]}" \
    --from "$(proof_time '-2 hours')" "${out[@]}"

[[ ! -e $CASS_TMP/refused.pem ]] || fail "a refused request wrote --out"
after=$(cert_count)
after_db=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((after == before && after_db == before_db)) ||
    fail "refusals changed the repository: $before -> $after certificates (database $after_db)"
requests=$(repo_sql -readonly 'SELECT count(*) FROM requests;')
((requests == 0)) || fail "refusals left $requests rows in the requests table"

# The same session state is clean afterwards: the unchanged good request is issued.
expect_exit 0 "${CLIENT[@]}" sign "${good[@]}" "${server_ok[@]}" --out "$CASS_TMP/ok.pem"
openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$(current_ca server).pem" \
    "$CASS_TMP/ok.pem" >/dev/null || fail "the good request's certificate does not verify"
after=$(cert_count)
((after == before + 1)) || fail "the good request left $after certificates, expected $((before + 1))"
expect_alive "$(server_pid)" "the signer"
