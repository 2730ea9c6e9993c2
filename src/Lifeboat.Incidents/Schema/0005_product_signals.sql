-- What the product itself saw (a detector alert, a halted plan, a failed restore validation) and which
-- incident it declared or joined. A signal is taken once (its key is unique), and signals that share a
-- cause (the same alert, the same plan) join the incident already open for it.
CREATE TABLE incidents.causes (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    cause        text        NOT NULL CHECK (length(cause) BETWEEN 1 AND 200),
    added_at     timestamptz NOT NULL,
    PRIMARY KEY (incident_id, cause)
);

CREATE INDEX causes_by_cause ON incidents.causes (cause);

CREATE TABLE incidents.signals (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    signal_key   text        NOT NULL CHECK (length(signal_key) BETWEEN 1 AND 200),
    seen_at      timestamptz NOT NULL,
    declared     boolean     NOT NULL,
    PRIMARY KEY (incident_id, signal_key)
);

CREATE UNIQUE INDEX signals_taken_once ON incidents.signals (signal_key);

CREATE TRIGGER causes_no_delete BEFORE DELETE OR TRUNCATE ON incidents.causes FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
CREATE TRIGGER signals_no_delete BEFORE DELETE OR TRUNCATE ON incidents.signals FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
