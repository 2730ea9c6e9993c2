-- Who was told of each declared incident, through what (target: "mail:ops@example.com", "webhook:<host>#<digest>"),
-- and how the tries went: the notifier tries again until the message is out or it gives up, and says so.
CREATE TABLE incidents.notifications (
    incident_id     text        NOT NULL REFERENCES incidents.incidents (incident_id),
    target          text        NOT NULL CHECK (length(target) BETWEEN 1 AND 300),
    attempts        integer     NOT NULL CHECK (attempts >= 1),
    last_tried_at   timestamptz NOT NULL,
    sent_at         timestamptz,
    last_error      text,
    PRIMARY KEY (incident_id, target)
);

CREATE TRIGGER notifications_no_delete BEFORE DELETE OR TRUNCATE ON incidents.notifications FOR EACH STATEMENT EXECUTE FUNCTION incidents.refuse_removal();
