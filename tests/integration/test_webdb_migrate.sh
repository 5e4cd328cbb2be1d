#!/usr/bin/env bash
# The testbed's WebDB: `migrate` brings the schema to the newest version and is idempotent, and
# the web application's request functions queue a job (sql/README.md).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

: "${PGHOST:?the testbed exported no PGHOST}" "${PGPORT:?}" "${PGDATABASE:?}" "${PGUSER:?}"
psql_() {
    psql -X -v ON_ERROR_STOP=1 -tAq "$@" 2>>"$CASS_TMP/psql.err"
}
newest=$(find "$CASS_SOURCE_DIR/sql" -name '[0-9][0-9][0-9]_*.sql' -printf '%f\n' | sort |
    tail -n 1 | cut -c 1-3)
newest=$((10#$newest))

# `up` migrated already; two more runs change nothing and print the same version.
up_version=$(psql_ -c "SELECT max(version) FROM cassiopeia.schema_version") ||
    fail "no cassiopeia.schema_version after up"
[[ $up_version == "$newest" ]] || fail "after up the schema is at $up_version, not $newest"
rows=$(psql_ -c "SELECT count(*) FROM cassiopeia.schema_version")
for run in 1 2; do
    expect_exit 0 "${CLIENT[@]}" migrate
    [[ $OUT =~ ^[0-9]+$ ]] || fail "migrate run $run printed '$OUT', not one number"
    [[ $OUT == "$newest" ]] || fail "migrate run $run printed $OUT, expected $newest"
done
[[ $(psql_ -c "SELECT max(version) FROM cassiopeia.schema_version") == "$newest" ]] ||
    fail "psql disagrees with migrate about the version"
[[ $(psql_ -c "SELECT count(*) FROM cassiopeia.schema_version") == "$rows" ]] ||
    fail "a repeated migrate added schema_version rows"

# A fresh database: migrate applies every file from scratch.
psql_ -d postgres -c "CREATE DATABASE fresh" || fail "cannot create a second database"
expect_exit 0 env PGDATABASE=fresh "${CLIENT[@]}" migrate
[[ $OUT == "$newest" ]] || fail "migrate on an empty database printed '$OUT', expected $newest"
[[ $(psql_ -d fresh -c "SELECT count(*) FROM cassiopeia.schema_version") == "$newest" ]] ||
    fail "the empty database did not get one schema_version row per migration"

# The web application queues a certificate request; the job waits (no daemon runs).
make_csr "$CASS_TMP/web.csr"
ts=$(proof_time '-1 hour')
job=$(psql_ -v csr="$(cat "$CASS_TMP/web.csr")" -v proof="$ts,emails,17,address=web@example.org" \
    <<<"SELECT cassiopeia.request_certificate(:'csr', 'client', ARRAY['email,web@example.org'],
        NULL, ARRAY[:'proof'], valid_to => '30d');") || fail "request_certificate failed"
[[ $job =~ ^[0-9]+$ ]] || fail "request_certificate returned '$job', not a job id"
[[ $(psql_ -c "SELECT kind || ' ' || state || ' ' || attempts FROM cassiopeia.job_status
    WHERE job_id = $job") == "certificate pending 0" ]] || fail "job $job is not a pending certificate"
# Presence is checked (SQLSTATE 22004), content is not.
psql_ -v VERBOSITY=verbose -c "SELECT cassiopeia.request_certificate(NULL, 'client', NULL, NULL,
    NULL)" && fail "request_certificate accepted a NULL CSR"
grep -q 'ERROR: *22004' "$CASS_TMP/psql.err" ||
    fail "a NULL CSR did not raise SQLSTATE 22004: $(tail -n 3 "$CASS_TMP/psql.err")"
[[ $(psql_ -c "SELECT count(*) FROM cassiopeia.job_status") == 1 ]] ||
    fail "the refused request queued a job"

# Unreachable database: exit 1.
expect_exit 1 env PGHOST="$CASS_TMP/nowhere" "${CLIENT[@]}" migrate
