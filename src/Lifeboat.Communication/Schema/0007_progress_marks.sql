-- What the product has already drafted from an incident's progress ("phase:restoring", "share:40", "customer-back:acct_…"),
-- so each mark is drafted once however often the progress is read, and by one worker however many run.
CREATE TABLE comms.progress_marks (
    incident_id    text        NOT NULL REFERENCES incidents.incidents (incident_id),
    mark           text        NOT NULL CHECK (length(mark) BETWEEN 1 AND 120),
    update_number  integer,
    marked_at      timestamptz NOT NULL,
    PRIMARY KEY (incident_id, mark),
    FOREIGN KEY (incident_id, update_number) REFERENCES comms.updates (incident_id, update_number)
);

CREATE TRIGGER progress_marks_no_delete BEFORE DELETE OR TRUNCATE ON comms.progress_marks FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.progress_marks TO lifeboat_app;
END $$;
