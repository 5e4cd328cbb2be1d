-- The poison scenario's queue (tests/faults/run.sh): @JOBS@ jobs on the @POOL@ CSRs of the temp
-- table pool, every other one poison: a garbage CSR (bad_request), an unknown profile
-- (unknown_profile), no proof for the SAN (proof_missing). Prints "job id|expected code" per
-- job, the code empty for a good one. Copyright (c) 2026 the Cassiopeia authors.
-- Licence: GPL-3.0-or-later.
WITH t AS (
    SELECT to_char(now() AT TIME ZONE 'UTC' - interval '1 hour',
                   'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts
), q AS (
    SELECT i, i % 6 AS kind, p.csr, t.ts
    FROM generate_series(0, @JOBS@ - 1) AS i
    JOIN pool p ON p.k = i % @POOL@
    CROSS JOIN t
)
SELECT CASE kind
           WHEN 1 THEN cassiopeia.request_certificate(
               'garbage ' || i, 'client', ARRAY['email,p' || i || '@example.org'], '{}'::text[],
               ARRAY[ts || ',emails,' || i || ',address=p' || i || '@example.org'])
           WHEN 3 THEN cassiopeia.request_certificate(
               csr, 'no-such-profile', ARRAY['email,p' || i || '@example.org'], '{}'::text[],
               ARRAY[ts || ',emails,' || i || ',address=p' || i || '@example.org'])
           WHEN 5 THEN cassiopeia.request_certificate(
               csr, 'server', ARRAY['DNS,p' || i || '.example.org'], '{}'::text[], '{}'::text[])
           WHEN 2 THEN cassiopeia.request_certificate(
               csr, 'server', ARRAY['DNS,good' || i || '.example.org'], '{}'::text[],
               ARRAY[ts || ',domains,' || i || ',name=good' || i || '.example.org'])
           ELSE cassiopeia.request_certificate(
               csr, 'client', ARRAY['email,good' || i || '@example.org'], '{}'::text[],
               ARRAY[ts || ',emails,' || i || ',address=good' || i || '@example.org'])
       END,
       CASE kind WHEN 1 THEN 'bad_request' WHEN 3 THEN 'unknown_profile'
                 WHEN 5 THEN 'proof_missing' ELSE '' END
FROM q
ORDER BY i;
