-- Restore jobs: many sites, every store of each, one recovery point. Each site's restore is a small
-- DAG of idempotent steps, claimed by any number of workers (FOR UPDATE SKIP LOCKED). A worker holds a
-- session advisory lock on every step it runs, so the steps of a worker that dies are claimable at once.

CREATE TABLE platform.restore_jobs (
    job_id          text PRIMARY KEY,
    source          text        NOT NULL,
    target_position bigint      NULL,
    target_time     timestamptz NULL,
    -- The time of the recovery point, for participants (they keep their own clocks, not positions).
    point_time      timestamptz NULL,
    reason          text        NOT NULL,
    requested_by    text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('Running', 'Completed', 'CompletedWithFailures', 'Cancelled')),
    sites           integer     NOT NULL,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz NULL,
    CHECK ((target_position IS NULL) <> (target_time IS NULL))
);

CREATE TABLE platform.restore_job_sites (
    job_id      text        NOT NULL,
    site_id     text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('Pending', 'Restoring', 'Validating', 'Restored', 'Failed')),
    started_at  timestamptz NULL,
    finished_at timestamptz NULL,
    error       text        NULL,
    validation  jsonb       NULL,
    PRIMARY KEY (job_id, site_id)
);
-- A site is in at most one unfinished restore job.
CREATE UNIQUE INDEX restore_job_sites_one_active ON platform.restore_job_sites (site_id) WHERE state IN ('Pending', 'Restoring', 'Validating');

CREATE TABLE platform.restore_steps (
    job_id      text        NOT NULL,
    site_id     text        NOT NULL,
    step        text        NOT NULL,
    depends_on  text[]      NOT NULL,
    state       text        NOT NULL CHECK (state IN ('Pending', 'Running', 'Done', 'Failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    worker      text        NULL,
    started_at  timestamptz NULL,
    finished_at timestamptz NULL,
    error       text        NULL,
    result      jsonb       NULL,
    PRIMARY KEY (job_id, site_id, step)
);
CREATE INDEX restore_steps_open ON platform.restore_steps (job_id, site_id) WHERE state IN ('Pending', 'Running');

-- Services with stores of their own, which take part in restores over HTTP (docs/participants.md).
CREATE TABLE platform.participants (
    name          text PRIMARY KEY,
    url           text        NOT NULL,
    timeout_ms    integer     NOT NULL,
    registered_by text        NOT NULL,
    registered_at timestamptz NOT NULL
);
