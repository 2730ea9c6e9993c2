-- What people think the cause is, and what they ruled out (with why): the handoff packet carries both, so
-- the next region does not chase what was ruled out hours ago.
CREATE TABLE incidents.hypotheses (
    incident_id    text        NOT NULL REFERENCES incidents.incidents (incident_id),
    hypothesis_id  bigint GENERATED ALWAYS AS IDENTITY,
    text           text        NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 1000),
    raised_at      timestamptz NOT NULL,
    raised_by      text        NOT NULL,
    ruled_out_at   timestamptz,
    ruled_out_by   text,
    ruled_out_why  text,
    PRIMARY KEY (incident_id, hypothesis_id),
    CONSTRAINT hypotheses_ruled_out CHECK ((ruled_out_at IS NULL) = (ruled_out_by IS NULL) AND (ruled_out_at IS NULL) = (ruled_out_why IS NULL))
);

CREATE TRIGGER hypotheses_no_delete BEFORE DELETE OR TRUNCATE ON incidents.hypotheses FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();

-- A handoff left unacknowledged past its time is escalated once: when, so it is not escalated again.
ALTER TABLE incidents.handoffs ADD COLUMN escalated_at timestamptz;
