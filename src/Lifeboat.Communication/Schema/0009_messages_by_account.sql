-- The updates mailed to one account, newest first (support's account view), by account rather than address after address.
CREATE INDEX messages_of_account ON comms.messages (account_id, queued_at) WHERE account_id IS NOT NULL;
