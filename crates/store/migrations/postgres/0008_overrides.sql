-- Expiring per-resource overrides ("keep running until T", "stopped until T"): they beat
-- the schedule until `until`, then are cleared (and the clearing recorded in the history).
CREATE TABLE resource_overrides (
    resource   TEXT PRIMARY KEY, -- provider:account:region:id
    state      TEXT NOT NULL CHECK (state IN ('running', 'stopped')),
    until      BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
