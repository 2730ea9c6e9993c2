-- Incidents touching any of a set of sites, in one statement (site_ids && $sites): support's account view reads an
-- account's incidents this way.
CREATE INDEX incidents_by_site ON incidents.incidents USING gin (site_ids);
