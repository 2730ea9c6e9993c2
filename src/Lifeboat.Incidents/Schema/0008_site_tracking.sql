-- Per-site restore tracking: what people add about each affected site of an incident (its support engineer,
-- the customer's confirmation, the last note; every change is also on the timeline). The restore side (job,
-- state, validation) is not copied here: the desk reads it live from the platform's restore jobs.
CREATE TABLE incidents.site_tracking (
    incident_id        text        NOT NULL REFERENCES incidents.incidents (incident_id),
    site_id            text        NOT NULL CHECK (length(site_id) BETWEEN 1 AND 100),
    added_at           timestamptz NOT NULL,
    added_by           text        NOT NULL,
    engineer           text,
    confirmation       text        CHECK (confirmation IN ('confirmed', 'still-broken')),
    confirmed_by       text,
    confirmed_at       timestamptz,
    confirmation_note  text,
    last_note          text,
    updated_at         timestamptz NOT NULL,
    updated_by         text        NOT NULL,
    PRIMARY KEY (incident_id, site_id),
    CHECK ((confirmation IS NULL) = (confirmed_by IS NULL) AND (confirmation IS NULL) = (confirmed_at IS NULL))
);

CREATE TRIGGER site_tracking_no_delete BEFORE DELETE OR TRUNCATE ON incidents.site_tracking FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

-- As 0002: grant explicitly too, in case the application role appeared after the default privileges were set.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON incidents.site_tracking TO lifeboat_app;
END $$;
