-- What happened to self-service instances, with the type and price in force, for usage and
-- cost reports: created, started, stopped, resized, terminated. Append-only.
CREATE TABLE usage_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    instance       TEXT NOT NULL,
    owner          TEXT NOT NULL,
    template       TEXT NOT NULL,
    resource       TEXT,
    event          TEXT NOT NULL,
    instance_type  TEXT NOT NULL,
    hourly_price   REAL
);
CREATE INDEX usage_events_at ON usage_events (at);
CREATE INDEX usage_events_instance ON usage_events (instance, at);
