-- Limits on what one user may have: set for a user, or for a group (then each member of
-- the group has that limit). Null: no limit of that kind.
CREATE TABLE quotas (
    subject_kind    TEXT NOT NULL,       -- user or group
    subject         TEXT NOT NULL,       -- a user id, or a group name
    max_instances   BIGINT,
    max_vcpus       BIGINT,
    monthly_budget  DOUBLE PRECISION,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject)
);
