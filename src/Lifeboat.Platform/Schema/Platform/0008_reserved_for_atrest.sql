-- Placeholder: number 0008 of the platform belongs to the atrest branch (participants, data at rest).
-- Migrations must be numbered without gaps, and this branch's own migration is 0009, so this file
-- only holds the number until that branch merges; drop it then.
SELECT 1;
