-- Inbound e-mail, attachments, and matching the sites' own contacts.
--
-- support.inbound_messages: every mail the support address took, by its Message-ID (or, for a mail without one, a
-- digest of its bytes), with the ticket it made or was added to. The mail server retries a delivery it did not see
-- acknowledged; the second delivery finds its Message-ID here and makes nothing twice.
CREATE TABLE support.inbound_messages (
    message_id  text        PRIMARY KEY CHECK (length(message_id) BETWEEN 1 AND 1000),
    -- Checked at commit: the Message-ID is claimed first in the transaction that then makes the ticket.
    ticket_id   text        NOT NULL REFERENCES support.tickets (ticket_id) DEFERRABLE INITIALLY DEFERRED,
    sender      text        NOT NULL CHECK (length(sender) <= 254),
    outcome     text        NOT NULL CHECK (outcome IN ('created', 'appended')),
    size_bytes  integer     NOT NULL CHECK (size_bytes >= 0),
    received_at timestamptz NOT NULL
);

CREATE INDEX inbound_messages_of_ticket ON support.inbound_messages (ticket_id);
CREATE TRIGGER inbound_messages_no_delete BEFORE DELETE OR TRUNCATE ON support.inbound_messages FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- A file sent with a ticket (the form, the API, a mail). Its type is what its first bytes say, never its name. A file
-- that failed the checks on a mail is kept as 'refused' with why and without its bytes, so support sees that the
-- customer sent something; the form and the API refuse the whole request instead and store nothing. Never deleted.
CREATE TABLE support.attachments (
    ticket_id     text        NOT NULL REFERENCES support.tickets (ticket_id),
    attachment_no integer     NOT NULL CHECK (attachment_no BETWEEN 1 AND 1000),
    file_name     text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    state         text        NOT NULL CHECK (state IN ('stored', 'refused')),
    content_type  text        CHECK (content_type IN ('image/png', 'image/jpeg', 'application/pdf', 'text/plain')),
    size_bytes    integer     NOT NULL CHECK (size_bytes >= 0),
    sha256        bytea       CHECK (length(sha256) = 32),
    content       bytea,
    refused_why   text        CHECK (length(refused_why) <= 1000),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, attachment_no),
    CHECK ((state = 'stored') = (content IS NOT NULL AND content_type IS NOT NULL AND sha256 IS NOT NULL)),
    CHECK ((state = 'refused') = (refused_why IS NOT NULL))
);

ALTER TABLE support.attachments ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE TRIGGER attachments_no_delete BEFORE DELETE OR TRUNCATE ON support.attachments FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- An attachment's bytes are what was sent: they are never rewritten (its row takes no UPDATE of the content).
CREATE FUNCTION support.refuse_attachment_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content IS DISTINCT FROM OLD.content OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.state IS DISTINCT FROM OLD.state THEN
        RAISE EXCEPTION 'an attachment is kept as it was sent (%.%)', TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBSUP';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER attachments_no_rewrite BEFORE UPDATE ON support.attachments FOR EACH ROW EXECUTE FUNCTION support.refuse_attachment_rewrite();

-- Sites' key contacts live in the contact directory: records of the store's tenant 'lifeboat-contacts', collection
-- 'contacts', one JSON document each. Matching looks them up by address (lower case), on this partial index of the
-- directory's current, live records only; the tenant and collection lead, as every key of the store does.
CREATE INDEX support_site_contacts_email ON lifeboat.records (tenant_id, collection, lower(doc ->> 'email'))
    WHERE tenant_id = 'lifeboat-contacts' AND collection = 'contacts' AND NOT deleted;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA support TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE ON support.inbound_messages, support.attachments TO lifeboat_app;
END $$;
