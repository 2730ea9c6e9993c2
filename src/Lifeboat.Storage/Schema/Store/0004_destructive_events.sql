-- The destructive-event log, written by the database for every path, and never rewritten.
--
-- Until now the store's own delete and the lifecycle function wrote the log themselves, so a
-- tombstone written any other way (a restore, an import, a raw UPDATE) went unseen. Now triggers
-- on the tables that hold the data write it: whatever makes a live record a tombstone, or a tenant
-- Deleted or Purged, is in the log, in the same transaction.
--
-- Each event is inserted by an AFTER trigger, after the write that makes it destructive, so the
-- transaction already has its transaction ID when it draws the event's ID. Readers rely on that to
-- know when every ID below a bound has settled (see DestructiveWrites).

ALTER TABLE lifeboat.destructive_events
    -- The operation the writer declared (a plan's ID), so limits can apply per operation.
    ADD COLUMN operation text NULL,
    -- When the event was written: the rate of destruction is measured on this clock, since an
    -- imported tombstone keeps the stamp of the version it brings back.
    ADD COLUMN recorded_at timestamptz NULL;
UPDATE lifeboat.destructive_events SET recorded_at = stamp;
ALTER TABLE lifeboat.destructive_events ALTER COLUMN recorded_at SET NOT NULL, ALTER COLUMN recorded_at SET DEFAULT clock_timestamp();

CREATE INDEX destructive_events_position ON lifeboat.destructive_events (position);
CREATE INDEX destructive_events_recent ON lifeboat.destructive_events (action, collection, recorded_at);

-- Records: a tombstone that replaces a live version, whoever wrote it. Transition tables have no
-- statistics: with filters on both sides the planner guesses a row or two and picks a nested loop,
-- which for a statement of 8,000 tombstones compares every pair. The keys are equal on both sides,
-- so a hash join is always right. With nested loops off every plan inside looks costly, and JIT
-- would compile each statement of the trigger (a tenth of a second each): JIT is off in it too.
CREATE OR REPLACE FUNCTION lifeboat.keep_superseded_versions() RETURNS trigger
LANGUAGE plpgsql SET enable_nestloop = off SET jit = off AS $$
BEGIN
    -- A statement updates a row at most once, so the key pairs each old version with its replacement.
    INSERT INTO lifeboat.record_history
    SELECT o.* FROM old_versions o JOIN new_versions n USING (tenant_id, collection, record_id)
    WHERE n.position > o.position;

    IF EXISTS (SELECT 1 FROM new_versions WHERE deleted) THEN
        INSERT INTO lifeboat.destructive_events (position, stamp, tenant_id, actor, action, collection, count, operation)
        SELECT n.position, n.stamp, n.tenant_id, n.actor, 'record.delete', n.collection, count(*)::int,
               nullif(current_setting('lifeboat.operation', true), '')
        FROM old_versions o JOIN new_versions n USING (tenant_id, collection, record_id)
        WHERE n.deleted AND NOT o.deleted
        GROUP BY n.tenant_id, n.collection, n.position, n.stamp, n.actor;
    END IF;
    RETURN NULL;
END $$;

-- Tenants: becoming Deleted or Purged, by a lifecycle change, a restore or anything else.
CREATE FUNCTION lifeboat.record_tenant_removal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lifeboat.destructive_events (position, stamp, tenant_id, actor, action, collection, count, operation)
    VALUES (NEW.state_position, NEW.state_changed_at, NEW.tenant_id,
            coalesce((SELECT h.actor FROM lifeboat.tenant_history h WHERE h.tenant_id = NEW.tenant_id AND h.position = NEW.state_position), session_user),
            CASE NEW.state WHEN 'Deleted' THEN 'tenant.delete' ELSE 'tenant.purge' END, NULL, 1,
            nullif(current_setting('lifeboat.operation', true), ''));
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_record_removal AFTER UPDATE OF state ON lifeboat.tenants
    FOR EACH ROW WHEN (NEW.state IN ('Deleted', 'Purged') AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION lifeboat.record_tenant_removal();

-- The lifecycle function no longer writes the log itself (the trigger does), and writes the
-- history row first, so the trigger finds who made the change.
CREATE OR REPLACE FUNCTION lifeboat.change_tenant_state(p_tenant text, p_from text[], p_to text, p_actor text, p_reason text,
                                                        OUT changed boolean, OUT pos bigint, OUT stamp timestamptz, OUT previous text)
LANGUAGE plpgsql AS $$
DECLARE
    v_restore text;
BEGIN
    PERFORM pg_advisory_xact_lock(lifeboat.tenant_lock_key(p_tenant));
    SELECT t.state, t.restore_id INTO previous, v_restore FROM lifeboat.tenants t WHERE t.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LB404', MESSAGE = format('tenant %s does not exist', p_tenant),
            HINT = 'Check the tenant ID.';
    END IF;
    IF v_restore IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LBSRE', MESSAGE = format('tenant %s is Restoring (restore %s); its lifecycle cannot change until the restore completes', p_tenant, v_restore),
            HINT = 'Wait for the restore to complete.';
    END IF;
    IF previous = p_to THEN
        changed := false;
        RETURN;
    END IF;
    IF NOT previous = ANY (p_from) THEN
        RAISE EXCEPTION USING ERRCODE = lifeboat.state_error_code(previous), MESSAGE = format('tenant %s is %s; it cannot become %s', p_tenant, previous, p_to),
            HINT = format('A tenant becomes %s only from: %s.', p_to, array_to_string(p_from, ', '));
    END IF;
    SELECT p.pos, p.stamp INTO pos, stamp FROM lifeboat.take_position() p;
    INSERT INTO lifeboat.tenant_history (tenant_id, position, stamp, state, actor, reason) VALUES (p_tenant, pos, stamp, p_to, p_actor, p_reason);
    UPDATE lifeboat.tenants SET state = p_to, state_position = pos, state_changed_at = stamp WHERE tenant_id = p_tenant;
    changed := true;
END $$;

-- Append-only: rows are never changed; only the retention job removes old ones.
CREATE TRIGGER destructive_events_append_only BEFORE UPDATE OR TRUNCATE ON lifeboat.destructive_events
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
CREATE TRIGGER destructive_events_guard_removal BEFORE DELETE ON lifeboat.destructive_events
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();
