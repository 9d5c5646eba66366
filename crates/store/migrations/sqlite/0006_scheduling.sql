-- The scheduler's memory: the last desired state per resource (to tell a schedule
-- transition from a manual change, as AWS Instance Scheduler does) and the history of
-- every action and deliberate non-action. Times are Unix milliseconds.
CREATE TABLE resource_states (
    resource     TEXT PRIMARY KEY, -- provider:account:region:id
    schedule     TEXT NOT NULL,
    last_desired TEXT NOT NULL,
    last_reason  TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL
);

CREATE TABLE resource_history (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       BIGINT NOT NULL,
    resource TEXT NOT NULL,
    schedule TEXT,
    action   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX resource_history_resource ON resource_history (resource, at);
