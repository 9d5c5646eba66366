-- What the cloud looked like when isched last looked: every resource a scheduler pass or a
-- discovery saw, with the schedule it follows and when it was last seen. Lists of resources
-- are served from here (paged, filtered) instead of asking the cloud on every request.
CREATE TABLE inventory (
    resource        TEXT PRIMARY KEY, -- provider:account:region:id
    provider        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    cloud_id        TEXT NOT NULL,
    state           TEXT NOT NULL,
    instance_type   TEXT,
    tags            TEXT NOT NULL,    -- JSON object
    schedule        TEXT,             -- the schedule it follows, if any
    schedule_source TEXT,             -- 'tag' or 'assignment'
    unschedulable   TEXT,             -- why that schedule cannot be followed
    desired         TEXT,             -- running, stopped or any, at the last pass
    reason          TEXT,             -- the last decision's reason
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL
);
CREATE INDEX inventory_cloud_id ON inventory (cloud_id);
CREATE INDEX inventory_target ON inventory (provider, account, region);
CREATE INDEX inventory_schedule ON inventory (schedule, resource);

-- One counter for every change that the scheduler must act on (definitions, overrides,
-- assignments, instances): each replica watches it, so a change made through any replica
-- or the CLI is acted on at once by whichever replica holds the target.
INSERT INTO settings (key, value, updated_at)
SELECT 'change_counter', COALESCE((SELECT value FROM settings WHERE key = 'definitions_version'), '0'), 0
WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'change_counter');
