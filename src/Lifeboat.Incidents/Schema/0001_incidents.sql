-- The incidents module's own schema. Every table is keyed by the incident first, so an incident's rows
-- stay together and every predicate names the incident. Nothing is ever deleted: incidents are closed
-- or merged, role holdings end, handoffs are acknowledged, timeline events stay (only their pin changes).
CREATE SCHEMA incidents;

CREATE TABLE incidents.incidents (
    incident_id   text PRIMARY KEY,
    title         text        NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    type          text        NOT NULL CHECK (type ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    severity      smallint    NOT NULL CHECK (severity BETWEEN 1 AND 4),
    visibility    text        NOT NULL CHECK (visibility IN ('public', 'restricted')),
    phase         text        NOT NULL CHECK (phase IN ('investigating', 'identified', 'restoring', 'monitoring', 'resolved', 'closed')),
    alert_id      text,
    plan_id       text,
    site_ids      text[]      NOT NULL DEFAULT '{}',
    duplicate_of  text REFERENCES incidents.incidents (incident_id),
    declared_at   timestamptz NOT NULL,
    declared_by   text        NOT NULL,
    changed_at    timestamptz NOT NULL,
    changed_by    text        NOT NULL,
    -- A duplicate is closed and points elsewhere.
    CONSTRAINT incidents_duplicate_closed CHECK (duplicate_of IS NULL OR (duplicate_of <> incident_id AND phase = 'closed'))
);

CREATE TABLE incidents.role_holdings (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    holding_id   bigint GENERATED ALWAYS AS IDENTITY,
    role         text        NOT NULL CHECK (role IN ('commander', 'approver', 'contributor', 'informed', 'scribe', 'communications-lead', 'support-lead')),
    slot         text        NOT NULL CHECK (slot IN ('holder', 'backup')),
    person       text        NOT NULL CHECK (length(btrim(person)) BETWEEN 1 AND 200),
    held_from    timestamptz NOT NULL,
    assigned_by  text        NOT NULL,
    held_until   timestamptz,
    ended_by     text,
    PRIMARY KEY (incident_id, holding_id),
    -- Contributors and the informed are many; they have no backups.
    CONSTRAINT role_holdings_backup_single CHECK (slot = 'holder' OR role NOT IN ('contributor', 'informed')),
    CONSTRAINT role_holdings_ended CHECK ((held_until IS NULL) = (ended_by IS NULL))
);

-- Exactly one holder (and one backup) of each single-holder role at a time: of two people assigning at
-- once, the database lets one in and refuses the other, whatever the code read before.
CREATE UNIQUE INDEX role_holdings_one_holder ON incidents.role_holdings (incident_id, role, slot)
    WHERE held_until IS NULL AND role NOT IN ('contributor', 'informed');

-- A person is a contributor (or informed) once, under any spelling of their name.
CREATE UNIQUE INDEX role_holdings_once_each ON incidents.role_holdings (incident_id, role, lifeboat.principal_key(person))
    WHERE held_until IS NULL AND role IN ('contributor', 'informed');

CREATE TABLE incidents.handoffs (
    incident_id      text        NOT NULL REFERENCES incidents.incidents (incident_id),
    handoff_id       bigint GENERATED ALWAYS AS IDENTITY,
    role             text        NOT NULL,
    slot             text        NOT NULL,
    from_person      text        NOT NULL,
    to_person        text        NOT NULL,
    packet           jsonb       NOT NULL,
    handed_at        timestamptz NOT NULL,
    handed_by        text        NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    PRIMARY KEY (incident_id, handoff_id),
    CONSTRAINT handoffs_acknowledged CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CONSTRAINT handoffs_to_someone_else CHECK (lifeboat.principal_key(from_person) <> lifeboat.principal_key(to_person))
);

CREATE INDEX handoffs_pending ON incidents.handoffs (incident_id, handoff_id) WHERE acknowledged_at IS NULL;

CREATE TABLE incidents.timeline (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    event_id     bigint GENERATED ALWAYS AS IDENTITY,
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    source       text        NOT NULL,
    kind         text        NOT NULL,
    text         text        NOT NULL,
    pinned_at    timestamptz,
    pinned_by    text,
    PRIMARY KEY (incident_id, event_id)
);

CREATE INDEX timeline_newest ON incidents.timeline (incident_id, at DESC, event_id DESC);

-- Never hard-delete, for every role: the application role has no DELETE, and this refuses the owner too.
CREATE FUNCTION incidents.refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'incident data is never deleted (%.%): close an incident, merge it as a duplicate, or end a role holding instead',
        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBINC';
END
$$;

CREATE TRIGGER incidents_no_delete BEFORE DELETE OR TRUNCATE ON incidents.incidents FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER role_holdings_no_delete BEFORE DELETE OR TRUNCATE ON incidents.role_holdings FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER handoffs_no_delete BEFORE DELETE OR TRUNCATE ON incidents.handoffs FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER timeline_no_delete BEFORE DELETE OR TRUNCATE ON incidents.timeline FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

-- A timeline event is what happened: only its pin may change afterwards.
CREATE FUNCTION incidents.timeline_pin_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.incident_id, NEW.event_id, NEW.at, NEW.actor, NEW.source, NEW.kind, NEW.text)
        IS DISTINCT FROM (OLD.incident_id, OLD.event_id, OLD.at, OLD.actor, OLD.source, OLD.kind, OLD.text) THEN
        RAISE EXCEPTION 'a timeline event cannot be rewritten (incident %, event %): add a note instead', OLD.incident_id, OLD.event_id
            USING ERRCODE = 'LBINC';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER timeline_pin_only BEFORE UPDATE ON incidents.timeline FOR EACH ROW EXECUTE FUNCTION incidents.timeline_pin_only();

-- The application role (see the store's 0007_roles.sql) reads, adds and updates; it never deletes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA incidents TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA incidents TO lifeboat_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA incidents TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA incidents GRANT SELECT, INSERT, UPDATE ON TABLES TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA incidents GRANT USAGE, SELECT ON SEQUENCES TO lifeboat_app;
END $$;
