-- A running interval is written open and updated when the resource stops, so a pass that
-- stops a fleet leaves one dead row per resource, and the dead rows' entries in the index
-- on ended_at are what a query for the open intervals reads until a vacuum removes them:
-- the usage page's "today" went from 2 ms to 25 ms that way after stopping 10,000 resources
-- thirty times. Vacuum this table after 1% of it changed (and at least 1,000 rows), not
-- after Postgres's default 20%, so that autovacuum cleans up within a minute of a big pass.
ALTER TABLE running_intervals SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01,
    autovacuum_analyze_threshold = 1000
);
