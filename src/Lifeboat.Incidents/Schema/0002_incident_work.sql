-- Who works on an incident and on what: participants (with region and shift), sub-streams with a lead,
-- a goal and a cadence of their own, and tasks that say what they are for. Keyed by the incident first,
-- like 0001; nothing is deleted: a task is done or dropped, a stream is closed, a participant stays.

CREATE TABLE incidents.participants (
    incident_id     text        NOT NULL REFERENCES incidents.incidents (incident_id),
    participant_id  bigint GENERATED ALWAYS AS IDENTITY,
    person          text        NOT NULL CHECK (length(btrim(person)) BETWEEN 1 AND 200),
    region          text        CHECK (region ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    shift           text        CHECK (shift ~ '^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9] UTC$'),
    joined_at       timestamptz NOT NULL,
    joined_by       text        NOT NULL,
    changed_at      timestamptz NOT NULL,
    changed_by      text        NOT NULL,
    PRIMARY KEY (incident_id, participant_id)
);

-- A person takes part once, under any spelling of their name (as the platform's two-person rules compare them).
CREATE UNIQUE INDEX participants_once_each ON incidents.participants (incident_id, lifeboat.principal_key(person));

CREATE TABLE incidents.streams (
    incident_id      text        NOT NULL REFERENCES incidents.incidents (incident_id),
    stream           text        NOT NULL CHECK (stream ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    lead             text        NOT NULL CHECK (length(btrim(lead)) BETWEEN 1 AND 200),
    goal             text        NOT NULL CHECK (length(btrim(goal)) BETWEEN 1 AND 500),
    cadence_minutes  integer     CHECK (cadence_minutes BETWEEN 1 AND 1440),
    opened_at        timestamptz NOT NULL,
    opened_by        text        NOT NULL,
    closed_at        timestamptz,
    closed_by        text,
    PRIMARY KEY (incident_id, stream),
    CONSTRAINT streams_closed CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);

CREATE TABLE incidents.tasks (
    incident_id       text        NOT NULL REFERENCES incidents.incidents (incident_id),
    task_number       integer     NOT NULL CHECK (task_number > 0),
    stream            text,
    owner             text        CHECK (length(btrim(owner)) BETWEEN 1 AND 200),
    purpose           text        NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 500),
    action            text        NOT NULL CHECK (length(btrim(action)) BETWEEN 1 AND 500),
    due_at            timestamptz,
    state             text        NOT NULL CHECK (state IN ('open', 'done', 'dropped')),
    state_reason      text,
    created_at        timestamptz NOT NULL,
    created_by        text        NOT NULL,
    state_changed_at  timestamptz,
    state_changed_by  text,
    -- The runbook checklist item the task was claimed from (0003 adds the items).
    checklist_item    text,
    PRIMARY KEY (incident_id, task_number),
    FOREIGN KEY (incident_id, stream) REFERENCES incidents.streams (incident_id, stream),
    CONSTRAINT tasks_state_changed CHECK ((state = 'open') = (state_changed_at IS NULL) AND (state_changed_at IS NULL) = (state_changed_by IS NULL)),
    CONSTRAINT tasks_dropped_with_reason CHECK ((state = 'dropped') = (state_reason IS NOT NULL))
);

CREATE INDEX tasks_open_by_owner ON incidents.tasks (incident_id, lifeboat.principal_key(owner)) WHERE state = 'open';

-- Which timeline events are a stream's own updates (its cadence clock restarts at each).
CREATE TABLE incidents.stream_updates (
    incident_id  text   NOT NULL,
    stream       text   NOT NULL,
    event_id     bigint NOT NULL,
    PRIMARY KEY (incident_id, stream, event_id),
    FOREIGN KEY (incident_id, stream) REFERENCES incidents.streams (incident_id, stream),
    FOREIGN KEY (incident_id, event_id) REFERENCES incidents.timeline (incident_id, event_id)
);

CREATE TRIGGER participants_no_delete BEFORE DELETE OR TRUNCATE ON incidents.participants FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER streams_no_delete BEFORE DELETE OR TRUNCATE ON incidents.streams FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER tasks_no_delete BEFORE DELETE OR TRUNCATE ON incidents.tasks FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER stream_updates_no_delete BEFORE DELETE OR TRUNCATE ON incidents.stream_updates FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

-- 0001's default privileges cover tables the owner creates later; granted again for a database whose
-- application role appeared after 0001 ran.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON incidents.participants, incidents.streams, incidents.tasks, incidents.stream_updates TO lifeboat_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA incidents TO lifeboat_app;
END $$;
