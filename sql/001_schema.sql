-- 001_schema: the WebDB job queue of Cassiopeia (docs/conventions.md §5, sql/README.md).
-- Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
--
-- Tables are private to the client daemon; the web application uses only the functions and
-- views below, so the tables may change without breaking it. Written to be re-runnable:
-- applying this file twice changes nothing.

CREATE SCHEMA IF NOT EXISTS cassiopeia;

CREATE TABLE IF NOT EXISTS cassiopeia.schema_version (
    version integer PRIMARY KEY CHECK (version > 0),
    name    text NOT NULL,
    applied timestamptz NOT NULL DEFAULT now()
);

-- One row per job. `kind` picks the request table that holds its inputs.
CREATE TABLE IF NOT EXISTS cassiopeia.jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('certificate', 'revocation', 'openpgp')),
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'done', 'failed', 'retrying')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt  timestamptz,  -- when a retrying job is due again
    worker        text,         -- the daemon holding a running job
    heartbeat     timestamptz,  -- its lease: a running job with an old heartbeat is taken again
    error_code    text,         -- the last failure: signer code (§5.8) or a client-side code
    error_message text,
    created       timestamptz NOT NULL DEFAULT now(),
    updated       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, kind),          -- target of the request tables' (job_id, kind) keys
    CONSTRAINT jobs_retrying_has_due_time CHECK ((state = 'retrying') = (next_attempt IS NOT NULL)),
    CONSTRAINT jobs_running_has_lease
        CHECK ((state = 'running') = (worker IS NOT NULL AND heartbeat IS NOT NULL)),
    CONSTRAINT jobs_failed_has_error CHECK (state <> 'failed' OR error_code IS NOT NULL)
);

-- The queue scan: due jobs, oldest first.
CREATE INDEX IF NOT EXISTS jobs_open_idx ON cassiopeia.jobs (id)
    WHERE state IN ('pending', 'retrying', 'running');

-- Inputs, exactly as the web application gave them (the signer is the one judge of content).
CREATE TABLE IF NOT EXISTS cassiopeia.certificate_requests (
    job_id     bigint PRIMARY KEY,
    kind       text NOT NULL DEFAULT 'certificate' CHECK (kind = 'certificate'),
    csr        text NOT NULL,  -- PEM or base64 DER PKCS#10, or 'SPKAC:' followed by the SPKAC
    profile    text NOT NULL,
    sans       text[] NOT NULL DEFAULT '{}',
    avas       text[] NOT NULL DEFAULT '{}',
    proofs     text[] NOT NULL DEFAULT '{}',
    valid_from timestamptz,
    valid_to   text,           -- a time or a period such as '90d' (protocol §5.2)
    hash       text NOT NULL DEFAULT 'sha256',
    FOREIGN KEY (job_id, kind) REFERENCES cassiopeia.jobs (id, kind) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS cassiopeia.revocation_requests (
    job_id  bigint PRIMARY KEY,
    kind    text NOT NULL DEFAULT 'revocation' CHECK (kind = 'revocation'),
    ca      text NOT NULL,
    serials text[] NOT NULL,   -- '<serial>' or '<serial>,<reason>' (protocol §5.4, §5.6)
    FOREIGN KEY (job_id, kind) REFERENCES cassiopeia.jobs (id, kind) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS cassiopeia.openpgp_requests (
    job_id bigint PRIMARY KEY,
    kind   text NOT NULL DEFAULT 'openpgp' CHECK (kind = 'openpgp'),
    key    text NOT NULL,      -- ASCII-armoured public key
    proofs text[] NOT NULL DEFAULT '{}',
    FOREIGN KEY (job_id, kind) REFERENCES cassiopeia.jobs (id, kind) ON DELETE CASCADE
);

-- Results. Serials are in the text form of protocol §5.4 (upper-case hex, even length, no
-- leading 00 byte), so equal serials compare equal as text.
CREATE TABLE IF NOT EXISTS cassiopeia.certificates (
    job_id     bigint NOT NULL UNIQUE REFERENCES cassiopeia.jobs (id),
    serial     text PRIMARY KEY
               CHECK (serial ~ '^([0-9A-F]{2})+$' AND serial !~ '^00'),
    ca         text NOT NULL CHECK (ca <> ''),
    pem        text NOT NULL CHECK (pem LIKE '-----BEGIN CERTIFICATE-----%'),
    not_before timestamptz NOT NULL,
    not_after  timestamptz NOT NULL,
    CHECK (not_after > not_before)
);

-- Revoked serials as the signer answered them; not tied to `certificates`, since a CA may
-- have issued certificates outside this WebDB (the command-line client).
CREATE TABLE IF NOT EXISTS cassiopeia.revoked (
    ca         text NOT NULL,
    serial     text NOT NULL CHECK (serial ~ '^([0-9A-F]{2})+$' AND serial !~ '^00'),
    revoked_at timestamptz NOT NULL,
    reason     text,
    job_id     bigint REFERENCES cassiopeia.jobs (id),
    PRIMARY KEY (ca, serial)
);

CREATE TABLE IF NOT EXISTS cassiopeia.revocation_results (
    job_id     bigint PRIMARY KEY REFERENCES cassiopeia.jobs (id),
    ca         text NOT NULL,
    crl_number numeric(49, 0) NOT NULL CHECK (crl_number >= 1)
);

-- The newest verified CRL of each CA (DER), as the client daemon holds it.
CREATE TABLE IF NOT EXISTS cassiopeia.crls (
    ca          text PRIMARY KEY CHECK (ca <> ''),
    der         bytea NOT NULL CHECK (octet_length(der) > 0),
    crl_number  numeric(49, 0) NOT NULL CHECK (crl_number >= 1),
    this_update timestamptz NOT NULL,
    next_update timestamptz NOT NULL,
    CHECK (next_update > this_update)
);

CREATE TABLE IF NOT EXISTS cassiopeia.openpgp_results (
    job_id      bigint PRIMARY KEY REFERENCES cassiopeia.jobs (id),
    armored_key text NOT NULL CHECK (armored_key LIKE '-----BEGIN PGP %')
);

-- The signer's log (setLog) of each attempt.
CREATE TABLE IF NOT EXISTS cassiopeia.job_logs (
    job_id  bigint NOT NULL REFERENCES cassiopeia.jobs (id),
    attempt integer NOT NULL CHECK (attempt >= 1),
    log     text NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt)
);

-- `updated` follows every change of a job.
CREATE OR REPLACE FUNCTION cassiopeia.touch_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated := now();
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS jobs_touch ON cassiopeia.jobs;
CREATE TRIGGER jobs_touch BEFORE UPDATE ON cassiopeia.jobs
    FOR EACH ROW EXECUTE FUNCTION cassiopeia.touch_job();

-- NOTIFY cassiopeia_jobs '<job id>' whenever a job becomes pending (queued, or released after
-- a link outage). Notifications are delivered at commit, after the request row exists.
CREATE OR REPLACE FUNCTION cassiopeia.notify_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cassiopeia_jobs', NEW.id::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS jobs_notify_insert ON cassiopeia.jobs;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON cassiopeia.jobs
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION cassiopeia.notify_job();

DROP TRIGGER IF EXISTS jobs_notify_pending ON cassiopeia.jobs;
CREATE TRIGGER jobs_notify_pending AFTER UPDATE OF state ON cassiopeia.jobs
    FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state <> 'pending')
    EXECUTE FUNCTION cassiopeia.notify_job();

-- Presence checks shared by the request functions: they check types and presence, never
-- content (docs/conventions.md §5).
CREATE OR REPLACE FUNCTION cassiopeia.require_text(value text, what text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL OR value = '' THEN
        RAISE EXCEPTION 'cassiopeia: % is required', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN value;
END;
$$;

CREATE OR REPLACE FUNCTION cassiopeia.require_elements(value text[], what text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL THEN
        RETURN '{}'::text[];
    END IF;
    IF array_ndims(value) > 1 THEN
        RAISE EXCEPTION 'cassiopeia: % must be a one-dimensional array', what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(value, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'cassiopeia: % must not contain NULL', what
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- Normalise the lower bound to 1, so readers see a plain list.
    RETURN ARRAY(SELECT unnest(value));
END;
$$;

CREATE OR REPLACE FUNCTION cassiopeia.request_certificate(
    csr text, profile text, sans text[], avas text[], proofs text[],
    valid_from timestamptz DEFAULT NULL, valid_to text DEFAULT NULL, hash text DEFAULT 'sha256')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM cassiopeia.require_text(csr, 'csr');
    PERFORM cassiopeia.require_text(profile, 'profile');
    INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate') RETURNING id INTO job;
    INSERT INTO cassiopeia.certificate_requests
        (job_id, csr, profile, sans, avas, proofs, valid_from, valid_to, hash)
    VALUES (job, csr, profile,
            cassiopeia.require_elements(sans, 'sans'),
            cassiopeia.require_elements(avas, 'avas'),
            cassiopeia.require_elements(proofs, 'proofs'),
            valid_from, NULLIF(valid_to, ''), COALESCE(NULLIF(hash, ''), 'sha256'));
    RETURN job;
END;
$$;

CREATE OR REPLACE FUNCTION cassiopeia.request_revocation(serials text[], ca text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
    list text[];
BEGIN
    PERFORM cassiopeia.require_text(ca, 'ca');
    list := cassiopeia.require_elements(serials, 'serials');
    IF cardinality(list) = 0 THEN
        RAISE EXCEPTION 'cassiopeia: serials is required' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO cassiopeia.jobs (kind) VALUES ('revocation') RETURNING id INTO job;
    INSERT INTO cassiopeia.revocation_requests (job_id, ca, serials) VALUES (job, ca, list);
    RETURN job;
END;
$$;

CREATE OR REPLACE FUNCTION cassiopeia.request_openpgp(key text, proofs text[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM cassiopeia.require_text(key, 'key');
    INSERT INTO cassiopeia.jobs (kind) VALUES ('openpgp') RETURNING id INTO job;
    INSERT INTO cassiopeia.openpgp_requests (job_id, key, proofs)
    VALUES (job, key, cassiopeia.require_elements(proofs, 'proofs'));
    RETURN job;
END;
$$;

-- The web application's read side.
CREATE OR REPLACE VIEW cassiopeia.job_status AS
SELECT j.id AS job_id, j.kind, j.state, j.attempts,
       CASE WHEN j.error_code IS NULL THEN NULL
            ELSE j.error_code || COALESCE(' ' || NULLIF(j.error_message, ''), '') END
           AS last_error,
       j.created, j.updated
FROM cassiopeia.jobs j;

CREATE OR REPLACE VIEW cassiopeia.issued AS
SELECT c.job_id, c.serial, c.ca, c.pem, c.not_before, c.not_after, r.revoked_at
FROM cassiopeia.certificates c
LEFT JOIN cassiopeia.revoked r ON r.ca = c.ca AND r.serial = c.serial;

CREATE OR REPLACE VIEW cassiopeia.crl AS
SELECT ca, der, crl_number, this_update, next_update FROM cassiopeia.crls;

CREATE OR REPLACE VIEW cassiopeia.openpgp_result AS
SELECT job_id, armored_key FROM cassiopeia.openpgp_results;

CREATE OR REPLACE VIEW cassiopeia.job_log AS
SELECT job_id, attempt, log, created FROM cassiopeia.job_logs;

CREATE OR REPLACE VIEW cassiopeia.revocation_result AS
SELECT job_id, ca, crl_number FROM cassiopeia.revocation_results;

INSERT INTO cassiopeia.schema_version (version, name) VALUES (1, '001_schema')
ON CONFLICT (version) DO NOTHING;
