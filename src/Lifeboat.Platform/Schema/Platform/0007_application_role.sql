-- The application role (see the store's 0007_roles.sql) works the platform's own tables: their
-- guards are triggers (the audit log is append-only for every role), not privileges. Tables later
-- migrations create get the same rights.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lifeboat_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA platform TO lifeboat_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA platform TO lifeboat_app;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA platform TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO lifeboat_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO lifeboat_app;
END $$;
