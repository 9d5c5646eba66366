-- Schedules assigned to resources through the API (no tag needed); such an assignment
-- wins over the resource's `Schedule` tag.
CREATE TABLE resource_assignments (
    resource    TEXT PRIMARY KEY, -- provider:account:region:id
    schedule    TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);

-- One row per reminder sent before a scheduled stop, so that every stop is announced once
-- even with several replicas (the insert decides who sends).
CREATE TABLE reminders_sent (
    resource TEXT NOT NULL,
    stop_at  BIGINT NOT NULL,
    sent_at  BIGINT NOT NULL,
    PRIMARY KEY (resource, stop_at)
);

-- Running intervals per resource, for usage and cost: opened when the scheduler first
-- sees a resource running, closed when it sees it stopped (or gone).
CREATE TABLE running_intervals (
    id         BIGSERIAL PRIMARY KEY,
    resource   TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX running_intervals_resource ON running_intervals (resource, started_at);
CREATE UNIQUE INDEX running_intervals_open ON running_intervals (resource) WHERE ended_at IS NULL;
