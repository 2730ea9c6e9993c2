-- Capability links to a customer's own page of an incident, sent to their key contacts: their logins may be gone with
-- their sites. The link's token is never stored: only its ID, the HMAC key signs the rest. A link ends when it expires or
-- is revoked; it is never deleted.
CREATE TABLE comms.customer_links (
    incident_id  text        NOT NULL REFERENCES incidents.incidents (incident_id),
    link_id      text        NOT NULL CHECK (link_id ~ '^[A-Za-z0-9_-]{16,64}$'),
    account_id   text        NOT NULL,
    issued_at    timestamptz NOT NULL,
    issued_by    text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_by   text,
    revoke_reason text,
    PRIMARY KEY (incident_id, link_id),
    CHECK (expires_at > issued_at)
);

CREATE UNIQUE INDEX customer_links_by_id ON comms.customer_links (link_id);
CREATE INDEX customer_links_of_account ON comms.customer_links (incident_id, account_id);

CREATE TRIGGER customer_links_no_delete BEFORE DELETE OR TRUNCATE ON comms.customer_links FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.customer_links TO lifeboat_app;
END $$;
