-- The tenant-safe store.
--
-- Every tenant-owned table has tenant_id first in its primary key and no foreign key to another
-- tenant's rows, so the tables can be distributed by tenant (Citus) unchanged.
-- Versions are never overwritten: records holds the current version of each record, and the
-- versioning trigger moves every superseded version into record_history (same columns, same order).

CREATE SCHEMA IF NOT EXISTS lifeboat;

-- The one global commit order. Every write transaction takes exactly one position, so a recovery
-- point never splits a transaction and means the same instant for every table of every tenant.
CREATE SEQUENCE lifeboat.commit_position AS bigint;

CREATE TABLE lifeboat.tenants (
    tenant_id        text PRIMARY KEY,
    state            text NOT NULL CHECK (state IN ('Active', 'Suspended', 'Deleted', 'Purged')),
    -- Set while a restore owns the tenant: the gate then reports the state as Restoring.
    restore_id       text NULL,
    created_position bigint NOT NULL,
    created_at       timestamptz NOT NULL,
    state_position   bigint NOT NULL,
    state_changed_at timestamptz NOT NULL
);

-- Lifecycle history, stamped in the same commit order as the data, so a restore to a point
-- also brings back the lifecycle state the tenant had at that point.
CREATE TABLE lifeboat.tenant_history (
    tenant_id text NOT NULL,
    position  bigint NOT NULL,
    stamp     timestamptz NOT NULL,
    state     text NOT NULL,
    actor     text NOT NULL,
    reason    text NULL,
    PRIMARY KEY (tenant_id, position)
);

-- Collections register the fields they index, so two programs cannot map a field to different slots.
CREATE TABLE lifeboat.collections (
    name           text PRIMARY KEY,
    indexed_fields text[] NOT NULL
);

CREATE TABLE lifeboat.records (
    tenant_id   text        NOT NULL,
    collection  text        NOT NULL,
    record_id   text        NOT NULL,
    position    bigint      NOT NULL,
    stamp       timestamptz NOT NULL,
    actor       text        NOT NULL,
    deleted     boolean     NOT NULL,
    doc         jsonb       NULL,
    -- Up to three indexed fields per collection, in the order the collection declares them.
    ix1         text        NULL,
    ix2         text        NULL,
    ix3         text        NULL,
    -- Set when the record carries blob content: the SHA-256 of the bytes and their length.
    blob_sha256 bytea       NULL,
    blob_size   bigint      NULL,
    PRIMARY KEY (tenant_id, collection, record_id),
    CHECK (deleted = (doc IS NULL))
) WITH (fillfactor = 90);

CREATE INDEX records_ix1 ON lifeboat.records (tenant_id, collection, ix1) WHERE ix1 IS NOT NULL;
CREATE INDEX records_ix2 ON lifeboat.records (tenant_id, collection, ix2) WHERE ix2 IS NOT NULL;
CREATE INDEX records_ix3 ON lifeboat.records (tenant_id, collection, ix3) WHERE ix3 IS NOT NULL;
CREATE INDEX records_blob ON lifeboat.records (blob_sha256) WHERE blob_sha256 IS NOT NULL;

CREATE TABLE lifeboat.record_history (LIKE lifeboat.records INCLUDING CONSTRAINTS);
ALTER TABLE lifeboat.record_history ADD PRIMARY KEY (tenant_id, collection, record_id, position);
CREATE INDEX record_history_blob ON lifeboat.record_history (blob_sha256) WHERE blob_sha256 IS NOT NULL;

-- Destructive writes (tombstones, tenant deletions, purges, erasures), one row per write
-- transaction and kind, so detectors can watch the rate without scanning tenant data.
CREATE TABLE lifeboat.destructive_events (
    event_id   bigserial PRIMARY KEY,
    position   bigint      NOT NULL,
    stamp      timestamptz NOT NULL,
    tenant_id  text        NOT NULL,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    collection text        NULL,
    count      integer     NOT NULL
);

CREATE TABLE lifeboat.restores (
    restore_id       text PRIMARY KEY,
    tenant_id        text        NOT NULL,
    target_position  bigint      NULL,
    target_time      timestamptz NULL,
    -- Every write of this restore comes after this position, so restoring to it undoes the restore.
    undo_position    bigint      NOT NULL,
    prior_state      text        NOT NULL,
    actor            text        NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NULL,
    outcome          text        NULL,
    superseded       text        NULL,
    CHECK ((target_position IS NULL) <> (target_time IS NULL))
);
CREATE INDEX restores_tenant ON lifeboat.restores (tenant_id, started_at);

CREATE TABLE lifeboat.erasures (
    erasure_id   text PRIMARY KEY,
    tenant_id    text        NOT NULL,
    requested_by text        NOT NULL,
    reason       text        NOT NULL,
    requested_at timestamptz NOT NULL,
    approved_by  text        NULL,
    approved_at  timestamptz NULL,
    executed_by  text        NULL,
    executed_at  timestamptz NULL,
    CHECK (approved_by IS NULL OR approved_by <> requested_by)
);

-- Append-only record of every removal of data (purge, erase) and of their approvals.
CREATE TABLE lifeboat.audit (
    audit_id  bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL,
    action    text        NOT NULL,
    tenant_id text        NULL,
    details   jsonb       NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- The gate. Every write of tenant data calls gate_write; every read calls gate_read.
-- Writers hold a shared advisory lock on their tenant until commit; lifecycle changes and restores
-- take it exclusively, so they wait only for that tenant's in-flight writers and never for others.
-- ---------------------------------------------------------------------------------------------

-- Errors about a tenant's state carry the state in their SQLSTATE (LBS + two letters), since
-- clients may not see DETAIL.
CREATE FUNCTION lifeboat.state_error_code(p_state text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_state WHEN 'Active' THEN 'LBSAC' WHEN 'Suspended' THEN 'LBSSU' WHEN 'Deleted' THEN 'LBSDE'
                        WHEN 'Restoring' THEN 'LBSRE' ELSE 'LBSPU' END
$$;

CREATE FUNCTION lifeboat.tenant_lock_key(p_tenant text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtextextended(p_tenant, 7001) $$;

-- Takes (once per transaction) the commit position and stamp of the current transaction.
CREATE FUNCTION lifeboat.take_position(OUT pos bigint, OUT stamp timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v text := current_setting('lifeboat.txn_position', true);
BEGIN
    IF coalesce(v, '') = '' THEN
        pos := nextval('lifeboat.commit_position');
        stamp := clock_timestamp();
        PERFORM set_config('lifeboat.txn_position', pos::text, true);
        -- Kept as text: it round-trips exactly (a float would not, at microsecond precision).
        PERFORM set_config('lifeboat.txn_stamp', stamp::text, true);
    ELSE
        pos := v::bigint;
        stamp := current_setting('lifeboat.txn_stamp')::timestamptz;
    END IF;
END $$;

CREATE FUNCTION lifeboat.gate_write(p_tenant text, p_restore_id text DEFAULT NULL,
                                    OUT pos bigint, OUT stamp timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_restore text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(lifeboat.tenant_lock_key(p_tenant));
    SELECT t.state, t.restore_id INTO v_state, v_restore FROM lifeboat.tenants t WHERE t.tenant_id = p_tenant;
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
    SELECT p.pos, p.stamp INTO pos, stamp FROM lifeboat.take_position() p;
END $$;

CREATE FUNCTION lifeboat.gate_read(p_tenant text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_state text;
    v_restore text;
BEGIN
    SELECT t.state, t.restore_id INTO v_state, v_restore FROM lifeboat.tenants t WHERE t.tenant_id = p_tenant;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LB404', MESSAGE = format('tenant %s does not exist', p_tenant),
            HINT = 'Check the tenant ID.';
    END IF;
    -- A restore brings a Deleted tenant back: its data is readable once the restore owns it.
    IF v_restore IS NULL AND v_state IN ('Deleted', 'Purged') THEN
        RAISE EXCEPTION USING ERRCODE = lifeboat.state_error_code(v_state), MESSAGE = format('tenant %s is %s; its data cannot be read', p_tenant, v_state),
            HINT = CASE v_state WHEN 'Deleted' THEN 'Undelete or restore the tenant to read its data.' ELSE 'A purged tenant has no data left.' END;
    END IF;
    RETURN CASE WHEN v_restore IS NOT NULL THEN 'Restoring' ELSE v_state END;
END $$;

-- Lifecycle changes: exclusive on the tenant, so every in-flight write of the tenant has committed
-- before the state changes, and every later write sees the new state.
CREATE FUNCTION lifeboat.change_tenant_state(p_tenant text, p_from text[], p_to text, p_actor text, p_reason text,
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
    UPDATE lifeboat.tenants SET state = p_to, state_position = pos, state_changed_at = stamp WHERE tenant_id = p_tenant;
    INSERT INTO lifeboat.tenant_history (tenant_id, position, stamp, state, actor, reason) VALUES (p_tenant, pos, stamp, p_to, p_actor, p_reason);
    IF p_to IN ('Deleted', 'Purged') THEN
        INSERT INTO lifeboat.destructive_events (position, stamp, tenant_id, actor, action, count)
        VALUES (pos, stamp, p_tenant, p_actor, CASE p_to WHEN 'Deleted' THEN 'tenant.delete' ELSE 'tenant.purge' END, 1);
    END IF;
    changed := true;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Versioning: an update of a current record moves the superseded version into history.
-- Positions are taken before row locks, so two transactions writing one record can arrive out of
-- order: a version older than the current one goes straight into history instead of replacing it.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION lifeboat.keep_superseded_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.position > OLD.position THEN
        INSERT INTO lifeboat.record_history VALUES (OLD.*);
        RETURN NEW;
    ELSIF NEW.position = OLD.position THEN
        -- The same transaction wrote the record again: its earlier write was never visible.
        RETURN NEW;
    ELSE
        INSERT INTO lifeboat.record_history VALUES (NEW.*);
        RETURN NULL;
    END IF;
END $$;

CREATE TRIGGER records_keep_versions BEFORE UPDATE ON lifeboat.records
    FOR EACH ROW EXECUTE FUNCTION lifeboat.keep_superseded_version();

-- Nothing removes data but the retention job and an approved erasure; both announce themselves.
CREATE FUNCTION lifeboat.guard_removal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('lifeboat.removal', true), '') NOT IN ('retention', 'erasure') THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('rows of lifeboat.%s are never removed directly', TG_TABLE_NAME),
            HINT = 'Delete through the store (it writes a tombstone); only the retention job and an approved erasure remove data.';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER records_guard_removal BEFORE DELETE OR TRUNCATE ON lifeboat.records
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();
CREATE TRIGGER record_history_guard_removal BEFORE DELETE OR TRUNCATE ON lifeboat.record_history
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();
CREATE TRIGGER tenant_history_guard_removal BEFORE DELETE OR TRUNCATE ON lifeboat.tenant_history
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();
CREATE TRIGGER tenants_guard_removal BEFORE DELETE OR TRUNCATE ON lifeboat.tenants
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.guard_removal();

CREATE FUNCTION lifeboat.append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LB403', MESSAGE = format('lifeboat.%s is append-only', TG_TABLE_NAME);
END $$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON lifeboat.audit
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
