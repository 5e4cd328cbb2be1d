#!/usr/bin/env bash
# The client daemon works a mixed WebDB queue: 50 jobs through the SQL
# functions, valid and refused certificates, OpenPGP, then a revocation of two issued serials.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
data=$CASS_SOURCE_DIR/tests/data
make_csr_set 4

# 44 valid certificate jobs: client and server profiles on 4 shared CSRs, one SPKAC.
queue_begin
for ((i = 0; i < 43; i++)); do
    if ((i % 2 == 0)); then
        queue_client_sql "user$i" "$CASS_TMP/csr-$((i % 4)).pem"
    else
        queue_server_sql "host$i" "$CASS_TMP/csr-$((i % 4)).pem"
    fi
done
spkac=$(sed -n 's/^SPKAC=//p' "$data/csr/spkac-rsa2048.txt" | tr -d '\n')
[[ -n $spkac ]] || fail "no SPKAC in $data/csr/spkac-rsa2048.txt"
queue_cert_sql "SPKAC:$spkac" client "$(sql_array email,spkac@example.org)" "$(sql_array)" \
    "$(sql_array "$(proof_time '-1 hour'),emails,99,address=spkac@example.org")"

# Refusals: a poison CSR (the client cannot decode it), a SAN without proof, past the cap.
queue_cert_sql "not a csr" server "$(sql_array DNS,poison.example.org)" "$(sql_array)" \
    "$(sql_array "$(proof_time '-1 hour'),domains,1,name=poison.example.org")"
queue_cert_sql "$(cat "$CASS_TMP/csr-0.pem")" server "$(sql_array DNS,noproof.example.org)" \
    "$(sql_array)" "$(sql_array)"
queue_cert_sql "$(cat "$CASS_TMP/csr-1.pem")" server "$(sql_array DNS,cap.example.org)" \
    "$(sql_array)" "$(sql_array "$(proof_time '-1 hour'),domains,2,name=cap.example.org")" 500d

# OpenPGP: alice with a proof for alice@example.org; an expired key.
queue_openpgp_sql "$data/openpgp/alice.asc" "$(proof_time '-1 hour'),emails,7,address=alice@example.org"
queue_openpgp_sql "$data/openpgp/expired.asc" "$(proof_time '-1 hour'),emails,8,address=expired@example.org"
queue_commit
((${#JOB_IDS[@]} == 49)) || fail "queued ${#JOB_IDS[@]} jobs, expected 49"
valid_certs=("${JOB_IDS[@]:0:44}")
poison=${JOB_IDS[44]} noproof=${JOB_IDS[45]} capped=${JOB_IDS[46]}
pgp_ok=${JOB_IDS[47]} pgp_expired=${JOB_IDS[48]}

# First pass: everything but the revocation.
# shellcheck disable=SC2119 # no extra arguments
run_once
[[ $(open_count) == 0 ]] || fail "run --once left open jobs: $(queue_summary)"

for id in "${valid_certs[@]}" "$pgp_ok"; do
    state=$(job_field "$id" state)
    [[ $state == "done" ]] || fail "job $id is $state, not done: $(job_field "$id" last_error)"
    [[ $(job_field "$id" attempts) == 1 ]] || fail "job $id took $(job_field "$id" attempts) attempts"
done

# expect_failed ID CODE [MAX_ATTEMPTS]: failed at once, last_error starting with CODE.
expect_failed() {
    local id=$1 code=$2 state err attempts
    state=$(job_field "$id" state)
    err=$(job_field "$id" last_error)
    [[ $state == failed ]] || fail "job $id is $state, expected failed with $code"
    [[ ${err%% *} == "$code" ]] || fail "job $id: last_error '$err', expected code $code first"
    attempts=$(job_field "$id" attempts)
    ((attempts <= ${3:-1} && attempts >= 1)) || fail "job $id ($code) took $attempts attempts"
}
expect_failed "$noproof" proof_missing
expect_failed "$capped" validity_cap
expect_failed "$pgp_expired" pgp_key
state=$(job_field "$poison" state)
err=$(job_field "$poison" last_error)
[[ $state == failed && ${err%% *} == bad_request ]] ||
    fail "poison CSR job $poison: $state '$err', expected failed bad_request"
(($(job_field "$poison" attempts) <= 1)) || fail "the poison CSR job was retried"
for id in "$poison" "$noproof" "$capped"; do
    [[ -z $(sql "SELECT serial FROM cassiopeia.issued WHERE job_id = $id") ]] ||
        fail "the refused job $id has a certificate"
done

# Results: every done certificate job has one certificate that verifies, and a signing log.
[[ $(sql "SELECT count(*) FROM cassiopeia.issued") == 44 ]] ||
    fail "issued holds $(sql "SELECT count(*) FROM cassiopeia.issued") rows, expected 44"
[[ $(sql "SELECT count(DISTINCT serial) FROM cassiopeia.issued") == 44 ]] ||
    fail "issued serials are not distinct"
missing=$(sql "SELECT s.job_id FROM cassiopeia.job_status s WHERE s.state = 'done'
               AND s.kind = 'certificate' AND NOT EXISTS (SELECT 1 FROM cassiopeia.issued i
               WHERE i.job_id = s.job_id)")
[[ -z $missing ]] || fail "done certificate jobs without a certificate: $missing"
expect_issued_valid
nolog=$(sql "SELECT s.job_id FROM cassiopeia.job_status s WHERE s.state = 'done'
             AND s.kind = 'certificate' AND NOT EXISTS (SELECT 1 FROM cassiopeia.job_log l
             WHERE l.job_id = s.job_id AND l.log <> '')")
[[ -z $nolog ]] || fail "done certificate jobs without a signing log: $nolog"
repo=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((repo == 44)) || fail "the signer's repository holds $repo certificates, 44 jobs are done"
webdb_requests=$(repo_sql -readonly "SELECT count(*) FROM requests WHERE request_id LIKE 'webdb:%';")
((webdb_requests == 45)) || fail "the signer stored $webdb_requests webdb: requests, expected 45"

# The OpenPGP result: alice's key, certified by the test certifier.
sql "SELECT armored_key FROM cassiopeia.openpgp_result WHERE job_id = $pgp_ok" >"$CASS_TMP/alice.out.asc"
grep -q '^-----BEGIN PGP PUBLIC KEY BLOCK-----' "$CASS_TMP/alice.out.asc" ||
    fail "job $pgp_ok has no armoured key in openpgp_result"
certifier=$(gpg --show-keys --with-colons "$CASS_PKI/openpgp/certifier.asc" 2>/dev/null |
    awk -F: '$1 == "pub" { print $5; exit }')
[[ -n $certifier ]] || fail "cannot read the certifier's key id"
gpg --list-packets "$CASS_TMP/alice.out.asc" 2>/dev/null | grep -qi "keyid $certifier" ||
    fail "the OpenPGP result carries no signature by the certifier $certifier"
[[ -z $(sql "SELECT job_id FROM cassiopeia.openpgp_result WHERE job_id = $pgp_expired") ]] ||
    fail "the expired key got a result"

# Second pass: revoke two client certificates of one CA.
# valid_certs[0] and [2] are client-profile jobs (queued alternating, client first).
read -r s1 ca < <(sql "SELECT serial || ' ' || ca FROM cassiopeia.issued WHERE job_id = ${valid_certs[0]}")
read -r s2 ca2 < <(sql "SELECT serial || ' ' || ca FROM cassiopeia.issued WHERE job_id = ${valid_certs[2]}")
[[ -n $s1 && -n $s2 && $ca == "$ca2" ]] || fail "jobs ${valid_certs[0]} and ${valid_certs[2]}: no two certificates of one CA ($ca, $ca2)"
queue_begin
queue_revocation_sql "$ca" "$s1,keyCompromise" "$s2"
queue_commit
revocation=${JOB_IDS[0]}
# shellcheck disable=SC2119 # no extra arguments
run_once
state=$(job_field "$revocation" state)
[[ $state == "done" ]] || fail "revocation job $revocation is $state: $(job_field "$revocation" last_error)"
[[ $(job_count) == 50 ]] || fail "the queue holds $(job_count) jobs, expected 50"

# The WebDB's CRL of the CA: verifies, lists both serials; revoked_at set for exactly those.
sql "SELECT encode(der, 'base64') FROM cassiopeia.crl WHERE ca = $(sql_lit "$ca")" |
    base64 -d >"$CASS_TMP/webdb.crl" || fail "cassiopeia.crl has no CRL of $ca"
[[ -s $CASS_TMP/webdb.crl ]] || fail "cassiopeia.crl has no CRL of $ca"
crl_verifies "$CASS_TMP/webdb.crl" "$ca" || fail "the WebDB's CRL of $ca does not verify"
want=$(printf '%s\n' "$s1" "$s2" | sort)
[[ $(crl_serials "$CASS_TMP/webdb.crl") == "$want" ]] ||
    fail "the WebDB's CRL lists '$(crl_serials "$CASS_TMP/webdb.crl")', expected '$want'"
[[ $(sql "SELECT crl_number FROM cassiopeia.crl WHERE ca = $(sql_lit "$ca")") == \
    "$(crl_number_of "$CASS_TMP/webdb.crl")" ]] || fail "cassiopeia.crl.crl_number is not the CRL's"
[[ $(sql "SELECT crl_number FROM cassiopeia.revocation_result WHERE job_id = $revocation") == \
    "$(crl_number_of "$CASS_TMP/webdb.crl")" ]] || fail "revocation_result does not name the CRL"
revoked=$(sql "SELECT serial FROM cassiopeia.issued WHERE revoked_at IS NOT NULL ORDER BY serial")
[[ $revoked == "$want" ]] || fail "issued.revoked_at is set for '$revoked', expected '$want'"
# revoked_at is the revocation time the CRL lists; s1 carries its reason.
while IFS='|' read -r serial at reason; do
    t=$(sql "SELECT extract(epoch FROM revoked_at)::bigint FROM cassiopeia.issued
             WHERE serial = $(sql_lit "$serial")")
    [[ $t == "$at" ]] || fail "$serial: revoked_at $t in issued, $at in the CRL"
    if [[ $serial == "$s1" ]]; then
        [[ $reason == "Key Compromise" ]] || fail "$serial: reason '$reason', not Key Compromise"
    else
        [[ -z $reason ]] || fail "$serial: reason '$reason', expected none"
    fi
done < <(crl_entries "$CASS_TMP/webdb.crl")
[[ $(file_hex "$CASS_TMP/webdb.crl") == "$(signer_crl_hex "$ca")" ]] ||
    fail "the WebDB's CRL of $ca is not the signer's current CRL"
expect_alive "$(server_pid)" "the signer"
