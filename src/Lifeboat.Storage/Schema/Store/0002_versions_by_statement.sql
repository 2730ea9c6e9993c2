-- Superseded versions move into history once per statement instead of once per row.
--
-- The row trigger of 0001 ran a PL/pgSQL function, and started an INSERT with its own executor,
-- for every record a statement updated: a batch of writes or a chunk of a restore paid that for
-- each record. Now one INSERT per statement copies every superseded version from the statement's
-- transition tables. What the versioning does is unchanged:
--   - an update by a later transaction moves the old version into history;
--   - an update by the transaction that wrote the version (same position) moves nothing, since
--     that version was never visible to anyone;
--   - a version that arrives late (its position was taken before the current version's, its row
--     lock after) goes straight into history and leaves the current row as it is. Only such rows
--     run a function: the WHEN clause is checked without a call.
-- The AFTER trigger is still the only way a version leaves lifeboat.records.

DROP TRIGGER records_keep_versions ON lifeboat.records;
DROP FUNCTION lifeboat.keep_superseded_version();

CREATE FUNCTION lifeboat.keep_late_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lifeboat.record_history VALUES (NEW.*);
    RETURN NULL;
END $$;

CREATE TRIGGER records_keep_late_versions BEFORE UPDATE ON lifeboat.records
    FOR EACH ROW WHEN (NEW.position < OLD.position) EXECUTE FUNCTION lifeboat.keep_late_version();

CREATE FUNCTION lifeboat.keep_superseded_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A statement updates a row at most once, so the key pairs each old version with its replacement.
    INSERT INTO lifeboat.record_history
    SELECT o.* FROM old_versions o JOIN new_versions n USING (tenant_id, collection, record_id)
    WHERE n.position > o.position;
    RETURN NULL;
END $$;

CREATE TRIGGER records_keep_versions AFTER UPDATE ON lifeboat.records
    REFERENCING OLD TABLE AS old_versions NEW TABLE AS new_versions
    FOR EACH STATEMENT EXECUTE FUNCTION lifeboat.keep_superseded_versions();
