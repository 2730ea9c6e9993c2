-- Customer accounts: who a site belongs to, and whom to reach about it. Platform tables, not tenant data:
-- a site's deletion and purge touch only its own tenant and never these rows, so support and incident
-- communication still find a deleted or purged site's customer and key contacts. Nothing here is deleted:
-- a link or a contact is ended (who, when), and the ended row stays as the history.

CREATE TABLE platform.accounts (
    account_id   text PRIMARY KEY,
    name         text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    support_tier text        NOT NULL CHECK (support_tier IN ('Standard', 'Premium', 'Enterprise')),
    region       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL
);
CREATE INDEX accounts_name ON platform.accounts (lower(name), account_id);

-- Which account owns which site, from when to when. The account leads the key; a site's current owner is
-- found through the partial unique index, which is also the database's rule that a site has one owner.
CREATE TABLE platform.account_sites (
    account_id  text        NOT NULL REFERENCES platform.accounts (account_id),
    link_id     bigint GENERATED ALWAYS AS IDENTITY,
    site_id     text        NOT NULL REFERENCES platform.site_directory (site_id),
    linked_at   timestamptz NOT NULL,
    linked_by   text        NOT NULL,
    unlinked_at timestamptz,
    unlinked_by text,
    PRIMARY KEY (account_id, link_id),
    CONSTRAINT account_sites_unlinked CHECK ((unlinked_at IS NULL) = (unlinked_by IS NULL))
);
CREATE UNIQUE INDEX account_sites_one_owner ON platform.account_sites (site_id) WHERE unlinked_at IS NULL;
CREATE INDEX account_sites_by_site ON platform.account_sites (site_id, link_id);

-- An account's own key contacts. An address may be a contact of several accounts (a consultant who looks
-- after two customers); within one account, one role holds an address once.
CREATE TABLE platform.account_contacts (
    account_id text        NOT NULL REFERENCES platform.accounts (account_id),
    contact_id text        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('Admin', 'Billing', 'Technical')),
    name       text        NOT NULL,
    email      text,
    phone      text,
    added_at   timestamptz NOT NULL,
    added_by   text        NOT NULL,
    removed_at timestamptz,
    removed_by text,
    PRIMARY KEY (account_id, contact_id),
    CONSTRAINT account_contacts_reachable CHECK (email IS NOT NULL OR phone IS NOT NULL),
    CONSTRAINT account_contacts_removed CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE UNIQUE INDEX account_contacts_one_per_role ON platform.account_contacts (account_id, role, lower(email))
    WHERE removed_at IS NULL AND email IS NOT NULL;
CREATE INDEX account_contacts_email ON platform.account_contacts (lower(email), account_id) WHERE removed_at IS NULL;

-- Nothing is removed (the application role's rights come from 0007's default privileges)...
CREATE TRIGGER accounts_never_removed BEFORE DELETE OR TRUNCATE ON platform.accounts
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
CREATE TRIGGER account_sites_never_removed BEFORE DELETE OR TRUNCATE ON platform.account_sites
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
CREATE TRIGGER account_contacts_never_removed BEFORE DELETE OR TRUNCATE ON platform.account_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();

-- ...and a row is ended once, never rewritten: the only update sets the end of a row still in force.
CREATE FUNCTION platform.account_rows_end_once() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := to_jsonb(OLD) - TG_ARGV[0] - TG_ARGV[1];
    new_row jsonb := to_jsonb(NEW) - TG_ARGV[0] - TG_ARGV[1];
BEGIN
    IF to_jsonb(OLD) ->> TG_ARGV[0] IS NOT NULL OR old_row IS DISTINCT FROM new_row THEN
        RAISE EXCEPTION USING ERRCODE = 'LB403',
            MESSAGE = format('platform.%s keeps its history: a row is ended once and never rewritten', TG_TABLE_NAME);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER account_sites_end_once BEFORE UPDATE ON platform.account_sites
    FOR EACH ROW EXECUTE FUNCTION platform.account_rows_end_once('unlinked_at', 'unlinked_by');
CREATE TRIGGER account_contacts_end_once BEFORE UPDATE ON platform.account_contacts
    FOR EACH ROW EXECUTE FUNCTION platform.account_rows_end_once('removed_at', 'removed_by');
-- An account's facts (name, tier, region) are not changed by this version of Lifeboat.
CREATE TRIGGER accounts_never_rewritten BEFORE UPDATE ON platform.accounts
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
