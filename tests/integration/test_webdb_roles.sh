#!/usr/bin/env bash
# The WebDB's privileges (sql/002_roles.sql, sql/README.md): a member of cassiopeia_web queues
# jobs and reads results through the functions and views only; any other role can neither
# queue a job nor read a result, even with USAGE on the schema.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up

sql "CREATE ROLE webapp LOGIN IN ROLE cassiopeia_web; CREATE ROLE stranger LOGIN;
     GRANT USAGE ON SCHEMA cassiopeia TO stranger;" || fail "cannot create the test roles"

# as ROLE SQL: runs SQL as ROLE; prints the result, or the SQLSTATE on failure (exit 1).
as() {
    local out
    if out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$1" -c "$2" 2>&1); then
        printf '%s\n' "$out"
        return 0
    fi
    sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -n 1
    return 1
}

make_csr "$CASS_TMP/web.csr"
proof="$(proof_time '-1 hour'),emails,17,address=web@example.org"
queue="SELECT cassiopeia.request_certificate($(sql_lit "$(cat "$CASS_TMP/web.csr")"), 'client',
    ARRAY['email,web@example.org'], NULL, ARRAY[$(sql_lit "$proof")], valid_to => '30d')"

# The web application's role: queues and reads through the documented interface.
job=$(as webapp "$queue") || fail "cassiopeia_web could not queue a job: $job"
[[ $job =~ ^[0-9]+$ ]] || fail "request_certificate returned '$job', not a job id"
job_id=$job
state=$(as webapp "SELECT state FROM cassiopeia.job_status WHERE job_id = $job_id") ||
    fail "cassiopeia_web cannot read job_status: $state"
[[ $state == pending ]] || fail "job $job_id is '$state', not pending"
ocsp="SELECT cassiopeia.request_ocsp_certificate($(sql_lit "$(cat "$CASS_TMP/web.csr")"),
    'client_2026_2', ARRAY['CN,Responder'], NULL)"
out=$(as webapp "$ocsp") || fail "cassiopeia_web could not queue an OCSP responder job: $out"
[[ $out =~ ^[0-9]+$ ]] || fail "request_ocsp_certificate returned '$out', not a job id"
for view in issued crl openpgp_result revocation_result job_log ocsp_responder; do
    out=$(as webapp "SELECT count(*) FROM cassiopeia.$view") ||
        fail "cassiopeia_web cannot read cassiopeia.$view: $out"
done
# ... but not the tables behind them.
for table in jobs certificate_requests certificates; do
    out=$(as webapp "SELECT count(*) FROM cassiopeia.$table") &&
        fail "cassiopeia_web read the table cassiopeia.$table"
    [[ $out == 42501 ]] || fail "reading cassiopeia.$table as cassiopeia_web gave '$out', not 42501"
done

# Any other role: no job queued, no result read, through any function.
out=$(as stranger "$queue") && fail "a role outside cassiopeia_web queued job $out"
[[ $out == 42501 ]] || fail "request_certificate as a stranger gave '$out', not 42501"
out=$(as stranger "SELECT cassiopeia.request_revocation(ARRAY['01'], 'tls')") &&
    fail "a role outside cassiopeia_web queued a revocation"
[[ $out == 42501 ]] || fail "request_revocation as a stranger gave '$out', not 42501"
out=$(as stranger "SELECT cassiopeia.request_openpgp('key', NULL)") &&
    fail "a role outside cassiopeia_web queued an OpenPGP job"
[[ $out == 42501 ]] || fail "request_openpgp as a stranger gave '$out', not 42501"
out=$(as stranger "$ocsp") && fail "a role outside cassiopeia_web queued an OCSP job $out"
[[ $out == 42501 ]] || fail "request_ocsp_certificate as a stranger gave '$out', not 42501"
for view in job_status issued crl openpgp_result revocation_result job_log ocsp_responder; do
    out=$(as stranger "SELECT count(*) FROM cassiopeia.$view") &&
        fail "a role outside cassiopeia_web read cassiopeia.$view"
    [[ $out == 42501 ]] || fail "reading cassiopeia.$view as a stranger gave '$out', not 42501"
done
[[ $(sql "SELECT count(*) FROM cassiopeia.jobs") == 2 ]] || fail "the refused calls queued jobs"

log "PASS"
