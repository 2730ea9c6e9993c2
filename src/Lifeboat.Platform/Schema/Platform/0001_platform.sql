-- The control plane's own tables. Everything a site owns (profile, products, licences, app
-- installations, identity, flags) lives in the store, in the site's tenant, versioned and
-- restorable with it. These tables hold only what must be found across sites or must outlive them.

CREATE SCHEMA IF NOT EXISTS platform;

-- Immutable facts about each site, so sites can be listed and filtered without reading every tenant.
-- Its lifecycle state is the store's (lifeboat.tenants).
CREATE TABLE platform.site_directory (
    site_id    text PRIMARY KEY,
    name       text        NOT NULL,
    region     text        NOT NULL,
    internal   boolean     NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX site_directory_region ON platform.site_directory (region, site_id);
CREATE INDEX site_directory_name ON platform.site_directory (region, lower(name));

-- Which site every site-scoped ID (app installation, user, group, licence, contact) belongs to, so
-- an ID given alone (a plan's target list, an API path) resolves to its site.
CREATE TABLE platform.id_directory (
    id         text PRIMARY KEY,
    kind       text        NOT NULL,
    site_id    text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX id_directory_site ON platform.id_directory (site_id, kind);

-- Catalogs: what products exist, and what third-party apps the marketplace offers.
CREATE TABLE platform.products (
    product_id text PRIMARY KEY,
    name       text NOT NULL
);

CREATE TABLE platform.apps (
    app_id text PRIMARY KEY,
    name   text NOT NULL,
    vendor text NOT NULL
);

-- Lifecycle events, in commit order: producers take an advisory lock before taking a position, and
-- hold it until commit, so a consumer reading "after my cursor" never skips an event.
CREATE SEQUENCE platform.outbox_position AS bigint;

CREATE TABLE platform.outbox (
    position   bigint PRIMARY KEY,
    event_type text        NOT NULL,
    site_id    text        NULL,
    subject    text        NULL,
    payload    jsonb       NOT NULL,
    actor      text        NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX outbox_site ON platform.outbox (site_id, position);

CREATE TABLE platform.outbox_cursors (
    consumer   text PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON platform.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
