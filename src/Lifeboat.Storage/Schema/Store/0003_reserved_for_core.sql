-- Placeholder: number 0003 of the store belongs to the lead's branch (the store's SQL core).
-- Migrations must be numbered without gaps, and this branch's own migration is 0005, so this file
-- only holds the number until that branch merges; drop it then.
SELECT 1;
