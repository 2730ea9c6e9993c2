-- A site's restores, newest job last: the incident's site tracker reads the latest restore of each of its sites,
-- every second for every open room, and without this index read every job's every site. Site-led, as the tenant
-- leads every key.
CREATE INDEX restore_job_sites_by_site ON platform.restore_job_sites (site_id, job_id);
