-- "Restore to time T" means: every transaction that had committed by T, and no other.
--
-- A version's stamp is the clock when its transaction took its position, which is before it
-- commits: a transaction that took its position before T but committed after T carries a stamp
-- at or before T. So the stamp alone cannot say whether a version had committed by T.
--
-- Every write transaction takes its position through take_position(), which now also records the
-- position in lifeboat.commits; a deferred constraint trigger, which PostgreSQL runs when the
-- transaction commits (after every statement of it), sets committed_at from the clock at that
-- moment. That is the same instant PostgreSQL itself stamps into a commit record and uses for
-- recovery_target_time. A version was committed at or before T when its stamp is at or before T
-- (a transaction cannot commit before it took its position) and its transaction's committed_at,
-- if recorded, is not after T. Versions written before this log existed have no row and keep
-- their stamp, as before.
--
-- One row per write transaction, not per version: a batch of 1,000 records costs one row.

CREATE TABLE lifeboat.commits (
    position     bigint PRIMARY KEY,
    committed_at timestamptz NULL
) WITH (fillfactor = 80);

CREATE FUNCTION lifeboat.stamp_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only a row this transaction created: a commit time imported from a backup is kept as it was.
    UPDATE lifeboat.commits SET committed_at = clock_timestamp() WHERE position = NEW.position AND committed_at IS NULL;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER commits_stamp_at_commit AFTER INSERT ON lifeboat.commits
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION lifeboat.stamp_commit();

CREATE OR REPLACE FUNCTION lifeboat.take_position(OUT pos bigint, OUT stamp timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v text := current_setting('lifeboat.txn_position', true);
BEGIN
    IF coalesce(v, '') = '' THEN
        pos := nextval('lifeboat.commit_position');
        stamp := clock_timestamp();
        PERFORM set_config('lifeboat.txn_position', pos::text, true);
        -- Kept as text: it round-trips exactly (a float would not, at microsecond precision).
        PERFORM set_config('lifeboat.txn_stamp', stamp::text, true);
        INSERT INTO lifeboat.commits (position) VALUES (pos);
    ELSE
        pos := v::bigint;
        stamp := current_setting('lifeboat.txn_stamp')::timestamptz;
    END IF;
END $$;
