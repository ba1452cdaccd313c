-- Warden's PostgreSQL schema, version 4: the hourly tier of queue samples (issue 14).
-- Same conventions as 0001: JSON documents in `doc`.

-- One community's queue over an hour (`domain::queue_samples`): the highest depth and
-- ages of that hour's samples in `queue_samples`, at the hour's start. The sampler
-- rewrites the current hour's rows each period; reports over windows longer than a day
-- read these instead of every sample. Dropped after the same retention period.
CREATE TABLE queue_samples_hourly (
    at        bigint NOT NULL,
    community text NOT NULL,
    queue     smallint NOT NULL, -- the queue's tag (review 1, escalated 2, appeals 3)
    doc       bytea NOT NULL,
    PRIMARY KEY (at, community, queue)
);
