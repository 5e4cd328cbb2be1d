-- 004_ocsp: OCSP responder certificates, queued like any other and renewed by the client
-- daemon (sql/README.md, "OCSP responder certificates"; docs/protocol.md §5.2, ocspTargetCA).
-- Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
--
-- A certificate request names either a profile or the time CA an OCSP responder certificate is
-- for (the signer then applies its `ocsp` profile). Re-runnable.

ALTER TABLE cassiopeia.certificate_requests ADD COLUMN IF NOT EXISTS ocsp_ca text;
ALTER TABLE cassiopeia.certificate_requests ALTER COLUMN profile DROP NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                   WHERE conname = 'certificate_requests_profile_or_ocsp_ca') THEN
        ALTER TABLE cassiopeia.certificate_requests
            ADD CONSTRAINT certificate_requests_profile_or_ocsp_ca
            CHECK ((profile IS NULL) <> (ocsp_ca IS NULL));
    END IF;
END;
$$;

-- The renewal looks up the requests of one CA.
CREATE INDEX IF NOT EXISTS certificate_requests_ocsp_ca_idx
    ON cassiopeia.certificate_requests (ocsp_ca, job_id) WHERE ocsp_ca IS NOT NULL;

-- One insert behind both request functions (not callable by the web application itself).
CREATE OR REPLACE FUNCTION cassiopeia.queue_certificate_request(
    csr text, profile text, ocsp_ca text, sans text[], avas text[], proofs text[],
    valid_from timestamptz, valid_to text, hash text)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM cassiopeia.require_text(csr, 'csr');
    INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate') RETURNING id INTO job;
    INSERT INTO cassiopeia.certificate_requests
        (job_id, csr, profile, ocsp_ca, sans, avas, proofs, valid_from, valid_to, hash)
    VALUES (job, csr, profile, ocsp_ca,
            cassiopeia.require_elements(sans, 'sans'),
            cassiopeia.require_elements(avas, 'avas'),
            cassiopeia.require_elements(proofs, 'proofs'),
            valid_from, NULLIF(valid_to, ''), COALESCE(NULLIF(hash, ''), 'sha256'));
    RETURN job;
END;
$$;
REVOKE ALL ON FUNCTION cassiopeia.queue_certificate_request(
    text, text, text, text[], text[], text[], timestamptz, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION cassiopeia.request_certificate(
    csr text, profile text, sans text[], avas text[], proofs text[],
    valid_from timestamptz DEFAULT NULL, valid_to text DEFAULT NULL, hash text DEFAULT 'sha256')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN cassiopeia.queue_certificate_request(
        csr, cassiopeia.require_text(profile, 'profile'), NULL, sans, avas, proofs,
        valid_from, valid_to, hash);
END;
$$;

CREATE OR REPLACE FUNCTION cassiopeia.request_ocsp_certificate(
    csr text, ocsp_ca text, avas text[], proofs text[],
    valid_to text DEFAULT NULL, hash text DEFAULT 'sha256')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN cassiopeia.queue_certificate_request(
        csr, NULL, cassiopeia.require_text(ocsp_ca, 'ocsp_ca'), '{}', avas, proofs,
        NULL, valid_to, hash);
END;
$$;

-- The newest OCSP responder certificate of each time CA that has one.
CREATE OR REPLACE VIEW cassiopeia.ocsp_responder AS
SELECT DISTINCT ON (r.ocsp_ca)
       r.ocsp_ca AS ca, c.job_id, c.serial, c.pem, c.not_before, c.not_after
FROM cassiopeia.certificate_requests r
JOIN cassiopeia.certificates c ON c.job_id = r.job_id
WHERE r.ocsp_ca IS NOT NULL
ORDER BY r.ocsp_ca, c.not_after DESC, c.job_id DESC;

REVOKE ALL ON FUNCTION cassiopeia.request_ocsp_certificate(text, text, text[], text[], text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    cassiopeia.request_ocsp_certificate(text, text, text[], text[], text, text)
    TO cassiopeia_web;
GRANT SELECT ON cassiopeia.ocsp_responder TO cassiopeia_web;

INSERT INTO cassiopeia.schema_version (version, name) VALUES (4, '004_ocsp')
ON CONFLICT (version) DO NOTHING;
