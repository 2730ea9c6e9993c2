-- SLAs as timers and ownership that follows the sun. A ticket that is work (open or pending, not merged) gets its
-- first-response clock from when it became work; support's first public message stops it and starts the update clock,
-- and every later one restarts that. The server's pass fires a reminder before each clock runs out and a breach when it
-- has: each once, because the alert's key is the clock and the instant it was due. The team on shift owns the ticket;
-- at a shift change the pass hands the open tickets to the next team, written in the ticket's history.
ALTER TABLE support.tickets
    ADD COLUMN owner_team          text CHECK (length(owner_team) BETWEEN 1 AND 40),
    ADD COLUMN sla_started_at      timestamptz,
    ADD COLUMN first_response_due  timestamptz,
    ADD COLUMN first_responded_at  timestamptz,
    ADD COLUMN last_responded_at   timestamptz,
    ADD COLUMN update_due          timestamptz,
    ADD CONSTRAINT tickets_clocks CHECK ((first_response_due IS NULL) = (sla_started_at IS NULL)),
    ADD CONSTRAINT tickets_answered CHECK ((update_due IS NULL) = (last_responded_at IS NULL));

-- The work the pass looks at: open tickets, by owner (the staff lists them so too).
CREATE INDEX tickets_of_owner ON support.tickets (owner_team, ticket_id) WHERE state IN ('open', 'pending') AND merged_into IS NULL;

-- Tickets whose first-response clock has not started (few: the pass starts them at once).
CREATE INDEX tickets_clock_not_started ON support.tickets (ticket_id) WHERE sla_started_at IS NULL AND state IN ('open', 'pending');

-- An incident's tickets from every channel (its retrospective counts them per channel).
CREATE INDEX tickets_of_incident ON support.tickets (incident_id, channel) WHERE incident_id IS NOT NULL;

-- Hand-offs and SLA alerts are part of what happened to a ticket.
ALTER TABLE support.ticket_history DROP CONSTRAINT ticket_history_kind_check;
ALTER TABLE support.ticket_history ADD CONSTRAINT ticket_history_kind_check
    CHECK (kind IN ('created', 'verified', 'linked', 'merged', 'message', 'state', 'handoff', 'sla'));

-- A reminder or a breach of one clock of one ticket. due_at is the instant that clock was due: a restarted update clock
-- is a new due time, so it may remind and breach again; the same one never twice.
CREATE TABLE support.sla_alerts (
    ticket_id  text        NOT NULL REFERENCES support.tickets (ticket_id),
    clock      text        NOT NULL CHECK (clock IN ('first-response', 'update')),
    due_at     timestamptz NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('reminder', 'breach')),
    fired_at   timestamptz NOT NULL,
    owner_team text,
    priority   text        NOT NULL,
    PRIMARY KEY (ticket_id, clock, due_at, kind)
);

CREATE INDEX sla_alerts_recent ON support.sla_alerts (fired_at DESC);

CREATE TRIGGER sla_alerts_no_delete BEFORE DELETE OR TRUNCATE ON support.sla_alerts FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_removal();
CREATE TRIGGER sla_alerts_no_update BEFORE UPDATE ON support.sla_alerts FOR EACH STATEMENT EXECUTE FUNCTION support.refuse_rewrite();

-- The account view's reads of the mail log by account and of incidents by site are on indexes their own modules keep
-- (comms 0009, incidents 0011): a schema's migrations touch only that schema, so this one runs before or without them.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT ON support.sla_alerts TO lifeboat_app;
END $$;
