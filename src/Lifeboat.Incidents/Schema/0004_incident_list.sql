-- The list of incidents reads newest first, open ones by default: an index in that order keeps it one
-- short scan however many incidents the environment has closed over the years.
CREATE INDEX incidents_newest ON incidents.incidents (declared_at DESC, incident_id DESC);
CREATE INDEX incidents_open_newest ON incidents.incidents (declared_at DESC, incident_id DESC) WHERE phase <> 'closed';
