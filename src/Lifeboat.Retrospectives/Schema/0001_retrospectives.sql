-- The retrospectives module's own schema. Every table is keyed by the incident first, like incidents and comms.
-- Nothing is deleted: a draft written again is a new draft, a KPT entry is edited by a new revision, an action
-- is done or dropped, never removed. Triggers refuse DELETE and TRUNCATE for every role, the owner too.
CREATE SCHEMA retro;

CREATE FUNCTION retro.refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'retrospective records are never deleted (%.%): revise a KPT entry, drop an action with a reason, or write the draft again',
        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBRET';
END
$$;

CREATE FUNCTION retro.refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a retrospective''s history cannot be rewritten (%.%): add a new revision or a new draft instead',
        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBRET';
END
$$;

-- One retrospective per incident: opened by the product when the incident resolved, or by a person (a drill's).
CREATE TABLE retro.retrospectives (
    incident_id    text        PRIMARY KEY REFERENCES incidents.incidents (incident_id),
    drill          boolean     NOT NULL,
    opened_at      timestamptz NOT NULL,
    opened_by      text        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('open', 'completed')),
    completed_at   timestamptz,
    completed_by   text,
    CHECK ((state = 'completed') = (completed_at IS NOT NULL AND completed_by IS NOT NULL))
);

-- The drafts the product wrote: the timeline, the figures with the instants they were measured between, the
-- roles and handoffs, as of when each was written. The newest is the retrospective's draft.
CREATE TABLE retro.drafts (
    incident_id    text        NOT NULL REFERENCES retro.retrospectives (incident_id),
    draft_number   integer     NOT NULL CHECK (draft_number >= 1),
    written_at     timestamptz NOT NULL,
    written_by     text        NOT NULL,
    content        jsonb       NOT NULL,
    PRIMARY KEY (incident_id, draft_number)
);

-- KPT: an entry is Keep, Problem or Try by its author; its text lives in revisions, the newest being the text.
CREATE TABLE retro.entries (
    incident_id    text        NOT NULL REFERENCES retro.retrospectives (incident_id),
    entry_number   integer     NOT NULL CHECK (entry_number >= 1),
    kind           text        NOT NULL CHECK (kind IN ('keep', 'problem', 'try')),
    author         text        NOT NULL,
    written_at     timestamptz NOT NULL,
    PRIMARY KEY (incident_id, entry_number)
);

CREATE TABLE retro.entry_revisions (
    incident_id    text        NOT NULL,
    entry_number   integer     NOT NULL,
    revision       integer     NOT NULL CHECK (revision >= 1),
    text           text        NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 2000),
    written_at     timestamptz NOT NULL,
    written_by     text        NOT NULL,
    PRIMARY KEY (incident_id, entry_number, revision),
    FOREIGN KEY (incident_id, entry_number) REFERENCES retro.entries (incident_id, entry_number)
);

-- Mackerel's five kinds of action, each with an owner, a due date, a state, and the evidence that closed it.
-- A drill report that closed one is kept beside it, as it was given.
CREATE TABLE retro.actions (
    incident_id    text        NOT NULL REFERENCES retro.retrospectives (incident_id),
    action_number  integer     NOT NULL CHECK (action_number >= 1),
    kind           text        NOT NULL CHECK (kind IN ('confirm-cause', 'make-fix-permanent', 'prevent-recurrence', 'detect-sooner', 'recover-faster')),
    title          text        NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    owner          text        NOT NULL,
    due            date        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('open', 'done', 'dropped')),
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL,
    closed_at      timestamptz,
    closed_by      text,
    drop_reason    text        CHECK (length(drop_reason) <= 2000),
    evidence_kind  text        CHECK (evidence_kind IN ('text', 'url', 'drill')),
    evidence       text        CHECK (length(evidence) <= 4000),
    drill_report   jsonb,
    PRIMARY KEY (incident_id, action_number),
    CHECK ((state = 'open') = (closed_at IS NULL)),
    CHECK ((state = 'dropped') = (drop_reason IS NOT NULL)),
    CHECK ((state = 'done') = (evidence_kind IS NOT NULL AND evidence IS NOT NULL)),
    CHECK ((evidence_kind IS NOT DISTINCT FROM 'drill') = (drill_report IS NOT NULL)),
    CHECK (evidence_kind IS DISTINCT FROM 'drill' OR kind IN ('detect-sooner', 'recover-faster'))
);

-- A done or dropped action stays so, and what it is never changes.
CREATE FUNCTION retro.actions_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state <> 'open' THEN
        RAISE EXCEPTION 'action % of incident % is % and cannot change', OLD.action_number, OLD.incident_id, OLD.state USING ERRCODE = 'LBRET';
    END IF;
    IF (NEW.incident_id, NEW.action_number, NEW.kind, NEW.created_at, NEW.created_by)
        IS DISTINCT FROM (OLD.incident_id, OLD.action_number, OLD.kind, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'action % of incident %: its kind and who created it never change', OLD.action_number, OLD.incident_id USING ERRCODE = 'LBRET';
    END IF;
    RETURN NEW;
END
$$;

-- "Not needed", with a reason: the explicit answer for a kind that gets no action.
CREATE TABLE retro.kinds_not_needed (
    incident_id    text        NOT NULL REFERENCES retro.retrospectives (incident_id),
    kind           text        NOT NULL CHECK (kind IN ('confirm-cause', 'make-fix-permanent', 'prevent-recurrence', 'detect-sooner', 'recover-faster')),
    reason         text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 10 AND 2000),
    decided_at     timestamptz NOT NULL,
    decided_by     text        NOT NULL,
    PRIMARY KEY (incident_id, kind)
);

-- Each reminder of an action's due date fires once: the key is the action and which reminder it is.
CREATE TABLE retro.action_reminders (
    incident_id    text        NOT NULL,
    action_number  integer     NOT NULL,
    reminder       text        NOT NULL CHECK (reminder IN ('two-days-before', 'due-today')),
    fired_at       timestamptz NOT NULL,
    text           text        NOT NULL,
    PRIMARY KEY (incident_id, action_number, reminder),
    FOREIGN KEY (incident_id, action_number) REFERENCES retro.actions (incident_id, action_number)
);

CREATE TRIGGER actions_settled BEFORE UPDATE ON retro.actions FOR EACH ROW EXECUTE FUNCTION retro.actions_settled();
CREATE TRIGGER drafts_no_rewrite BEFORE UPDATE ON retro.drafts FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_rewrite();
CREATE TRIGGER entries_no_rewrite BEFORE UPDATE ON retro.entries FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_rewrite();
CREATE TRIGGER entry_revisions_no_rewrite BEFORE UPDATE ON retro.entry_revisions FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_rewrite();
CREATE TRIGGER kinds_not_needed_no_rewrite BEFORE UPDATE ON retro.kinds_not_needed FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_rewrite();
CREATE TRIGGER action_reminders_no_rewrite BEFORE UPDATE ON retro.action_reminders FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_rewrite();

CREATE TRIGGER retrospectives_no_delete BEFORE DELETE OR TRUNCATE ON retro.retrospectives FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER drafts_no_delete BEFORE DELETE OR TRUNCATE ON retro.drafts FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER entries_no_delete BEFORE DELETE OR TRUNCATE ON retro.entries FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER entry_revisions_no_delete BEFORE DELETE OR TRUNCATE ON retro.entry_revisions FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER actions_no_delete BEFORE DELETE OR TRUNCATE ON retro.actions FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER kinds_not_needed_no_delete BEFORE DELETE OR TRUNCATE ON retro.kinds_not_needed FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();
CREATE TRIGGER action_reminders_no_delete BEFORE DELETE OR TRUNCATE ON retro.action_reminders FOR EACH STATEMENT EXECUTE FUNCTION retro.refuse_removal();

-- The application role (see the store's 0007_roles.sql) reads, adds and updates; it never deletes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA retro TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA retro TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA retro GRANT SELECT, INSERT, UPDATE ON TABLES TO lifeboat_app;
END $$;
