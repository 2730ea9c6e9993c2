-- Streams a restore job opened (one per region, or per batch, of the job's sites that the incident has): linked to the
-- job and to their sites, so their progress is read live from the platform's restore_job_sites, never copied here.
ALTER TABLE incidents.streams
    ADD COLUMN restore_job_id text CHECK (length(restore_job_id) BETWEEN 1 AND 100),
    ADD COLUMN site_ids       text[],
    ADD CONSTRAINT streams_restore_sites CHECK ((restore_job_id IS NULL) = (site_ids IS NULL) AND (site_ids IS NULL OR cardinality(site_ids) >= 1));

CREATE INDEX streams_by_restore_job ON incidents.streams (incident_id, restore_job_id) WHERE restore_job_id IS NOT NULL;

-- A restore job the evidence pass found for an incident no commander leads yet: its streams wait for one, and the
-- timeline says so once (this row), not at every pass.
CREATE TABLE incidents.restore_stream_waits (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    job_id       text        NOT NULL CHECK (length(job_id) BETWEEN 1 AND 100),
    noted_at     timestamptz NOT NULL,
    PRIMARY KEY (incident_id, job_id)
);

CREATE TRIGGER restore_stream_waits_no_delete BEFORE DELETE OR TRUNCATE ON incidents.restore_stream_waits FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

-- A site restored with no customer update since is a reminder of its own, snoozed like the others.
ALTER TABLE incidents.snoozes DROP CONSTRAINT snoozes_kind_check;
ALTER TABLE incidents.snoozes ADD CONSTRAINT snoozes_kind_check
    CHECK (kind IN ('internal-update', 'customer-update', 'stream-update', 'progress', 'customer-not-updated'));

-- As 0002: grant explicitly too, in case the application role appeared after the default privileges were set.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON incidents.restore_stream_waits TO lifeboat_app;
END $$;
