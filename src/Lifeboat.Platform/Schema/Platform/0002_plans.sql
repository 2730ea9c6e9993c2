-- Change plans: the only door for bulk destructive work. A plan's content (action, target kind,
-- targets, parameters, reason, requester) is hashed; approvals bind to the hash.

CREATE TABLE platform.plans (
    plan_id       text PRIMARY KEY,
    action        text        NOT NULL,
    target_kind   text        NOT NULL,
    parameters    jsonb       NOT NULL,
    reason        text        NOT NULL,
    requested_by  text        NOT NULL,
    override      text        NULL,
    created_at    timestamptz NOT NULL,
    content_hash  text        NOT NULL,
    state         text        NOT NULL CHECK (state IN ('Verified', 'Running', 'Paused', 'Halted', 'Completed', 'Aborted', 'RolledBack')),
    halt_code     text        NULL,
    state_reason  text        NULL,
    approved_by   text        NULL,
    approved_hash text        NULL,
    approved_at   timestamptz NULL,
    dropped       jsonb       NOT NULL,
    blast_radius  jsonb       NOT NULL,
    decision      jsonb       NOT NULL,
    rehearsal     jsonb       NULL,
    started_at    timestamptz NULL,
    finished_at   timestamptz NULL,
    updated_at    timestamptz NOT NULL,
    CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
CREATE INDEX plans_state ON platform.plans (state);

CREATE TABLE platform.plan_targets (
    plan_id          text        NOT NULL,
    target_id        text        NOT NULL,
    ordinal          integer     NOT NULL,
    site_id          text        NOT NULL,
    internal         boolean     NOT NULL,
    wave             integer     NOT NULL,
    state            text        NOT NULL CHECK (state IN ('Pending', 'Applied', 'Unchanged', 'Failed', 'Undone')),
    before_position  bigint      NULL,
    applied_position bigint      NULL,
    applied_at       timestamptz NULL,
    error            text        NULL,
    PRIMARY KEY (plan_id, target_id)
);
CREATE INDEX plan_targets_wave ON platform.plan_targets (plan_id, wave, ordinal);
CREATE INDEX plan_targets_applied ON platform.plan_targets (applied_at) WHERE applied_at IS NOT NULL;

CREATE TABLE platform.plan_waves (
    plan_id     text        NOT NULL,
    wave        integer     NOT NULL,
    kind        text        NOT NULL,
    size        integer     NOT NULL,
    state       text        NOT NULL CHECK (state IN ('Pending', 'Running', 'Done')),
    started_at  timestamptz NULL,
    finished_at timestamptz NULL,
    PRIMARY KEY (plan_id, wave)
);

-- Signals from outside (the support desk, a site's error rate) that a running plan is hurting someone.
CREATE TABLE platform.health_signals (
    signal_id bigserial PRIMARY KEY,
    plan_id   text        NULL,
    site_id   text        NULL,
    source    text        NOT NULL,
    message   text        NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX health_signals_at ON platform.health_signals (at);

CREATE TABLE platform.alerts (
    alert_id          text PRIMARY KEY,
    actor             text        NOT NULL,
    action            text        NOT NULL,
    count             integer     NOT NULL,
    baseline          numeric     NOT NULL,
    window_seconds    integer     NOT NULL,
    first_position    bigint      NOT NULL,
    first_stamp       timestamptz NOT NULL,
    first_seen_at     timestamptz NOT NULL,
    detected_at       timestamptz NOT NULL,
    halted_plans      text[]      NOT NULL,
    message           text        NOT NULL,
    acknowledged_by   text        NULL,
    acknowledged_at   timestamptz NULL
);

CREATE TABLE platform.detector_cursor (
    name          text PRIMARY KEY,
    last_event_id bigint NOT NULL
);

-- Who asked, who approved, what ran, when, on which IDs, with the plan's content hash.
-- Outside tenant data, append-only.
CREATE TABLE platform.audit_log (
    audit_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    subject      text        NOT NULL,
    step         text        NOT NULL,
    content_hash text        NULL,
    ids          jsonb       NOT NULL,
    details      jsonb       NOT NULL
);
CREATE INDEX audit_log_subject ON platform.audit_log (subject, audit_id);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON platform.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.append_only();
