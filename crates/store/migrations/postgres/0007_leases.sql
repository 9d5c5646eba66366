-- Work shared by replicas of `isched serve` on one database: whoever holds a lease does
-- the work; the holder renews it, and when it lapses (the holder died) another takes it.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
