-- The support module's own schema: tickets (from the public intake, the API, and one per affected site of an
-- incident), their append-only history, the one-time codes and links that verify a requester's address, the
-- verification mails with their delivery state, and a counter of honeypot hits. Nothing is deleted: a ticket is
-- solved or merged into another, a code is used or expires, and the history only grows.
CREATE SCHEMA support;

CREATE FUNCTION support.refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'support records are never deleted (%.%): solve a ticket or merge it into another instead',
        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBSUP';
END
$$;

CREATE FUNCTION support.refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a ticket''s history is what happened and cannot be rewritten (%.%)', TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LBSUP';
END
$$;

-- How "the site you use" and a site's name meet: lower case, every run of other characters than letters and
-- digits one hyphen ("Acme Corp" and "acme-corp" are the same key). IMMUTABLE, so the site directory is indexed on it.
CREATE FUNCTION support.site_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT btrim(regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g'), '-')
$$;

-- The domain of an e-mail address, lower case (what follows the last @).
CREATE FUNCTION support.mail_domain(address text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(substring(address FROM '@([^@]*)$'))
$$;

-- Matching reads the platform's tables through these indexes, never by a scan: accounts' contacts by domain (by
-- address, 0013's account_contacts_email serves), and every site the directory knows, live, deleted or purged, by key.
CREATE INDEX support_contacts_domain ON platform.account_contacts (support.mail_domain(email), account_id)
    WHERE removed_at IS NULL AND email IS NOT NULL;
CREATE INDEX support_sites_key ON platform.site_directory (support.site_key(name));

-- A ticket. account_id is null while it waits in triage (or for an affected site nobody owns); channel says where
-- it came from; an intake ticket is 'unverified' until its requester's code or link is used. An incident ticket
-- (channel 'incident') stands for one affected site of one incident: at most one per (incident, site).
CREATE TABLE support.tickets (
    ticket_id        text        PRIMARY KEY,
    account_id       text,
    site_ids         text[]      NOT NULL DEFAULT '{}',
    incident_id      text,
    incident_site_id text,
    channel          text        NOT NULL CHECK (channel IN ('form', 'api', 'email', 'phone', 'incident')),
    state            text        NOT NULL CHECK (state IN ('unverified', 'open', 'pending', 'solved')),
    queue            text        NOT NULL CHECK (queue IN ('triage', 'incident', 'general')),
    priority         text        NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    requester        text        CHECK (length(requester) <= 254),
    company          text        CHECK (length(company) <= 200),
    site_given       text        CHECK (length(site_given) <= 500),
    subject          text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    description      text        NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
    hints            jsonb       NOT NULL DEFAULT '{}',
    merged_into      text        REFERENCES support.tickets (ticket_id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((channel = 'incident') = (incident_site_id IS NOT NULL)),
    CHECK (merged_into IS NULL OR (merged_into <> ticket_id AND state = 'solved'))
);

CREATE INDEX tickets_of_account ON support.tickets (account_id, ticket_id) WHERE account_id IS NOT NULL;
CREATE INDEX tickets_in_queue ON support.tickets (queue, state, ticket_id);
CREATE UNIQUE INDEX tickets_one_per_incident_site ON support.tickets (incident_id, incident_site_id) WHERE channel = 'incident';

CREATE TRIGGER tickets_no_delete BEFORE DELETE OR TRUNCATE ON support.tickets FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- What happened to a ticket, in order: created, verified, linked, merged, and every message (from the requester,
-- from support, from the incident). Only ever appended.
CREATE TABLE support.ticket_history (
    ticket_id  text        NOT NULL REFERENCES support.tickets (ticket_id),
    entry_id   bigint GENERATED ALWAYS AS IDENTITY,
    kind       text        NOT NULL CHECK (kind IN ('created', 'verified', 'linked', 'merged', 'message', 'state')),
    at         timestamptz NOT NULL,
    actor      text        NOT NULL,
    text       text        NOT NULL CHECK (length(text) <= 10000),
    data       jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (ticket_id, entry_id)
);

CREATE TRIGGER ticket_history_no_delete BEFORE DELETE OR TRUNCATE ON support.ticket_history FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();
CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON support.ticket_history FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_rewrite();

-- The one-time code and link of an intake ticket, kept only as HMAC-SHA256 under the environment's key file: a
-- copy of the database alone cannot verify anyone. Used once (used_at), until expires_at, and locked after
-- max wrong codes.
CREATE TABLE support.verifications (
    ticket_id   text        PRIMARY KEY REFERENCES support.tickets (ticket_id),
    address     text        NOT NULL CHECK (length(address) <= 254),
    code_hash   bytea       NOT NULL CHECK (length(code_hash) = 32),
    token_hash  bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    wrong_codes integer     NOT NULL DEFAULT 0 CHECK (wrong_codes >= 0)
);

CREATE TRIGGER verifications_no_delete BEFORE DELETE OR TRUNCATE ON support.verifications FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- Every verification mail and what the mail server answered: 'sent' (with its answer) or 'failed' (with why).
CREATE TABLE support.mails (
    ticket_id  text        NOT NULL REFERENCES support.tickets (ticket_id),
    mail_id    bigint GENERATED ALWAYS AS IDENTITY,
    address    text        NOT NULL,
    purpose    text        NOT NULL CHECK (purpose IN ('verification')),
    state      text        NOT NULL CHECK (state IN ('sent', 'failed')),
    answer     text        NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, mail_id)
);

CREATE TRIGGER mails_no_delete BEFORE DELETE OR TRUNCATE ON support.mails FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- A filled honeypot field is answered like a real request and stores nothing but this count per day.
CREATE TABLE support.honeypot_hits (
    day   date    PRIMARY KEY,
    hits  bigint  NOT NULL CHECK (hits >= 0)
);

CREATE TRIGGER honeypot_hits_no_delete BEFORE DELETE OR TRUNCATE ON support.honeypot_hits FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();

-- The application role (see the store's 0007_roles.sql) reads, adds and updates; it never deletes.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA support TO lifeboat_app;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA support TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA support TO lifeboat_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA support TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA support GRANT SELECT, INSERT, UPDATE ON TABLES TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA support GRANT USAGE, SELECT ON SEQUENCES TO lifeboat_app;
END $$;
