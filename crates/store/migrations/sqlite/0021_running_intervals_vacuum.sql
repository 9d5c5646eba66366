-- Postgres only (autovacuum settings for running_intervals); SQLite updates its indexes in
-- place and leaves no dead rows to vacuum. Kept so that both backends number alike.
SELECT 1;
