-- The database enforces the store's invariants against the role the product runs as.
--
-- Lifeboat migrates as an owner role and runs as an application role (lifeboat_app) that holds
-- only what the product needs (the embedded server creates both; docs/architecture.md says how to
-- create them on a server of your own). The application role cannot remove or rewrite history:
--   - it has no DELETE or TRUNCATE on tenant data, and no UPDATE on history: removal happens only in
--     the functions below, which check the retention window (held here, in lifeboat.settings) or an
--     erasure's approval by a second person, whatever a session sets;
--   - every version it writes must carry the position its own transaction took (take_position()
--     records the taker's transaction ID in lifeboat.commits), so it can neither keep a version's
--     position to overwrite it in place, nor forge a version at another transaction's position;
--   - a lifecycle change must be recorded in the tenant's history at the transaction's position.
-- The owner (and a superuser) is trusted: imports from backups write versions at their original
-- positions, and migrations run as it. When one role does both (a single connection string with
-- the rights to migrate), these checks cannot tell the product from anyone else, and say so nowhere:
-- run with two roles.

-- ---------------------------------------------------------------------------------------------
-- Who is trusted, and which position is this transaction's.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION lifeboat.session_is_trusted() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT session_user::regrole = n.nspowner OR r.rolsuper
    FROM pg_namespace n, pg_roles r
    WHERE n.nspname = 'lifeboat' AND r.rolname = session_user
$$;

ALTER TABLE lifeboat.commits ADD COLUMN xid xid8 NULL;

-- take_position and the commit stamp run as the owner: the application role cannot write the log.
CREATE OR REPLACE FUNCTION lifeboat.take_position(OUT pos bigint, OUT stamp timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v text := current_setting('lifeboat.txn_position', true);
BEGIN
    IF coalesce(v, '') = '' THEN
        pos := nextval('lifeboat.commit_position');
        stamp := clock_timestamp();
        PERFORM set_config('lifeboat.txn_position', pos::text, true);
        -- Kept as text: it round-trips exactly (a float would not, at microsecond precision).
        PERFORM set_config('lifeboat.txn_stamp', stamp::text, true);
        INSERT INTO lifeboat.commits (position, xid) VALUES (pos, pg_current_xact_id());
    ELSE
        pos := v::bigint;
        stamp := current_setting('lifeboat.txn_stamp')::timestamptz;
    END IF;
END $$;

ALTER FUNCTION lifeboat.stamp_commit() SECURITY DEFINER SET search_path = pg_catalog, lifeboat;

-- The position this transaction took, proven by the log (a session can set the setting, but cannot
-- make the log say its transaction took that position); null when it took none.
CREATE FUNCTION lifeboat.my_position() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT c.position FROM lifeboat.commits c
    WHERE c.position = nullif(current_setting('lifeboat.txn_position', true), '')::bigint
      AND c.xid = pg_current_xact_id()
$$;

CREATE FUNCTION lifeboat.refuse_foreign_position(p_table text, p_position bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LB403',
        MESSAGE = format('a version of lifeboat.%s must carry the position its own transaction took (this transaction''s is %s, the version''s %s)',
                         p_table, coalesce(lifeboat.my_position()::text, 'none'), p_position),
        HINT = 'Write through the store, which takes a position with lifeboat.take_position(); history is never rewritten in place.';
END $$;

-- ---------------------------------------------------------------------------------------------
-- Records: every version carries its own transaction's position.
-- ---------------------------------------------------------------------------------------------

-- Superseded versions move to history as the owner: the application role has no INSERT there.
CREATE OR REPLACE FUNCTION lifeboat.keep_superseded_versions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat SET enable_nestloop = off SET jit = off AS $$
DECLARE
    v_mine bigint;
BEGIN
    IF NOT lifeboat.session_is_trusted() THEN
        v_mine := lifeboat.my_position();
        IF EXISTS (SELECT 1 FROM new_versions WHERE position IS DISTINCT FROM v_mine) THEN
            PERFORM lifeboat.refuse_foreign_position('records', (SELECT min(position) FROM new_versions WHERE position IS DISTINCT FROM v_mine));
        END IF;
    END IF;

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

CREATE FUNCTION lifeboat.check_new_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_mine bigint;
BEGIN
    IF NOT lifeboat.session_is_trusted() THEN
        v_mine := lifeboat.my_position();
        IF EXISTS (SELECT 1 FROM new_records WHERE position IS DISTINCT FROM v_mine) THEN
            PERFORM lifeboat.refuse_foreign_position('records', (SELECT min(position) FROM new_records WHERE position IS DISTINCT FROM v_mine));
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER records_check_new_versions AFTER INSERT ON lifeboat.records
    REFERENCING NEW TABLE AS new_records
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.check_new_versions();

-- A version arriving late (its position older than the current one's) goes to history: it too must
-- be its own transaction's, or anyone could slip a forged version into history this way.
CREATE OR REPLACE FUNCTION lifeboat.keep_late_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
BEGIN
    IF NOT lifeboat.session_is_trusted() AND NEW.position IS DISTINCT FROM lifeboat.my_position() THEN
        PERFORM lifeboat.refuse_foreign_position('records', NEW.position);
    END IF;
    INSERT INTO lifeboat.record_history VALUES (NEW.*);
    RETURN NULL;
END $$;

-- Rewriting a version in place (keeping its position) is allowed only to the transaction that wrote
-- it, before it commits; otherwise it would destroy that version without a trace.
CREATE FUNCTION lifeboat.refuse_rewrite_in_place() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT lifeboat.session_is_trusted() AND OLD.position IS DISTINCT FROM lifeboat.my_position() THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403',
            MESSAGE = format('version %s of record %s/%s/%s was written by another transaction: an update must carry a new position',
                             OLD.position, OLD.tenant_id, OLD.collection, OLD.record_id),
            HINT = 'Write through the store, which takes a new position; the current version then moves to history.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER records_refuse_rewrite_in_place BEFORE UPDATE ON lifeboat.records
    FOR EACH ROW WHEN (NEW.position = OLD.position) EXECUTE FUNCTION lifeboat.refuse_rewrite_in_place();

-- ---------------------------------------------------------------------------------------------
-- History is never updated, by anyone.
-- ---------------------------------------------------------------------------------------------

CREATE TRIGGER record_history_never_updated BEFORE UPDATE ON lifeboat.record_history
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
CREATE TRIGGER tenant_history_never_updated BEFORE UPDATE ON lifeboat.tenant_history
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();

-- ---------------------------------------------------------------------------------------------
-- Lifecycle: a change of state is recorded in the history at the transaction's own position, and
-- a purged tenant never comes back.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION lifeboat.check_tenant_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT lifeboat.session_is_trusted() AND NEW.position IS DISTINCT FROM lifeboat.my_position() THEN
        PERFORM lifeboat.refuse_foreign_position('tenant_history', NEW.position);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tenant_history_own_position BEFORE INSERT ON lifeboat.tenant_history
    FOR EACH ROW EXECUTE FUNCTION lifeboat.check_tenant_history();

CREATE FUNCTION lifeboat.check_tenant_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'Purged' THEN
        RAISE EXCEPTION USING ERRCODE = 'LBSPU', MESSAGE = format('tenant %s is Purged; it never changes again', OLD.tenant_id);
    END IF;
    IF lifeboat.session_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF NEW.created_position IS DISTINCT FROM OLD.created_position OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('tenant %s: when it was created never changes', OLD.tenant_id);
    END IF;
    IF (NEW.state, NEW.state_position, NEW.state_changed_at) IS DISTINCT FROM (OLD.state, OLD.state_position, OLD.state_changed_at)
       AND (NEW.state_position IS DISTINCT FROM lifeboat.my_position()
            OR NOT EXISTS (SELECT 1 FROM lifeboat.tenant_history h
                           WHERE h.tenant_id = NEW.tenant_id AND h.position = NEW.state_position AND h.state = NEW.state)) THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403',
            MESSAGE = format('tenant %s: a change of state must be recorded in its history at this transaction''s position', OLD.tenant_id),
            HINT = 'Change a tenant''s state through the store (lifeboat.change_tenant_state), which records it.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tenants_check_change BEFORE UPDATE ON lifeboat.tenants
    FOR EACH ROW EXECUTE FUNCTION lifeboat.check_tenant_change();

-- ---------------------------------------------------------------------------------------------
-- Two tenants in one transaction: the transaction's one position was taken when it first wrote; a
-- tenant whose lifecycle changed, or that a restore took or wrote, after that position would get a
-- version older than its own changes. The gate refuses that, and the writer retries.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE lifeboat.tenants ADD COLUMN fence_position bigint NOT NULL DEFAULT 0;
UPDATE lifeboat.tenants SET fence_position = state_position;

CREATE OR REPLACE FUNCTION lifeboat.gate_write(p_tenant text, p_restore_id text DEFAULT NULL,
                                               OUT pos bigint, OUT stamp timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_restore text;
    v_fence bigint;
    v_taken text := nullif(current_setting('lifeboat.txn_position', true), '');
BEGIN
    PERFORM pg_advisory_xact_lock_shared(lifeboat.tenant_lock_key(p_tenant));
    SELECT t.state, t.restore_id, t.fence_position INTO v_state, v_restore, v_fence FROM lifeboat.tenants t WHERE t.tenant_id = p_tenant;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LB404', MESSAGE = format('tenant %s does not exist', p_tenant),
            HINT = 'Check the tenant ID, or create the tenant first.';
    END IF;
    IF v_restore IS NOT NULL THEN
        IF p_restore_id IS DISTINCT FROM v_restore THEN
            RAISE EXCEPTION USING ERRCODE = 'LBSRE', MESSAGE = format('tenant %s is Restoring (restore %s); it takes no writes until the restore completes', p_tenant, v_restore),
                HINT = 'Retry the write after the restore completes.';
        END IF;
    ELSIF v_state <> 'Active' THEN
        RAISE EXCEPTION USING ERRCODE = lifeboat.state_error_code(v_state), MESSAGE = format('tenant %s is %s; it takes no writes', p_tenant, v_state),
            HINT = CASE v_state
                WHEN 'Suspended' THEN 'Resume the tenant to write to it.'
                WHEN 'Deleted' THEN 'Undelete or restore the tenant to write to it.'
                ELSE 'A purged tenant cannot be written again.' END;
    END IF;
    IF v_taken IS NOT NULL AND v_fence > v_taken::bigint THEN
        RAISE EXCEPTION USING ERRCODE = '40001',
            MESSAGE = format('this transaction took position %s before tenant %s changed (at position %s): its writes to that tenant would be older than the change', v_taken, p_tenant, v_fence),
            HINT = 'Nothing was written. Retry the transaction; it takes a new position.';
    END IF;
    SELECT p.pos, p.stamp INTO pos, stamp FROM lifeboat.take_position() p;
END $$;

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
    UPDATE lifeboat.tenants SET state = p_to, state_position = pos, state_changed_at = stamp, fence_position = pos WHERE tenant_id = p_tenant;
    changed := true;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The window, and the only ways data is removed.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE lifeboat.settings (
    only_row         boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    retention_window interval NOT NULL DEFAULT interval '30 days' CHECK (retention_window >= interval '0')
);
INSERT INTO lifeboat.settings DEFAULT VALUES;

-- Removal happens only inside the functions below: they run as the schema's owner and set the
-- reason while they remove. The application role has no DELETE privilege at all; this guard keeps
-- any other role (a superuser's session included) from removing rows by setting the reason itself.
CREATE OR REPLACE FUNCTION lifeboat.guard_removal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('lifeboat.removal', true), '') NOT IN ('retention', 'erasure')
       OR current_user::regrole <> (SELECT n.nspowner::regrole FROM pg_namespace n WHERE n.nspname = 'lifeboat') THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('rows of lifeboat.%s are never removed directly', TG_TABLE_NAME),
            HINT = 'Delete through the store (it writes a tombstone); only the retention job and an approved erasure remove data.';
    END IF;
    RETURN NULL;
END $$;

-- History older than the window, keeping for every record the version in force when the window
-- began (the latest committed by then), so every point inside the window stays restorable.
CREATE FUNCTION lifeboat.compact_history(p_tenant text, p_cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v_cutoff timestamptz := least(p_cutoff, clock_timestamp() - (SELECT retention_window FROM lifeboat.settings));
    v_removed bigint;
BEGIN
    PERFORM set_config('lifeboat.removal', 'retention', true);
    WITH committed AS (
        SELECT v.collection, v.record_id, v.position FROM (
            SELECT h.collection, h.record_id, h.position, h.stamp FROM lifeboat.record_history h WHERE h.tenant_id = p_tenant AND h.stamp <= v_cutoff
            UNION ALL
            SELECT r.collection, r.record_id, r.position, r.stamp FROM lifeboat.records r WHERE r.tenant_id = p_tenant AND r.stamp <= v_cutoff) v
        WHERE NOT EXISTS (SELECT 1 FROM lifeboat.commits k WHERE k.position = v.position AND k.committed_at > v_cutoff)),
    keep AS (SELECT collection, record_id, max(position) AS position FROM committed GROUP BY collection, record_id),
    removed AS (
        DELETE FROM lifeboat.record_history h USING keep k
        WHERE h.tenant_id = p_tenant AND h.collection = k.collection AND h.record_id = k.record_id AND h.position < k.position
        RETURNING 1)
    SELECT count(*) INTO v_removed FROM removed;
    PERFORM set_config('lifeboat.removal', '', true);
    RETURN v_removed;
END $$;

-- The logs older than the window: destructive events, commit times (a version without one is read
-- by its stamp, which for a version this old is the same instant to the window), breaker resets.
CREATE FUNCTION lifeboat.trim_logs(p_cutoff timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v_cutoff timestamptz := least(p_cutoff, clock_timestamp() - (SELECT retention_window FROM lifeboat.settings));
BEGIN
    PERFORM set_config('lifeboat.removal', 'retention', true);
    DELETE FROM lifeboat.destructive_events WHERE recorded_at < v_cutoff;
    DELETE FROM lifeboat.commits WHERE committed_at < v_cutoff;
    PERFORM set_config('lifeboat.removal', '', true);
END $$;

CREATE TRIGGER commits_guard_removal BEFORE DELETE OR TRUNCATE ON lifeboat.commits
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();

-- Removes every record and version of a tenant and marks it Purged.
CREATE FUNCTION lifeboat.remove_tenant_data(p_tenant text, p_actor text, p_reason text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_records bigint;
    v_history bigint;
BEGIN
    DELETE FROM lifeboat.records WHERE tenant_id = p_tenant;
    GET DIAGNOSTICS v_records = ROW_COUNT;
    DELETE FROM lifeboat.record_history WHERE tenant_id = p_tenant;
    GET DIAGNOSTICS v_history = ROW_COUNT;
    PERFORM lifeboat.change_tenant_state(p_tenant, ARRAY['Active', 'Suspended', 'Deleted'], 'Purged', p_actor, p_reason);
    RETURN v_records + v_history;
END $$;

-- A tenant deleted for longer than the window: null when it is not (any more) one.
CREATE FUNCTION lifeboat.purge_tenant(p_tenant text, p_actor text, p_reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v_removed bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(lifeboat.tenant_lock_key(p_tenant));
    PERFORM 1 FROM lifeboat.tenants t
    WHERE t.tenant_id = p_tenant AND t.state = 'Deleted' AND t.restore_id IS NULL
      AND t.state_changed_at < clock_timestamp() - (SELECT retention_window FROM lifeboat.settings)
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('lifeboat.removal', 'retention', true);
    v_removed := lifeboat.remove_tenant_data(p_tenant, p_actor, p_reason);
    PERFORM set_config('lifeboat.removal', '', true);
    RETURN v_removed;
END $$;

-- Approval of an erasure by a second person: never by its requester, however the name is written.
CREATE FUNCTION lifeboat.approve_erasure(p_erasure text, p_approver text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v_requester text;
    v_approved text;
BEGIN
    SELECT e.requested_by, e.approved_by INTO v_requester, v_approved FROM lifeboat.erasures e WHERE e.erasure_id = p_erasure FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LB404', MESSAGE = format('erasure %s does not exist', p_erasure);
    END IF;
    IF v_approved IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LB409', MESSAGE = format('erasure %s was already approved by %s', p_erasure, v_approved);
    END IF;
    IF lifeboat.principal_key(p_approver) = lifeboat.principal_key(v_requester) THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('%s requested erasure %s and cannot also approve it; a second person must', p_approver, p_erasure);
    END IF;
    UPDATE lifeboat.erasures SET approved_by = p_approver, approved_at = clock_timestamp() WHERE erasure_id = p_erasure;
END $$;

-- An approved erasure, run once: null when its tenant cannot be erased now (restoring, or purged).
CREATE FUNCTION lifeboat.erase_tenant(p_erasure text, p_actor text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    e lifeboat.erasures;
    v_removed bigint;
BEGIN
    SELECT * INTO e FROM lifeboat.erasures WHERE erasure_id = p_erasure FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LB404', MESSAGE = format('erasure %s does not exist', p_erasure);
    END IF;
    IF e.approved_by IS NULL OR lifeboat.principal_key(e.approved_by) = lifeboat.principal_key(e.requested_by) THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('erasure %s has no approval by a second person', p_erasure);
    END IF;
    IF e.executed_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LB409', MESSAGE = format('erasure %s already ran at %s', p_erasure, e.executed_at);
    END IF;
    PERFORM pg_advisory_xact_lock(lifeboat.tenant_lock_key(e.tenant_id));
    PERFORM 1 FROM lifeboat.tenants t WHERE t.tenant_id = e.tenant_id AND t.state <> 'Purged' AND t.restore_id IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('lifeboat.removal', 'erasure', true);
    v_removed := lifeboat.remove_tenant_data(e.tenant_id, p_actor, format('erased by %s', p_erasure));
    PERFORM set_config('lifeboat.removal', '', true);
    UPDATE lifeboat.erasures SET executed_by = p_actor, executed_at = clock_timestamp() WHERE erasure_id = p_erasure;
    RETURN v_removed;
END $$;


-- The breaker's limits and resets change through functions that write the audit log.
CREATE FUNCTION lifeboat.set_breaker_limits(p_limits jsonb, p_actor text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    v_before jsonb := (SELECT coalesce(jsonb_agg(to_jsonb(b) ORDER BY b.scope, b.action), '[]') FROM lifeboat.breaker_limits b);
BEGIN
    DELETE FROM lifeboat.breaker_limits;
    INSERT INTO lifeboat.breaker_limits (scope, action, max_count, window_seconds)
    SELECT l.scope, l.action, l.max_count, l.window_seconds FROM jsonb_to_recordset(p_limits) AS l(scope text, action text, max_count int, window_seconds int);
    INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details)
    VALUES (clock_timestamp(), p_actor, 'breaker.limits-changed', NULL, jsonb_build_object('reason', p_reason, 'before', v_before, 'after', p_limits));
END $$;

CREATE FUNCTION lifeboat.reset_breaker_trip(p_trip bigint, p_actor text, p_reason text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lifeboat AS $$
DECLARE
    t lifeboat.breaker_trips;
BEGIN
    UPDATE lifeboat.breaker_trips SET reset_by = p_actor, reset_at = clock_timestamp(), reset_reason = p_reason
    WHERE trip_id = p_trip AND reset_at IS NULL RETURNING * INTO t;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    -- Every scope the refused write counted in starts afresh.
    INSERT INTO lifeboat.breaker_resets (scope, scope_key, action, reset_at, trip_id)
    SELECT s.scope, s.scope_key, t.action, t.reset_at, t.trip_id
    FROM (VALUES ('actor', t.actor), ('operation', t.operation), ('environment', '')) s(scope, scope_key)
    WHERE s.scope_key IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details)
    VALUES (clock_timestamp(), p_actor, 'breaker.reset', t.tenant_id,
            jsonb_build_object('trip', t.trip_id, 'action', t.action, 'scope', t.scope, 'scopeKey', t.scope_key, 'reason', p_reason));
    RETURN true;
END $$;

-- Trigger functions that write the destructive-event log run as the owner (the application role
-- cannot write the log directly), and so does the breaker's check on it.
ALTER FUNCTION lifeboat.record_tenant_removal() SECURITY DEFINER SET search_path = pg_catalog, lifeboat;

-- ---------------------------------------------------------------------------------------------
-- What the application role may do. Nothing when the role does not exist (one role for both).
-- ---------------------------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RAISE NOTICE 'no role lifeboat_app: the store runs as the role that migrated it, and cannot hold that role to its invariants';
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA lifeboat TO lifeboat_app;
    GRANT SELECT ON ALL TABLES IN SCHEMA lifeboat TO lifeboat_app;
    GRANT SELECT ON ALL SEQUENCES IN SCHEMA lifeboat TO lifeboat_app;
    GRANT INSERT, UPDATE ON lifeboat.records, lifeboat.tenants, lifeboat.restores TO lifeboat_app;
    GRANT INSERT ON lifeboat.tenant_history, lifeboat.collections, lifeboat.erasures, lifeboat.audit, lifeboat.breaker_trips TO lifeboat_app;
    GRANT USAGE ON SEQUENCE lifeboat.audit_audit_id_seq, lifeboat.breaker_trips_trip_id_seq TO lifeboat_app;
END $$;
