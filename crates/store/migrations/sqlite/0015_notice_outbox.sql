-- Notices waiting to reach someone: one row per channel and recipient, written before the
-- first attempt, so that a notice survives a restart and a failed delivery is retried with
-- backoff. `next_attempt_at` doubles as the claim: a worker pushes it past its attempt.
CREATE TABLE notice_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel          TEXT NOT NULL,
    recipient        TEXT,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    delivered_at     BIGINT,
    gave_up_at       BIGINT,
    last_error       TEXT
);
CREATE INDEX notice_outbox_due ON notice_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- Notices that go out once per period (a budget warning per month, a quota hit per day):
-- the first replica to insert the key sends it.
CREATE TABLE notice_marks (
    key  TEXT PRIMARY KEY,
    at   BIGINT NOT NULL
);
