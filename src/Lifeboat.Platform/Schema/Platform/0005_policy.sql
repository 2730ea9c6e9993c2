-- Two-person rules compare principals (lifeboat.principal_key, store migration 0005), not spellings:
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
