-- Self-service instances and the durable jobs that provision them. A create request inserts
-- the instance and its job in one transaction, so a request is never lost and never done
-- twice: the job's id is the cloud's idempotency token.
CREATE TABLE instances (
    id                TEXT PRIMARY KEY,
    owner             TEXT NOT NULL,      -- user id
    name              TEXT NOT NULL,
    template          TEXT NOT NULL,
    provider          TEXT NOT NULL,
    account           TEXT NOT NULL,
    region            TEXT NOT NULL,
    instance_type     TEXT NOT NULL,
    schedule          TEXT NOT NULL,
    hourly_price      REAL,               -- at creation, for usage
    lifecycle         TEXT NOT NULL,      -- provisioning, active, failed, terminated
    cloud_id          TEXT,
    resource          TEXT,               -- provider:account:region:cloud_id, once launched
    job               TEXT NOT NULL,      -- the job that created it
    login_username    TEXT,
    login_host        TEXT,
    login_fingerprint TEXT,               -- the login itself is never stored here
    login_shown_at    BIGINT,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    expired_at        BIGINT,             -- when its end of life was acted on
    terminated_at     BIGINT
);
-- A name is the owner's to reuse once the instance that had it is gone.
CREATE UNIQUE INDEX instances_owner_name ON instances (owner, name)
    WHERE lifecycle IN ('provisioning', 'active');
CREATE INDEX instances_owner ON instances (owner, id);
CREATE INDEX instances_template ON instances (template);
CREATE INDEX instances_resource ON instances (resource);

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,        -- create_instance
    owner           TEXT NOT NULL,
    instance        TEXT,
    state           TEXT NOT NULL,        -- queued, running, succeeded, failed
    steps           TEXT NOT NULL,        -- JSON [{"name","state","at"}]
    error           TEXT,                 -- JSON {"code","message"}
    result          TEXT,                 -- JSON, never a secret
    secret          TEXT,                 -- the login, until its owner has read it once
    idempotency_key TEXT,
    claimed_by      TEXT,                 -- the worker running it, until claimed_until
    claimed_until   BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key);
CREATE INDEX jobs_open ON jobs (state, created_at);
