-- The mail log: one row per message per address, with its delivery state. A message of a published update
-- belongs to the update (the incident leads its key: one message per update and address, so a redelivered
-- outbox event never queues a second one); a message of another purpose (a subscription's confirmation)
-- belongs to no incident, so the log's own key is a number, and the incident-led unique index is the
-- update messages' natural key. The subject and body are the update's, read when the message is sent:
-- 2,000 messages of one update do not copy its text 2,000 times.
CREATE TABLE comms.messages (
    message_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id      text        REFERENCES incidents.incidents (incident_id),
    update_number    integer,
    purpose          text        NOT NULL CHECK (purpose IN ('update', 'subscription-confirm')),
    address          text        NOT NULL CHECK (length(address) BETWEEN 3 AND 320),
    address_key      text        NOT NULL CHECK (address_key = lower(address)),
    display_name     text        CHECK (length(display_name) <= 200),
    account_id       text,
    -- A subscriber's mail carries List-Unsubscribe (RFC 8058) and a link in its body; a key contact's does not.
    subscriber       boolean     NOT NULL,
    -- Random, in the Message-ID and the VERP envelope sender, so a bounce names the message it is about.
    mail_token       text        NOT NULL UNIQUE CHECK (mail_token ~ '^[0-9a-f]{32}$'),
    state            text        NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'bounced')),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL,
    -- A sender holds the messages it took until then; one that died lets them be taken again afterwards.
    claimed_until    timestamptz,
    last_error       text        CHECK (length(last_error) <= 2000),
    smtp_queue_id    text        CHECK (length(smtp_queue_id) <= 100),
    smtp_response    text        CHECK (length(smtp_response) <= 2000),
    bounce_source    text        CHECK (bounce_source IN ('smtp', 'dsn')),
    queued_at        timestamptz NOT NULL,
    sent_at          timestamptz,
    bounced_at       timestamptz,
    FOREIGN KEY (incident_id, update_number) REFERENCES comms.updates (incident_id, update_number),
    CHECK ((purpose = 'update') = (incident_id IS NOT NULL AND update_number IS NOT NULL)),
    CHECK ((state = 'bounced') = (bounced_at IS NOT NULL AND bounce_source IS NOT NULL))
);

CREATE UNIQUE INDEX messages_once_per_update ON comms.messages (incident_id, update_number, address_key) WHERE purpose = 'update';
CREATE INDEX messages_due ON comms.messages (next_attempt_at, message_id) WHERE state = 'queued';
CREATE INDEX messages_of_address ON comms.messages (address_key, purpose, queued_at);

-- A delivery state only moves forward: queued to sent, failed or bounced (or queued again for a retry);
-- sent to bounced when a delivery status notification comes back; failed and bounced are final.
CREATE FUNCTION comms.messages_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.message_id, NEW.incident_id, NEW.update_number, NEW.purpose, NEW.address_key, NEW.mail_token, NEW.queued_at)
        IS DISTINCT FROM (OLD.message_id, OLD.incident_id, OLD.update_number, OLD.purpose, OLD.address_key, OLD.mail_token, OLD.queued_at) THEN
        RAISE EXCEPTION 'message %: what it is for, to whom and its token never change', OLD.message_id USING ERRCODE = 'LBCOM';
    END IF;
    IF OLD.state IN ('failed', 'bounced') AND NEW.state IS DISTINCT FROM OLD.state
        OR OLD.state = 'sent' AND NEW.state NOT IN ('sent', 'bounced') THEN
        RAISE EXCEPTION 'message % is % and cannot become %', OLD.message_id, OLD.state, NEW.state USING ERRCODE = 'LBCOM';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER messages_forward BEFORE UPDATE ON comms.messages FOR EACH ROW EXECUTE FUNCTION comms.messages_forward();
CREATE TRIGGER messages_no_delete BEFORE DELETE OR TRUNCATE ON comms.messages FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.messages TO lifeboat_app;
END $$;
