-- A change freeze: while one is on, every change plan not tagged to its incident is refused (at submit,
-- at run, and before each target of a running plan). Lifting it ends the row; nothing is deleted.
CREATE TABLE platform.change_freezes (
    incident      text        NOT NULL,
    freeze_id     bigint GENERATED ALWAYS AS IDENTITY,
    reason        text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    -- Who to ask: the incident's commander, kept current by the incident module.
    contact       text        NOT NULL,
    begun_at      timestamptz NOT NULL,
    begun_by      text        NOT NULL,
    lifted_at     timestamptz,
    lifted_by     text,
    lift_reason   text,
    PRIMARY KEY (incident, freeze_id),
    CONSTRAINT change_freezes_lifted CHECK ((lifted_at IS NULL) = (lifted_by IS NULL) AND (lifted_at IS NULL) = (lift_reason IS NULL))
);

-- One freeze on per incident.
CREATE UNIQUE INDEX change_freezes_one_on ON platform.change_freezes (incident) WHERE lifted_at IS NULL;

-- A freeze is lifted, never removed (the application role's rights come from 0007's default privileges).
CREATE TRIGGER change_freezes_never_removed BEFORE DELETE OR TRUNCATE ON platform.change_freezes
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();

-- Which incident a plan's work belongs to: the tag that lets it through that incident's freeze.
ALTER TABLE platform.plans ADD COLUMN incident text;
