-- Internal updates posted to the incident's chat webhooks (the incoming webhooks the declaration notices go
-- to). A target is named by its host and a digest of its URL, never the URL, which is a secret kept in
-- configuration. One post per update and target, tried again with backoff; every attempt is logged.
CREATE TABLE comms.chat_posts (
    incident_id      text        NOT NULL,
    update_number    integer     NOT NULL,
    target           text        NOT NULL CHECK (length(target) <= 200),
    target_name      text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    claimed_until    timestamptz,
    last_status      integer,
    last_error       text        CHECK (length(last_error) <= 2000),
    created_at       timestamptz NOT NULL,
    posted_at        timestamptz,
    PRIMARY KEY (incident_id, update_number, target),
    FOREIGN KEY (incident_id, update_number) REFERENCES comms.updates (incident_id, update_number)
);

CREATE INDEX chat_posts_due ON comms.chat_posts (next_attempt_at) WHERE state = 'pending';

CREATE TABLE comms.chat_attempts (
    incident_id    text        NOT NULL,
    update_number  integer     NOT NULL,
    target         text        NOT NULL,
    attempt        integer     NOT NULL CHECK (attempt >= 1),
    at             timestamptz NOT NULL,
    status_code    integer,
    error          text        CHECK (length(error) <= 2000),
    duration_ms    integer     NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (incident_id, update_number, target, attempt),
    FOREIGN KEY (incident_id, update_number, target) REFERENCES comms.chat_posts (incident_id, update_number, target)
);

CREATE TRIGGER chat_posts_no_delete BEFORE DELETE OR TRUNCATE ON comms.chat_posts FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER chat_attempts_no_delete BEFORE DELETE OR TRUNCATE ON comms.chat_attempts FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER chat_attempts_no_update BEFORE UPDATE ON comms.chat_attempts FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_rewrite();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.chat_posts, comms.chat_attempts TO lifeboat_app;
END $$;
