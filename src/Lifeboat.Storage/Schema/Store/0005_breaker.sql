-- The breaker: a limit on the rate of destruction, checked in the transaction of each destructive
-- write, whatever wrote it and however fast.
--
-- A detector that looks every few seconds sees a burst only after it happened: a 15-site plan
-- finished in 150 ms, before any check. Here the write that would take a rate over its limit is
-- refused in its own transaction, before it commits: per actor (who writes), per operation (the
-- plan that writes, when the writer declares one) and per environment. A refusal is recorded as a
-- trip (by the store, outside the refused transaction), and while a trip is open every further
-- destructive write in its scope is refused too, until a person resets it.

CREATE TABLE lifeboat.breaker_limits (
    scope          text    NOT NULL CHECK (scope IN ('actor', 'operation', 'environment')),
    -- 'tenant.delete', 'record.delete' (tombstones of any collection) or 'record.delete:<collection>'
    -- (which, when present, applies to that collection instead of 'record.delete').
    action         text    NOT NULL,
    max_count      integer NOT NULL CHECK (max_count >= 1),
    window_seconds integer NOT NULL CHECK (window_seconds BETWEEN 1 AND 86400),
    PRIMARY KEY (scope, action)
);

-- No limit by default: the store is the mechanism; the platform sets the limits its policy says
-- (by default the floors the anomaly detector alerts above) when it opens.

CREATE TABLE lifeboat.breaker_trips (
    trip_id        bigserial PRIMARY KEY,
    scope          text        NOT NULL,
    -- The actor or the operation the limit applies to ('' for the environment).
    scope_key      text        NOT NULL,
    action         text        NOT NULL,
    max_count      integer     NOT NULL,
    window_seconds integer     NOT NULL,
    -- How many writes the refused one would have made it, in the window.
    refused_count  integer     NOT NULL,
    tenant_id      text        NOT NULL,
    actor          text        NOT NULL,
    operation      text        NULL,
    tripped_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    reset_by       text        NULL,
    reset_at       timestamptz NULL,
    reset_reason   text        NULL,
    CHECK ((reset_by IS NULL) = (reset_at IS NULL))
);
-- One open trip per scope: a second refusal in an open scope is the same trip.
CREATE UNIQUE INDEX breaker_trips_open ON lifeboat.breaker_trips (scope, scope_key, action) WHERE reset_at IS NULL;

-- When a person reset a trip, every scope of the refused write starts counting afresh: whoever
-- reset it accepted the writes before.
CREATE TABLE lifeboat.breaker_resets (
    scope     text        NOT NULL,
    scope_key text        NOT NULL,
    action    text        NOT NULL,
    reset_at  timestamptz NOT NULL,
    trip_id   bigint      NOT NULL,
    PRIMARY KEY (scope, scope_key, action, reset_at)
);

CREATE INDEX destructive_events_recent_action ON lifeboat.destructive_events (action, recorded_at);

-- A restore's tombstones are logged (the detector sees every tombstone) but not counted against a
-- limit: the breaker sets this, from the tenant's state, not from anything the writer says.
ALTER TABLE lifeboat.destructive_events ADD COLUMN by_restore boolean NOT NULL DEFAULT false;

CREATE FUNCTION lifeboat.check_breaker() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_key   text := CASE WHEN NEW.collection IS NULL THEN NEW.action ELSE NEW.action || ':' || NEW.collection END;
    l       record;
    v_scope text;
    v_count bigint;
BEGIN
    NEW.recorded_at := clock_timestamp();
    -- A tenant a restore owns is written by that restore alone (the gate refuses everyone else):
    -- its tombstones put the tenant back as it was, and undoing damage is not damage.
    IF EXISTS (SELECT 1 FROM lifeboat.tenants t WHERE t.tenant_id = NEW.tenant_id AND t.restore_id IS NOT NULL) THEN
        NEW.by_restore := true;
        RETURN NEW;
    END IF;
    NEW.by_restore := false;

    -- Per scope, the limit of this collection when there is one, else the action's.
    FOR l IN SELECT DISTINCT ON (b.scope) b.scope, b.action, b.max_count, b.window_seconds
             FROM lifeboat.breaker_limits b
             WHERE b.action = v_key OR b.action = NEW.action
             ORDER BY b.scope, (b.action = v_key) DESC
    LOOP
        v_scope := CASE l.scope WHEN 'actor' THEN NEW.actor WHEN 'operation' THEN NEW.operation ELSE '' END;
        CONTINUE WHEN v_scope IS NULL; -- no operation declared

        -- Writers in one actor's or one operation's scope take turns until they commit, so two of
        -- them cannot both pass a limit only one of them may. The environment's scope is not
        -- serialized (it would make every deletion of the environment wait for the one before);
        -- there, writes running at the same instant may pass the limit by as many as run at once.
        IF l.scope <> 'environment' THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('lifeboat.breaker/' || l.scope || '/' || v_scope || '/' || l.action, 7600));
        END IF;

        IF EXISTS (SELECT 1 FROM lifeboat.breaker_trips tr
                   WHERE tr.reset_at IS NULL AND tr.scope = l.scope AND tr.scope_key = v_scope AND tr.action = l.action) THEN
            RAISE EXCEPTION USING ERRCODE = 'LBBRK',
                MESSAGE = format('the breaker is open for %s of %s: destructive writes in its scope are refused until a person resets it',
                                 l.action, CASE l.scope WHEN 'environment' THEN 'the environment' ELSE l.scope || ' ' || v_scope END),
                DETAIL = json_build_object('scope', l.scope, 'scopeKey', v_scope, 'action', l.action, 'maxCount', l.max_count,
                                           'windowSeconds', l.window_seconds, 'count', NULL, 'open', true,
                                           'tenant', NEW.tenant_id, 'actor', NEW.actor, 'operation', NEW.operation)::text,
                HINT = 'See why with lifeboat breaker list; reset the trip once the cause is understood.';
        END IF;

        -- Writes before the scope's last reset are not counted: whoever reset it accepted them.
        SELECT coalesce(sum(e.count), 0) INTO v_count
        FROM lifeboat.destructive_events e
        WHERE e.action = NEW.action AND NOT e.by_restore
          AND e.recorded_at > greatest(NEW.recorded_at - make_interval(secs => l.window_seconds),
                                       (SELECT max(r.reset_at) FROM lifeboat.breaker_resets r
                                        WHERE r.scope = l.scope AND r.scope_key = v_scope AND r.action = l.action))
          AND (l.action = NEW.action OR e.collection = NEW.collection)
          AND (l.scope <> 'actor' OR e.actor = NEW.actor)
          AND (l.scope <> 'operation' OR e.operation = NEW.operation);

        IF v_count + NEW.count > l.max_count THEN
            RAISE EXCEPTION USING ERRCODE = 'LBBRK',
                MESSAGE = format('refused: %s %s writes by %s within %s s would pass the limit of %s',
                                 v_count + NEW.count, l.action,
                                 CASE l.scope WHEN 'environment' THEN 'the whole environment' ELSE l.scope || ' ' || v_scope END,
                                 l.window_seconds, l.max_count),
                DETAIL = json_build_object('scope', l.scope, 'scopeKey', v_scope, 'action', l.action, 'maxCount', l.max_count,
                                           'windowSeconds', l.window_seconds, 'count', v_count + NEW.count, 'open', false,
                                           'tenant', NEW.tenant_id, 'actor', NEW.actor, 'operation', NEW.operation)::text,
                HINT = 'Nothing of this write was committed. Find what is destroying data; if the rate is intended, change the limit in the policy.';
        END IF;
    END LOOP;
    RETURN NEW;
END $$;

CREATE TRIGGER destructive_events_breaker BEFORE INSERT ON lifeboat.destructive_events
    FOR EACH ROW EXECUTE FUNCTION lifeboat.check_breaker();
