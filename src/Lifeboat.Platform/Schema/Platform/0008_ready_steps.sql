-- Claiming a step costs the same in a job of 10 sites and of 10,000.
--
-- A step used to be runnable when no step it depends on was unfinished, which the claim re-checked for every
-- candidate against the job's other steps: a claim's cost grew with the job, and a job's claims with its square.
-- Now each step counts the steps it still waits for (waiting), set when the job is created and lowered in the
-- transaction that finishes a dependency, so the steps a worker can start are the Pending ones waiting for
-- nothing: a partial index it reads in key order, stopping at the few it needs.

ALTER TABLE platform.restore_steps ADD COLUMN waiting integer NOT NULL DEFAULT 0 CHECK (waiting >= 0);
UPDATE platform.restore_steps s SET waiting = (
    SELECT count(*) FROM platform.restore_steps d
    WHERE d.job_id = s.job_id AND d.site_id = s.site_id AND d.step = ANY(s.depends_on) AND d.state <> 'Done');

-- Replaced by the two below: every Pending step of a job was in it, and most of a big job's steps are Pending.
DROP INDEX platform.restore_steps_open;
CREATE INDEX restore_steps_ready ON platform.restore_steps (job_id, site_id, step) WHERE state = 'Pending' AND waiting = 0;
-- Running steps: as many as the workers run at once, and those whose worker died (claimed again at once).
CREATE INDEX restore_steps_running ON platform.restore_steps (job_id, site_id, step) WHERE state = 'Running';
-- The jobs workers look into, without reading every job ever run.
CREATE INDEX restore_jobs_running ON platform.restore_jobs (job_id) WHERE state = 'Running';
-- Whether a job still has open sites, without walking its finished ones (checked as each site closes).
CREATE INDEX restore_job_sites_open ON platform.restore_job_sites (job_id) WHERE state IN ('Pending', 'Restoring', 'Validating');
