-- Placeholder: number 0004 of the platform belongs to the restore-jobs branch.
-- Migrations must be numbered without gaps, and this branch's own migration is 0005, so this file
-- only holds the number until that branch merges; drop it then.
SELECT 1;
