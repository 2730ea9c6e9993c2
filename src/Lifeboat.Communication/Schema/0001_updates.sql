-- The communication module's own schema. Every table is keyed by the incident first, so an incident's rows
-- stay together and every predicate names it. Nothing is deleted, and a published update never changes:
-- a correction is a new update that points at the one it corrects.
CREATE SCHEMA comms;

CREATE FUNCTION comms.refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'communication records are never deleted (%.%): withdraw a draft, or publish a correction of an update',
        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBCOM';
END
$$;

-- An update: drafted (by a person or by the product from the restore's progress), approved by the
-- communications lead or the commander, double-checked by another person, then published. Its text is
-- rendered from a template with the figures of the moment it was drafted, kept beside it (figures).
CREATE TABLE comms.updates (
    incident_id    text        NOT NULL REFERENCES incidents.incidents (incident_id),
    update_number  integer     NOT NULL CHECK (update_number >= 1),
    stream         text,
    audience       text        NOT NULL CHECK (audience IN ('internal', 'public', 'customer')),
    account_id     text,
    phase          text        NOT NULL CHECK (phase IN ('investigating', 'identified', 'restoring', 'monitoring', 'recovered')),
    label          text        NOT NULL CHECK (label ~ '^\[[A-Z][a-z]+( [0-9]{1,3}%)?\]$'),
    language       text        NOT NULL CHECK (language ~ '^[a-z]{2}$'),
    template       text        NOT NULL,
    message        text        NOT NULL CHECK (length(message) <= 4000),
    subject        text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body           text        NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    figures        jsonb       NOT NULL,
    corrects       integer,
    state          text        NOT NULL CHECK (state IN ('draft', 'approved', 'published', 'withdrawn')),
    origin         text        NOT NULL CHECK (origin IN ('person', 'progress')),
    drafted_at     timestamptz NOT NULL,
    drafted_by     text        NOT NULL,
    approved_at    timestamptz,
    approved_by    text,
    checked_at     timestamptz,
    checked_by     text,
    published_at   timestamptz,
    published_by   text,
    withdrawn_at   timestamptz,
    withdrawn_by   text,
    withdrawn_reason text,
    PRIMARY KEY (incident_id, update_number),
    FOREIGN KEY (incident_id, corrects) REFERENCES comms.updates (incident_id, update_number),
    CHECK ((audience = 'customer') = (account_id IS NOT NULL)),
    CHECK (body LIKE label || '%'),
    CHECK (state <> 'published' OR (approved_by IS NOT NULL AND checked_by IS NOT NULL AND published_at IS NOT NULL AND checked_by <> approved_by))
);

CREATE INDEX updates_published ON comms.updates (incident_id, published_at) WHERE state = 'published';
CREATE INDEX updates_of_account ON comms.updates (account_id, incident_id) WHERE account_id IS NOT NULL;

-- What was published is what was said: a published update never changes, and a withdrawn draft stays withdrawn.
CREATE FUNCTION comms.updates_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state IN ('published', 'withdrawn') THEN
        RAISE EXCEPTION 'update % of incident % is % and cannot change: publish a correction that points at it instead',
            OLD.update_number, OLD.incident_id, OLD.state USING ERRCODE = 'LBCOM';
    END IF;
    IF (NEW.incident_id, NEW.update_number, NEW.audience, NEW.account_id, NEW.drafted_at, NEW.drafted_by, NEW.origin, NEW.corrects)
        IS DISTINCT FROM (OLD.incident_id, OLD.update_number, OLD.audience, OLD.account_id, OLD.drafted_at, OLD.drafted_by, OLD.origin, OLD.corrects) THEN
        RAISE EXCEPTION 'update % of incident %: who drafted it, for whom and what it corrects never change', OLD.update_number, OLD.incident_id
            USING ERRCODE = 'LBCOM';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER updates_settled BEFORE UPDATE ON comms.updates FOR EACH ROW EXECUTE FUNCTION comms.updates_settled();
CREATE TRIGGER updates_no_delete BEFORE DELETE OR TRUNCATE ON comms.updates FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

-- The module's outbox: what happened to updates (drafted, published, ...), written in the transaction of
-- the change, read in order by each consumer (webhooks, mail, status pages) from its own cursor.
CREATE TABLE comms.events (
    position     bigserial   PRIMARY KEY,
    event_type   text        NOT NULL CHECK (event_type ~ '^[a-z]+(\.[a-z-]+)+$'),
    incident_id  text        REFERENCES incidents.incidents (incident_id),
    account_id   text,
    site_id      text,
    payload      jsonb       NOT NULL,
    at           timestamptz NOT NULL
);

CREATE TABLE comms.event_cursors (
    consumer    text        PRIMARY KEY CHECK (consumer ~ '^[a-z][a-z0-9-]{0,39}$'),
    position    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TRIGGER events_no_delete BEFORE DELETE OR TRUNCATE ON comms.events FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE FUNCTION comms.refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an event of the outbox is what happened and cannot be rewritten (%.%)', TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBCOM';
END
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE ON comms.events FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_rewrite();

-- The application role (see the store's 0007_roles.sql) reads, adds and updates; it never deletes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA comms TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA comms TO lifeboat_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA comms TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA comms GRANT SELECT, INSERT, UPDATE ON TABLES TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA comms GRANT USAGE, SELECT ON SEQUENCES TO lifeboat_app;
END $$;
