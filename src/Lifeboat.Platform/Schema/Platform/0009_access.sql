-- Who acts: operator accounts, API tokens and emergency access (break glass).
--
-- An operator is never deleted: disabling keeps every audit row, event and approval it signed
-- readable as a person. Logins are unique as principals (lifeboat.principal_key, store migration
-- 0006), so 'Alice' and 'alice' cannot be two accounts, exactly as the two-person rules see them.
CREATE TABLE platform.operators (
    operator_id      text PRIMARY KEY,
    login            text        NOT NULL,
    display_name     text        NOT NULL,
    roles            text[]      NOT NULL,
    origin           text        NOT NULL CHECK (origin IN ('local', 'oidc', 'os')),
    -- The OpenID Connect subject (issuer|sub) or the OS user name an account signs in as.
    external_subject text        NULL,
    password_hash    text        NULL,
    -- The bootstrap admin: its one-time credential may only be replaced (a password or a token).
    must_replace_credential boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    created_by       text        NOT NULL,
    disabled_at      timestamptz NULL,
    disabled_by      text        NULL,
    CHECK (origin = 'local' OR external_subject IS NOT NULL)
);
CREATE UNIQUE INDEX operators_login_key ON platform.operators (lifeboat.principal_key(login));
CREATE UNIQUE INDEX operators_external ON platform.operators (origin, external_subject) WHERE external_subject IS NOT NULL;

-- Tokens are stored only as the SHA-256 of their secret; the secret is shown once. A personal token
-- belongs to an operator and acts as it; a service token is a named principal of its own.
CREATE TABLE platform.api_tokens (
    token_id      text PRIMARY KEY,
    secret_hash   bytea       NOT NULL UNIQUE,
    kind          text        NOT NULL CHECK (kind IN ('personal', 'service', 'bootstrap')),
    operator_id   text        NULL REFERENCES platform.operators (operator_id),
    principal     text        NOT NULL,
    name          text        NOT NULL,
    roles         text[]      NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz NULL,
    revoked_at    timestamptz NULL,
    revoked_by    text        NULL,
    CHECK ((kind = 'service') = (operator_id IS NULL))
);
CREATE INDEX api_tokens_operator ON platform.api_tokens (operator_id) WHERE operator_id IS NOT NULL;

-- Emergency access: asked for by one person with a reason, confirmed by a different admin, for a
-- limited time. The constraint keeps the second person whatever path writes the row.
CREATE TABLE platform.emergency_access (
    grant_id      text PRIMARY KEY,
    operator_id   text        NOT NULL REFERENCES platform.operators (operator_id),
    requested_by  text        NOT NULL,
    reason        text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    confirmed_by  text        NULL,
    confirmed_at  timestamptz NULL,
    expires_at    timestamptz NULL,
    ended_at      timestamptz NULL,
    ended_by      text        NULL,
    CONSTRAINT emergency_access_second_person
        CHECK (confirmed_by IS NULL OR lifeboat.principal_key(confirmed_by) <> lifeboat.principal_key(requested_by))
);
CREATE INDEX emergency_access_operator ON platform.emergency_access (operator_id, expires_at);
