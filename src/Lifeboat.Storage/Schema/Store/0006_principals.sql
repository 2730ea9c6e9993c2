-- Two-person rules compare principals, not spellings.
--
-- 'alice' and 'Alice', 'root' and 'root ', 'root' and 'ｒｏｏｔ' (full width) name one person, so
-- none of them may approve what another of them asked for. lifeboat.principal_key is the one
-- definition of "the same person": Unicode compatibility form (NFKC), surrounding whitespace
-- trimmed, lower case. The store's and the platform's CHECK constraints use it, and so does the
-- code (Principals.SameAsync), so the message and the constraint can never disagree.
--
-- Lower case comes from ICU's root locale when the server has it, so the key does not depend on the
-- database's own collation; NFKC needs a UTF8 database (every database Lifeboat creates is one).
DO $$
DECLARE
    v_normalized text := CASE WHEN current_setting('server_encoding') = 'UTF8' THEN 'normalize(p_name, NFKC)' ELSE 'p_name' END;
    v_collate text := CASE WHEN EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN ' COLLATE "und-x-icu"' ELSE '' END;
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION lifeboat.principal_key(p_name text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $b$ SELECT lower(btrim(%s, E' \t\n\r\f\v')%s) $b$
        $f$, v_normalized, v_collate);
END
$$;

-- An approval given before this migration by the requester under another spelling was never a
-- second person's: it is withdrawn (the erasure must be approved again), and the withdrawal is
-- audited. An erasure that already ran keeps its execution; its record now says, truthfully, that
-- no second person approved it, and the audit log keeps who did.
WITH withdrawn AS (
    UPDATE lifeboat.erasures e SET approved_by = NULL, approved_at = NULL
    FROM (SELECT erasure_id, approved_by FROM lifeboat.erasures
          WHERE approved_by IS NOT NULL AND lifeboat.principal_key(approved_by) = lifeboat.principal_key(requested_by)) old
    WHERE e.erasure_id = old.erasure_id
    RETURNING e.erasure_id, e.tenant_id, e.requested_by, old.approved_by
)
INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details)
SELECT now(), 'lifeboat', 'erasure.approval-withdrawn', tenant_id,
       jsonb_build_object('erasure', erasure_id, 'requestedBy', requested_by, 'approvedBy', approved_by,
                          'reason', 'approved by its requester under another spelling (case, spaces or Unicode form)')
FROM withdrawn;

ALTER TABLE lifeboat.erasures DROP CONSTRAINT erasures_check;
ALTER TABLE lifeboat.erasures ADD CONSTRAINT erasures_second_person
    CHECK (approved_by IS NULL OR lifeboat.principal_key(approved_by) <> lifeboat.principal_key(requested_by));
