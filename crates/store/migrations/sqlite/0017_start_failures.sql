-- Failed starts in a row per resource, so that the backoff and the one report after the
-- retries are spent survive a restart and a lease moving to another replica. Only
-- resources whose last start failed have a row; a start that succeeds deletes it.
CREATE TABLE start_failures (
    resource   TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
