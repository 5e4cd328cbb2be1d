-- 003_audit_heads: the signer's audit chain heads, kept outside the signer (docs/repository.md,
-- "The anchor outside the signer"; sql/README.md).
-- Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
--
-- The client stores every (audit_seq, audit_head) pair the signer's status report shows it.
-- A head extends the anchor (the last head that did) when its seq is higher, or equal with the
-- same hash; any other head means the signer's history was rewritten (a repository replaced
-- by an older copy, or rebuilt) and is stored with extends = false. Such rows stay until an
-- operator who has investigated deletes them. Written to be re-runnable.

CREATE TABLE IF NOT EXISTS cassiopeia.signer_audit_heads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        bigint NOT NULL CHECK (seq >= 0),
    head       text NOT NULL CHECK (head ~ '^[0-9a-f]{64}$'),
    extends    boolean NOT NULL,     -- false: this head did not extend the anchor
    source     text NOT NULL CHECK (source IN ('run', 'status')),
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    times_seen bigint NOT NULL DEFAULT 1 CHECK (times_seen >= 1),
    CHECK (last_seen >= first_seen)
);

-- A stored head is never rewritten: only its last sighting moves.
CREATE OR REPLACE FUNCTION cassiopeia.signer_audit_heads_seen_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.seq IS DISTINCT FROM OLD.seq
       OR NEW.head IS DISTINCT FROM OLD.head OR NEW.extends IS DISTINCT FROM OLD.extends
       OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.first_seen IS DISTINCT FROM OLD.first_seen THEN
        RAISE EXCEPTION 'a stored audit head is never changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS signer_audit_heads_seen_only ON cassiopeia.signer_audit_heads;
CREATE TRIGGER signer_audit_heads_seen_only BEFORE UPDATE ON cassiopeia.signer_audit_heads
    FOR EACH ROW EXECUTE FUNCTION cassiopeia.signer_audit_heads_seen_only();

-- The anchor: the last head that extended its predecessor, and how many heads did not.
CREATE OR REPLACE VIEW cassiopeia.signer_audit_anchor AS
SELECT h.seq, h.head, h.first_seen, h.last_seen,
       (SELECT count(*) FROM cassiopeia.signer_audit_heads r WHERE NOT r.extends) AS rewrites
FROM cassiopeia.signer_audit_heads h
WHERE h.extends
ORDER BY h.id DESC
LIMIT 1;

-- Privileges are granted by the operator (sql/README.md, "Privileges"); nothing for PUBLIC.
REVOKE ALL ON cassiopeia.signer_audit_heads FROM PUBLIC;
REVOKE ALL ON cassiopeia.signer_audit_anchor FROM PUBLIC;
REVOKE ALL ON FUNCTION cassiopeia.signer_audit_heads_seen_only() FROM PUBLIC;

INSERT INTO cassiopeia.schema_version (version, name) VALUES (3, '003_audit_heads')
ON CONFLICT (version) DO NOTHING;
