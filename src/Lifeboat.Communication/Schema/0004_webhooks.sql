-- Webhook subscriptions: a URL (checked against the allow-list when registered and again when delivering),
-- an event filter (types or prefixes such as restore.*), and a signing secret shown once at registration and
-- kept sealed with AES-GCM under the server's key (nonce, ciphertext and tag; the webhook's ID is the
-- associated data, so a sealed secret cannot be moved to another webhook). Disabled, never deleted.
CREATE TABLE comms.webhooks (
    webhook_id       text        PRIMARY KEY CHECK (webhook_id ~ '^whk_[a-z0-9]{20}$'),
    url              text        NOT NULL CHECK (length(url) <= 2000),
    events           text[]      NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    description      text        CHECK (length(description) <= 500),
    secret_sealed    bytea       NOT NULL,
    secret_key_id    text        NOT NULL,
    created_at       timestamptz NOT NULL,
    created_by       text        NOT NULL,
    disabled_at      timestamptz,
    disabled_by      text,
    disabled_reason  text,
    CHECK ((disabled_at IS NULL) = (disabled_by IS NULL))
);

-- What webhooks are told: the comms outbox's events and the per-site restore events mapped from the
-- platform's outbox, each under a stable key, with the exact body every delivery and retry sends.
CREATE TABLE comms.webhook_events (
    event_key    text        PRIMARY KEY CHECK (length(event_key) <= 300),
    event_type   text        NOT NULL CHECK (event_type ~ '^[a-z]+(\.[a-z-]+)+$'),
    incident_id  text,
    site_id      text,
    job_id       text,
    body         text        NOT NULL,
    at           timestamptz NOT NULL
);

-- One delivery per event and webhook; delivery_id is the Lifeboat-Delivery header, the same on every retry.
CREATE TABLE comms.webhook_deliveries (
    webhook_id       text        NOT NULL REFERENCES comms.webhooks (webhook_id),
    event_key        text        NOT NULL REFERENCES comms.webhook_events (event_key),
    delivery_id      text        NOT NULL UNIQUE,
    state            text        NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    claimed_until    timestamptz,
    last_status      integer,
    last_error       text        CHECK (length(last_error) <= 2000),
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    PRIMARY KEY (webhook_id, event_key)
);

CREATE INDEX webhook_deliveries_due ON comms.webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_recent ON comms.webhook_deliveries (webhook_id, created_at);

-- Every attempt: its status code (null when no answer came), its error, how long it took.
CREATE TABLE comms.webhook_attempts (
    webhook_id   text        NOT NULL,
    event_key    text        NOT NULL,
    attempt      integer     NOT NULL CHECK (attempt >= 1),
    at           timestamptz NOT NULL,
    status_code  integer,
    error        text        CHECK (length(error) <= 2000),
    duration_ms  integer     NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (webhook_id, event_key, attempt),
    FOREIGN KEY (webhook_id, event_key) REFERENCES comms.webhook_deliveries (webhook_id, event_key)
);

-- restore.progress per job: the sites each job has restored, as told by the platform's outbox, and the
-- last tenth announced. Counting the outbox's own events (not the job's state when read) gives the same
-- announcements however late the events are read, and a redelivered event counts once.
CREATE TABLE comms.restore_progress (
    job_id        text        PRIMARY KEY,
    sites         integer     NOT NULL CHECK (sites >= 1),
    last_tenth    integer     NOT NULL DEFAULT 0 CHECK (last_tenth BETWEEN 0 AND 10)
);

CREATE TABLE comms.restore_progress_sites (
    job_id       text        NOT NULL REFERENCES comms.restore_progress (job_id),
    site_id      text        NOT NULL,
    restored_at  timestamptz NOT NULL,
    PRIMARY KEY (job_id, site_id)
);

CREATE TRIGGER webhooks_no_delete BEFORE DELETE OR TRUNCATE ON comms.webhooks FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER webhook_events_no_delete BEFORE DELETE OR TRUNCATE ON comms.webhook_events FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER webhook_events_no_update BEFORE UPDATE ON comms.webhook_events FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_rewrite();
CREATE TRIGGER webhook_deliveries_no_delete BEFORE DELETE OR TRUNCATE ON comms.webhook_deliveries FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE OR TRUNCATE ON comms.webhook_attempts FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE ON comms.webhook_attempts FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_rewrite();
CREATE TRIGGER restore_progress_no_delete BEFORE DELETE OR TRUNCATE ON comms.restore_progress FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER restore_progress_sites_no_delete BEFORE DELETE OR TRUNCATE ON comms.restore_progress_sites FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.webhooks, comms.webhook_events, comms.webhook_deliveries, comms.webhook_attempts,
        comms.restore_progress, comms.restore_progress_sites TO lifeboat_app;
END $$;
