#!/usr/bin/env bash
# OCSP responder certificates (sql/004_ocsp.sql; sql/README.md, "OCSP responder certificates"):
# the web application queues the first one with request_ocsp_certificate, the queue daemon
# signs it under the CA it answers for, and renews it (same key and subject) once it is due,
# once; the metrics file shows the newest one's notAfter.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
ca=$(current_ca client)
make_csr "$CASS_TMP/ocsp.csr"
ts=$(proof_time '-1 hour')
m=$CASS_TMP/m.prom
OCSP=(--ocsp.responder "$ca" --run.metrics_file "$m")

# newest COLUMN: a column of the newest responder certificate of $ca (cassiopeia.ocsp_responder).
newest() {
    sql "SELECT $1 FROM cassiopeia.ocsp_responder WHERE ca = $(sql_lit "$ca")"
}

# A responder that is no CA name, and a margin of nothing, are usage errors.
expect_exit 2 "${CLIENT[@]}" run --once --ocsp.responder "../$ca"
expect_exit 2 "${CLIENT[@]}" run --once --ocsp.responder "$ca" --ocsp.renew_before_s 0

# Nothing to renew before the web application asked for a first one: nothing is queued.
run_once "${OCSP[@]}"
(($(job_count) == 0)) || fail "a renewal was queued with no request to copy: $(queue_summary)"
! grep -q '^cassiopeia_ocsp_responder_not_after_seconds' "$m" ||
    fail "a notAfter gauge for a CA without a responder certificate"

# The request functions refuse a request without its CA; a profile and a CA at once cannot be
# stored.
if sql "SELECT cassiopeia.request_ocsp_certificate('x', NULL, '{}', '{}')" >/dev/null; then
    fail "request_ocsp_certificate accepted a NULL ocsp_ca"
fi
if sql "INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate');
        INSERT INTO cassiopeia.certificate_requests (job_id, csr, profile, ocsp_ca)
        VALUES (currval(pg_get_serial_sequence('cassiopeia.jobs', 'id')), 'x', 'ocsp', $(sql_lit "$ca"))" \
    >/dev/null 2>&1; then
    fail "a request with both a profile and an OCSP CA was stored"
fi
(($(job_count) == 0)) || fail "a refused request left a job: $(queue_summary)"

first=$(sql "SELECT cassiopeia.request_ocsp_certificate(
    $(sql_lit "$(cat "$CASS_TMP/ocsp.csr")"), $(sql_lit "$ca"),
    $(sql_array "CN,Example OCSP Responder" "O,Example Ltd" C,DE),
    $(sql_array "$ts,names,8,name=Example OCSP Responder" \
        "$ts,organisations,3,name=Example Ltd,country=DE"))") || fail "request_ocsp_certificate failed"
run_once "${OCSP[@]}"
[[ $(job_field "$first" state) == "done" ]] || fail "the first OCSP job is not done: $(failed_jobs)"
(($(job_count) == 1)) ||
    fail "a fresh responder certificate was renewed at once: $(queue_summary)"
newest pem >"$CASS_TMP/ocsp-1.pem"
openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$ca.pem" \
    "$CASS_TMP/ocsp-1.pem" >/dev/null || fail "the responder certificate does not verify under $ca"
openssl x509 -in "$CASS_TMP/ocsp-1.pem" -noout -ext extendedKeyUsage | grep -q 'OCSP Signing' ||
    fail "the responder certificate has no OCSPSigning EKU"
[[ $(openssl x509 -in "$CASS_TMP/ocsp-1.pem" -noout -issuer) == \
    "$(openssl x509 -in "$CASS_PKI/ca/$ca.pem" -noout -subject | sed 's/^subject/issuer/')" ]] ||
    fail "the responder certificate is not issued by $ca"
v=$(metric "$m" "cassiopeia_ocsp_responder_not_after_seconds{ca=\"$ca\"}")
[[ $v == "$(newest "extract(epoch FROM not_after)::bigint")" ]] ||
    fail "the notAfter gauge is '$v', the certificate's is $(newest not_after)"

# 29 days later (the WebDB's copy made older, the clock cannot be): 1 day left, within the
# default margin of 10 days, so the daemon queues the renewal and signs it, once.
sql "UPDATE cassiopeia.certificates SET not_before = now() - interval '29 days',
     not_after = now() + interval '1 day' WHERE job_id = $first" >/dev/null
run_once "${OCSP[@]}"
(($(job_count "done") == 2 && $(job_count) == 2)) ||
    fail "not exactly one renewal, done: $(queue_summary)"
renewal=$(newest job_id)
((renewal != first)) || fail "the newest responder certificate is still the first one"
newest pem >"$CASS_TMP/ocsp-2.pem"
for what in -pubkey -subject -issuer; do
    [[ $(openssl x509 -in "$CASS_TMP/ocsp-1.pem" -noout "$what") == \
        "$(openssl x509 -in "$CASS_TMP/ocsp-2.pem" -noout "$what")" ]] ||
        fail "the renewal changed $what"
done
openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$ca.pem" \
    "$CASS_TMP/ocsp-2.pem" >/dev/null || fail "the renewed certificate does not verify"
v=$(metric "$m" "cassiopeia_ocsp_responder_not_after_seconds{ca=\"$ca\"}")
[[ $v == "$(newest "extract(epoch FROM not_after)::bigint")" ]] ||
    fail "the gauge ($v) does not show the renewed certificate's notAfter"

# Not due again: a margin as long as the certificate's life still renews at most once an hour.
run_once "${OCSP[@]}" --ocsp.renew_before_s $((60 * 86400))
(($(job_count) == 2)) || fail "a certificate issued just now was renewed again: $(queue_summary)"
log "OCSP responder certificate of $ca issued and renewed once"
