-- An alert raised for a breaker trip names it: acknowledging the alert resets the trip, and
-- resetting the trip acknowledges the alert, so one person's word closes both.
ALTER TABLE platform.alerts ADD COLUMN trip_id bigint NULL;
CREATE INDEX alerts_trip ON platform.alerts (trip_id) WHERE trip_id IS NOT NULL;
