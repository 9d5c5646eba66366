-- A pass writes its actions to the history as 'in progress' before it calls the cloud, and
-- replaces them with their outcomes when it records the pass. Rows still 'in progress' are
-- what a killed pass left; the next pass settles them. This index finds them without
-- reading the whole history.
CREATE INDEX resource_history_in_progress ON resource_history (resource)
    WHERE outcome = 'in progress';
