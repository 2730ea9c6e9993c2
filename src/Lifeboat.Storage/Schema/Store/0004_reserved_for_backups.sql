-- Placeholder: number 0004 of the store belongs to the blobs-and-backups branch.
-- Migrations must be numbered without gaps, and this branch's own migration is 0005, so this file
-- only holds the number until that branch merges (or is renumbered); drop it then.
SELECT 1;
