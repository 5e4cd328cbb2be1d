#!/usr/bin/env bash
# Jobs whose data the WebDB refuses fail alone and the queue goes on: a signer refusal whose
# message the database cannot store (an AVA cut inside a UTF-8 character), a request row the
# array reader refuses, and a result write refused with a data error fail with their code,
# without an outage; a write that meets a serialisation failure is retried and counted. The
# ten valid jobs queued after them are all done.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 3

# error_code ID: the code stored for job ID.
error_code() {
    sql "SELECT coalesce(error_code, '') FROM cassiopeia.jobs WHERE id = $1"
}

# A: an AVA whose attribute is 63 bytes and then 'é': a signer that cuts its message at 64
# bytes cuts the character in half, and PostgreSQL refuses to store that (SQLSTATE 22021).
queue_begin
queue_cert_sql "$(cat "$CASS_TMP/csr-0.pem")" client "$(sql_array "email,a@example.org")" \
    "ARRAY[repeat('a', 63) || 'é' || ',x']" \
    "$(sql_array "$(proof_time '-1 hour'),emails,1,address=a@example.org")"
# C and D: valid requests whose results the test's trigger refuses below.
queue_client_sql write-refused "$CASS_TMP/csr-1.pem"
queue_client_sql write-conflict "$CASS_TMP/csr-2.pem"
queue_commit
job_a=${JOB_IDS[0]} job_c=${JOB_IDS[1]} job_d=${JOB_IDS[2]}
# B: a request row written around the request functions, with a two-dimensional array that
# the client's array reader refuses.
job_b=$(sql "WITH j AS (INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate') RETURNING id)
    INSERT INTO cassiopeia.certificate_requests (job_id, csr, profile, sans)
    SELECT id, 'csr', 'client', '{{a,b},{c,d}}' FROM j RETURNING job_id") ||
    fail "cannot write job B: $(tail -n 3 "$CASS_TMP/psql.err")"
# The WebDB refuses C's certificate row with a data error, always, and D's once with a
# serialisation failure (a sequence, since the failing transaction rolls back all else).
sql "CREATE SEQUENCE public.cass_test_conflicts;
    CREATE FUNCTION public.cass_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN
        IF NEW.job_id = $job_c THEN
            RAISE EXCEPTION 'test: refused' USING ERRCODE = 'character_not_in_repertoire';
        END IF;
        IF NEW.job_id = $job_d AND nextval('public.cass_test_conflicts') = 1 THEN
            RAISE EXCEPTION 'test: conflict' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NEW;
    END \$\$;
    CREATE TRIGGER cass_test_refuse BEFORE INSERT ON cassiopeia.certificates
        FOR EACH ROW EXECUTE FUNCTION public.cass_test_refuse();" >/dev/null ||
    fail "cannot install the test trigger: $(tail -n 3 "$CASS_TMP/psql.err")"
queue_certs 10
valid=("${JOB_IDS[@]}")

daemon_start daemon --run.poll_s 1 --run.retry_s 1 --deadline.handshake_s 10 \
    --run.metrics_file "$CASS_TMP/run.prom"
daemon=$DAEMON_PID
wait_drained 120
expect_alive "$daemon" "the daemon"

for id in "${valid[@]}" "$job_d"; do
    [[ $(job_field "$id" state) == "done" ]] ||
        fail "job $id is $(job_field "$id" state), expected done: $(queue_summary)"
done
for id in "$job_a" "$job_b" "$job_c"; do
    [[ $(job_field "$id" state) == failed ]] || fail "job $id is not failed: $(queue_summary)"
    [[ $(job_field "$id" attempts) == 1 ]] ||
        fail "job $id took $(job_field "$id" attempts) attempts, expected 1"
done
# A fails with the signer's refusal once the signer sends valid UTF-8, else with webdb_data.
[[ $(error_code "$job_a") =~ ^(ava_not_allowed|webdb_data)$ ]] ||
    fail "job $job_a failed with '$(error_code "$job_a")'"
[[ $(error_code "$job_b") == webdb_data ]] || fail "job $job_b failed with '$(error_code "$job_b")'"
[[ $(error_code "$job_c") == webdb_data ]] || fail "job $job_c failed with '$(error_code "$job_c")'"
# D met the conflict once: two attempts, one certificate (the replay got the stored one).
[[ $(job_field "$job_d" attempts) == 2 ]] ||
    fail "job $job_d took $(job_field "$job_d" attempts) attempts, expected 2"
got=$(sql "SELECT count(*) FROM cassiopeia.issued")
((got == 11)) || fail "issued holds $got certificates, expected 11"
expect_issued_valid
# The signer signed the 10 valid jobs, C (whose result the WebDB refused) and D once each.
got=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
((got == 12)) || fail "the signer's repository holds $got certificates, expected 12"

# The daemon counted each job it worked once: 11 done, 2 failed (A and C; B failed while it
# was being claimed, before any work).
failed_total='cassiopeia_jobs_total{kind="certificate",outcome="failed"}'
done_total='cassiopeia_jobs_total{kind="certificate",outcome="done"}'
wait_for "[[ \$(metric '$CASS_TMP/run.prom' '$done_total') == 11 ]]" 10 ||
    fail "the daemon counts $(metric "$CASS_TMP/run.prom" "$done_total") jobs done, expected 11"
[[ $(metric "$CASS_TMP/run.prom" "$failed_total") == 2 ]] ||
    fail "the daemon counts $(metric "$CASS_TMP/run.prom" "$failed_total") jobs failed, expected 2"

daemon_stop "$daemon"
((DAEMON_RC == 0)) || fail "the daemon exited $DAEMON_RC on TERM, expected 0"
