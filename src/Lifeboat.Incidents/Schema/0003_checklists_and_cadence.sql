-- Runbooks posted as checklists at declaration, ticked by people or by evidence (a double-check item by a
-- second person too), and the state cadence reminders keep: snoozes with their reason, and the last
-- 10 % restore-progress step already reminded of. Keyed by the incident first; nothing is deleted.

CREATE TABLE incidents.checklist_items (
    incident_id   text        NOT NULL REFERENCES incidents.incidents (incident_id),
    item_id       text        NOT NULL CHECK (item_id ~ '^[a-z0-9][a-z0-9-]{0,59}$'),
    position      integer     NOT NULL CHECK (position > 0),
    runbook       text        NOT NULL,
    text          text        NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 500),
    evidence      text        CHECK (evidence IN ('restore-job-started', 'first-public-update-published', 'every-affected-site-validated', 'commander-named', 'freeze-on')),
    double_check  boolean     NOT NULL,
    task_number   integer,
    ticked_at     timestamptz,
    ticked_by     text,
    tick_source   text,
    checked_at    timestamptz,
    checked_by    text,
    PRIMARY KEY (incident_id, item_id),
    UNIQUE (incident_id, position),
    FOREIGN KEY (incident_id, task_number) REFERENCES incidents.tasks (incident_id, task_number),
    CONSTRAINT checklist_items_ticked CHECK ((ticked_at IS NULL) = (ticked_by IS NULL) AND (ticked_at IS NULL) = (tick_source IS NULL)),
    -- The second tick of a double-check item follows the first and is another person's.
    CONSTRAINT checklist_items_checked CHECK ((checked_at IS NULL) = (checked_by IS NULL)
        AND (checked_at IS NULL OR (double_check AND ticked_at IS NOT NULL AND lifeboat.principal_key(checked_by) <> lifeboat.principal_key(ticked_by))))
);

ALTER TABLE incidents.tasks
    ADD CONSTRAINT tasks_checklist_item FOREIGN KEY (incident_id, checklist_item) REFERENCES incidents.checklist_items (incident_id, item_id);

CREATE TABLE incidents.snoozes (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    snooze_id    bigint GENERATED ALWAYS AS IDENTITY,
    kind         text        NOT NULL CHECK (kind IN ('internal-update', 'customer-update', 'stream-update', 'progress')),
    stream       text,
    until        timestamptz NOT NULL,
    reason       text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    snoozed_at   timestamptz NOT NULL,
    snoozed_by   text        NOT NULL,
    PRIMARY KEY (incident_id, snooze_id),
    FOREIGN KEY (incident_id, stream) REFERENCES incidents.streams (incident_id, stream),
    CONSTRAINT snoozes_stream_kind CHECK ((kind = 'stream-update') = (stream IS NOT NULL)),
    CONSTRAINT snoozes_later CHECK (until > snoozed_at)
);

-- One row per incident: the restore-progress step (0 to 10, tenths of the affected sites) last reminded of.
CREATE TABLE incidents.progress_steps (
    incident_id   text        NOT NULL REFERENCES incidents.incidents (incident_id),
    step          smallint    NOT NULL CHECK (step BETWEEN 0 AND 10),
    reminded_at   timestamptz NOT NULL,
    PRIMARY KEY (incident_id)
);

CREATE TRIGGER checklist_items_no_delete BEFORE DELETE OR TRUNCATE ON incidents.checklist_items FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER snoozes_no_delete BEFORE DELETE OR TRUNCATE ON incidents.snoozes FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER progress_steps_no_delete BEFORE DELETE OR TRUNCATE ON incidents.progress_steps FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON incidents.checklist_items, incidents.snoozes, incidents.progress_steps TO lifeboat_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA incidents TO lifeboat_app;
END $$;
