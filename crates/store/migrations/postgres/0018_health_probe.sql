-- One row that the health check writes, so that it reports a database that answers but
-- cannot be written (a full disk, a read-only file or standby) as down.
CREATE TABLE health_probe (
    id         INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
