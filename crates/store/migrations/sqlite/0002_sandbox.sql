-- The sandbox provider's simulated instances: they live in isched's own database so that
-- they survive restarts. Times are Unix milliseconds.
CREATE TABLE sandbox_instances (
    id            TEXT PRIMARY KEY,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    instance_type TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'stopping', 'stopped', 'terminated')),
    state_since   BIGINT NOT NULL,
    tags          TEXT NOT NULL DEFAULT '{}',
    image_id      TEXT,
    client_token  TEXT UNIQUE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX sandbox_instances_target ON sandbox_instances (account, region);
