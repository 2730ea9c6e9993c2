-- E-mail subscriptions to components (a product in a region, prd_wiki@eu-west), with double opt-in: a
-- subscription is pending until its address confirms it with the link of a confirmation mail; only
-- confirmed ones get mail. Unsubscribing ends it (the row stays, unsubscribed; subscribing again makes it
-- pending again). Keyed by the address, as every predicate names it.
CREATE TABLE comms.subscriptions (
    address_key      text        NOT NULL CHECK (address_key = lower(address_key)),
    component        text        NOT NULL CHECK (component ~ '^[a-z]+_[a-z0-9_-]+@[a-z0-9-]+$'),
    address          text        NOT NULL CHECK (lower(address) = address_key),
    state            text        NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
    requested_at     timestamptz NOT NULL,
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    PRIMARY KEY (address_key, component),
    CHECK (state <> 'confirmed' OR confirmed_at IS NOT NULL),
    CHECK (state <> 'unsubscribed' OR unsubscribed_at IS NOT NULL)
);

CREATE INDEX subscriptions_confirmed ON comms.subscriptions (component, address_key) WHERE state = 'confirmed';

-- The links' tokens: 32 random bytes, of which only the SHA-256 is kept; the token itself is only ever in
-- the mail that carries it (made when the mail is sent). A confirmation token works once and expires; an
-- unsubscribe token (one per mail to a subscriber) works without login, from RFC 8058's one-click POST.
CREATE TABLE comms.subscription_tokens (
    token_hash   bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    purpose      text        NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    address_key  text        NOT NULL,
    message_id   bigint      NOT NULL REFERENCES comms.messages (message_id),
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz,
    used_at      timestamptz
);

CREATE INDEX subscription_tokens_of_address ON comms.subscription_tokens (address_key, purpose);

CREATE TRIGGER subscriptions_no_delete BEFORE DELETE OR TRUNCATE ON comms.subscriptions FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();
CREATE TRIGGER subscription_tokens_no_delete BEFORE DELETE OR TRUNCATE ON comms.subscription_tokens FOR EACH STATEMENT EXECUTE FUNCTION comms.refuse_removal();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON comms.subscriptions, comms.subscription_tokens TO lifeboat_app;
END $$;
