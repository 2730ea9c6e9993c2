-- Two-person rules compare principals (lifeboat.principal_key, store migration 0006), not spellings:
-- 'root' cannot approve the plan 'ROOT' or 'root ' requested.
--
-- An approval given before this migration by the requester under another spelling was never a
-- second person's: it is withdrawn, so the plan needs a real second approver before it runs, and
-- the withdrawal is audited beside the original approval, which the audit log keeps.
WITH withdrawn AS (
    UPDATE platform.plans p SET approved_by = NULL, approved_hash = NULL, approved_at = NULL
    FROM (SELECT plan_id, approved_by FROM platform.plans
          WHERE approved_by IS NOT NULL AND lifeboat.principal_key(approved_by) = lifeboat.principal_key(requested_by)) old
    WHERE p.plan_id = old.plan_id
    RETURNING p.plan_id, p.content_hash, p.requested_by, old.approved_by
)
INSERT INTO platform.audit_log (at, actor, subject, step, content_hash, ids, details)
SELECT now(), 'lifeboat', plan_id, 'approval-withdrawn', content_hash, '[]',
       jsonb_build_object('requestedBy', requested_by, 'approvedBy', approved_by,
                          'reason', 'approved by its requester under another spelling (case, spaces or Unicode form)')
FROM withdrawn;

ALTER TABLE platform.plans DROP CONSTRAINT plans_check;
ALTER TABLE platform.plans ADD CONSTRAINT plans_second_person
    CHECK (approved_by IS NULL OR lifeboat.principal_key(approved_by) <> lifeboat.principal_key(requested_by));

-- Restore jobs that wait for a second person (migration 0004) are held to the same rule.
ALTER TABLE platform.restore_jobs ADD CONSTRAINT restore_jobs_second_person
    CHECK (approved_by IS NULL OR lifeboat.principal_key(approved_by) <> lifeboat.principal_key(requested_by));

-- The policy plans are held to is the environment's, kept here, not a file each caller chooses.
-- A version is proposed by one person (its YAML exactly as proposed, and that text's SHA-256) and
-- comes into force when a different person approves it by that hash. The version in force is the
-- approved version with the highest number: a proposal records the version in force when it was
-- made (based_on), and is approved only while that version is still in force, so approvals happen
-- in the order of the versions and no approved change is silently undone by an older proposal.
-- No version yet approved: the built-in safe defaults (version 0) are in force.
-- Both tables are append-only: old versions and approvals are never changed or removed.
CREATE TABLE platform.policy_versions (
    version      integer     PRIMARY KEY CHECK (version > 0),
    yaml         text        NOT NULL,
    content_hash text        NOT NULL,
    based_on     integer     NOT NULL CHECK (based_on >= 0 AND based_on < version),
    proposed_by  text        NOT NULL,
    proposed_at  timestamptz NOT NULL,
    reason       text        NULL,
    UNIQUE (version, proposed_by, content_hash)
);

CREATE TABLE platform.policy_approvals (
    version      integer     PRIMARY KEY,
    proposed_by  text        NOT NULL,
    content_hash text        NOT NULL,
    approved_by  text        NOT NULL,
    approved_at  timestamptz NOT NULL,
    FOREIGN KEY (version, proposed_by, content_hash) REFERENCES platform.policy_versions (version, proposed_by, content_hash),
    CONSTRAINT policy_approvals_second_person CHECK (lifeboat.principal_key(approved_by) <> lifeboat.principal_key(proposed_by))
);

CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON platform.policy_versions
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
CREATE TRIGGER policy_approvals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON platform.policy_approvals
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
