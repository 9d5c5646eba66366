-- Usage and cost per resource and day (and month), in the zone the rollup was made in, so
-- that reports over long ranges sum a few rows per resource instead of every running
-- interval. Only complete days are rolled up; what is newer is computed when asked.
CREATE TABLE usage_days (
    zone              TEXT NOT NULL,
    day               TEXT NOT NULL,   -- YYYY-MM-DD in `zone`
    resource          TEXT NOT NULL,
    owner             TEXT NOT NULL,
    template          TEXT NOT NULL,
    schedule          TEXT NOT NULL,
    running_seconds   BIGINT NOT NULL,
    existing_seconds  BIGINT NOT NULL,
    planned_seconds   BIGINT NOT NULL,
    unplanned_seconds BIGINT NOT NULL,
    cost              DOUBLE PRECISION NOT NULL,
    saved_cost        DOUBLE PRECISION NOT NULL,
    unplanned_cost    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (zone, day, resource)
);

-- The same summed over each complete month (YYYY-MM), written once its last day is.
CREATE TABLE usage_months (
    zone              TEXT NOT NULL,
    month             TEXT NOT NULL,
    resource          TEXT NOT NULL,
    owner             TEXT NOT NULL,
    template          TEXT NOT NULL,
    schedule          TEXT NOT NULL,
    running_seconds   BIGINT NOT NULL,
    existing_seconds  BIGINT NOT NULL,
    planned_seconds   BIGINT NOT NULL,
    unplanned_seconds BIGINT NOT NULL,
    cost              DOUBLE PRECISION NOT NULL,
    saved_cost        DOUBLE PRECISION NOT NULL,
    unplanned_cost    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (zone, month, resource)
);

-- How far the rollup of each zone has got (the last complete day rolled up).
CREATE TABLE usage_rollups (
    zone       TEXT PRIMARY KEY,
    through    TEXT NOT NULL
);

-- Intervals overlapping a range are found by their end (open ones have none): those that
-- ended before it, nearly all of them, are never read. The index holds every column the
-- query reads, so a rollup over a year of history reads the index alone.
CREATE INDEX running_intervals_ended ON running_intervals (ended_at, started_at, resource);
