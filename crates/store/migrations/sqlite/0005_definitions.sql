-- Periods, schedules and calendars as users wrote them (JSON in AWS Instance Scheduler's
-- field names plus isched's extensions). The engine validates the whole set on every
-- change, so what is stored always parses.
CREATE TABLE definitions (
    kind       TEXT NOT NULL CHECK (kind IN ('period', 'schedule', 'calendar')),
    name       TEXT NOT NULL,
    spec       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);
