-- A key contact's mail of a customer-facing update carries their account's own page of the incident: the capability link
-- is what reaches a customer whose login went with their sites. The message names the link, not its token: the token is
-- signed again from the link's row when the message is written, so it exists in clear only in the mail.
ALTER TABLE comms.messages ADD COLUMN link_id text;
ALTER TABLE comms.messages ADD CONSTRAINT messages_link FOREIGN KEY (incident_id, link_id) REFERENCES comms.customer_links (incident_id, link_id);

CREATE OR REPLACE FUNCTION comms.messages_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.message_id, NEW.incident_id, NEW.update_number, NEW.purpose, NEW.address_key, NEW.mail_token, NEW.queued_at, NEW.link_id)
        IS DISTINCT FROM (OLD.message_id, OLD.incident_id, OLD.update_number, OLD.purpose, OLD.address_key, OLD.mail_token, OLD.queued_at, OLD.link_id) THEN
        RAISE EXCEPTION 'message %: what it is for, to whom, its link and its token never change', OLD.message_id USING ERRCODE = 'LBCOM';
    END IF;
    IF OLD.state IN ('failed', 'bounced') AND NEW.state IS DISTINCT FROM OLD.state
        OR OLD.state = 'sent' AND NEW.state NOT IN ('sent', 'bounced') THEN
        RAISE EXCEPTION 'message % is % and cannot become %', OLD.message_id, OLD.state, NEW.state USING ERRCODE = 'LBCOM';
    END IF;
    RETURN NEW;
END
$$;
