-- Restore jobs that lose nothing.
--
-- Each site of a job has a recovery point of its own (the instant before ITS first damage), the
-- state and latest commit position the job found it in (its first write checks nothing changed
-- since), the dry run of its restore, and, once restored, its undo point. A job whose dry run
-- would discard writes (revert or tombstone live records, close a live site) was asked for
-- explicitly and may wait for a second person's approval; such a job can be cancelled before it
-- starts. The job's own target_* and point_time columns now hold the earliest of its sites' points.

ALTER TABLE platform.restore_jobs DROP CONSTRAINT restore_jobs_state_check;
ALTER TABLE platform.restore_jobs ADD CONSTRAINT restore_jobs_state_check
    CHECK (state IN ('AwaitingApproval', 'Running', 'Completed', 'CompletedWithFailures', 'Cancelled'));
ALTER TABLE platform.restore_jobs
    ADD COLUMN latest_position      bigint      NULL,
    ADD COLUMN latest_time          timestamptz NULL,
    -- The request asked, in so many words, to discard writes made after the points.
    ADD COLUMN discard_later_writes boolean     NOT NULL DEFAULT false,
    -- The dry run's totals: sites and records whose later writes the job discards, records and blob bytes it changes.
    ADD COLUMN dry_run              jsonb       NULL,
    -- Why a second person must approve it (empty: no approval needed).
    ADD COLUMN approval_reasons     jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN approved_by          text        NULL,
    ADD COLUMN approved_at          timestamptz NULL,
    ADD COLUMN cancelled_by         text        NULL,
    ADD COLUMN cancel_reason        text        NULL,
    -- The job this one undoes (its sites, each to its undo point).
    ADD COLUMN undoes               text        NULL;
UPDATE platform.restore_jobs SET latest_position = target_position, latest_time = target_time;

ALTER TABLE platform.restore_job_sites DROP CONSTRAINT restore_job_sites_state_check;
ALTER TABLE platform.restore_job_sites ADD CONSTRAINT restore_job_sites_state_check
    CHECK (state IN ('Pending', 'Restoring', 'Validating', 'Restored', 'Failed', 'Cancelled'));
ALTER TABLE platform.restore_job_sites
    ADD COLUMN target_position   bigint      NULL,
    ADD COLUMN target_time       timestamptz NULL,
    -- The point as a database time, for participants (they keep their own clocks, not positions).
    ADD COLUMN point_time        timestamptz NULL,
    -- The site as the job found it: its first write to the site refuses to start if either changed.
    ADD COLUMN expected_state    text        NULL,
    ADD COLUMN expected_position bigint      NULL,
    ADD COLUMN dry_run           jsonb       NULL,
    -- Restoring the site to this position (and participants to undo_time) undoes the job for it.
    ADD COLUMN undo_position     bigint      NULL,
    ADD COLUMN undo_time         timestamptz NULL;
UPDATE platform.restore_job_sites js SET target_position = j.target_position, target_time = j.target_time, point_time = j.point_time
FROM platform.restore_jobs j WHERE j.job_id = js.job_id;
ALTER TABLE platform.restore_job_sites ADD CONSTRAINT restore_job_sites_point CHECK ((target_position IS NULL) <> (target_time IS NULL));
