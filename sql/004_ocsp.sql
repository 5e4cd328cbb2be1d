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

CREATE OR REPLACE FUNCTION cassiopeia.request_ocsp_certificate(
    csr text, ocsp_ca text, avas text[], proofs text[],
    valid_to text DEFAULT NULL, hash text DEFAULT 'sha256')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM cassiopeia.require_text(csr, 'csr');
    PERFORM cassiopeia.require_text(ocsp_ca, 'ocsp_ca');
    INSERT INTO cassiopeia.jobs (kind) VALUES ('certificate') RETURNING id INTO job;
    INSERT INTO cassiopeia.certificate_requests
        (job_id, csr, profile, ocsp_ca, avas, proofs, valid_to, hash)
    VALUES (job, csr, NULL, ocsp_ca,
            cassiopeia.require_elements(avas, 'avas'),
            cassiopeia.require_elements(proofs, 'proofs'),
            NULLIF(valid_to, ''), COALESCE(NULLIF(hash, ''), 'sha256'));
    RETURN job;
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
