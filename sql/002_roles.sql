-- 002_roles: who may use the queue (sql/README.md, Privileges).
-- Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
--
-- PostgreSQL grants EXECUTE on every new function to PUBLIC, so after 001 any role that could
-- reach the schema could call the SECURITY DEFINER request functions and queue jobs. This file
-- revokes everything from PUBLIC and grants the web application's side (the request functions
-- and the result views, nothing else) to one NOLOGIN role, `cassiopeia_web`; the web
-- application's login role is made a member of it (GRANT cassiopeia_web TO webapp). The tables
-- stay the schema owner's, which is the role the client daemon runs as. Re-runnable.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cassiopeia_web') THEN
        BEGIN
            CREATE ROLE cassiopeia_web NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'cassiopeia: role cassiopeia_web does not exist and this role may not create it'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'as a superuser: CREATE ROLE cassiopeia_web NOLOGIN; then run migrate again';
        END;
    END IF;
END;
$$;

REVOKE ALL ON SCHEMA cassiopeia FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA cassiopeia FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA cassiopeia FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA cassiopeia FROM PUBLIC;
-- Functions a later migration creates are not executable by PUBLIC either.
ALTER DEFAULT PRIVILEGES IN SCHEMA cassiopeia REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

GRANT USAGE ON SCHEMA cassiopeia TO cassiopeia_web;
GRANT EXECUTE ON FUNCTION
    cassiopeia.request_certificate(text, text, text[], text[], text[], timestamptz, text, text),
    cassiopeia.request_revocation(text[], text),
    cassiopeia.request_openpgp(text, text[])
    TO cassiopeia_web;
GRANT SELECT ON cassiopeia.job_status, cassiopeia.issued, cassiopeia.crl,
                cassiopeia.openpgp_result, cassiopeia.revocation_result, cassiopeia.job_log
    TO cassiopeia_web;

INSERT INTO cassiopeia.schema_version (version, name) VALUES (2, '002_roles')
ON CONFLICT (version) DO NOTHING;
