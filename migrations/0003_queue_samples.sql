-- Warden's PostgreSQL schema, version 3: queue depth and age over time (issue 14).
-- Same conventions as 0001: JSON documents in `doc`.

-- One community's queue at the start of a sampling period (`domain::queue_samples`),
-- written by one node's sampler, dropped after the retention period. The key makes a
-- period sampled twice (by two nodes in turn) replace its rows rather than add to them.
CREATE TABLE queue_samples (
    at        bigint NOT NULL,
    community text NOT NULL,
    queue     smallint NOT NULL, -- the queue's tag (review 1, escalated 2, appeals 3)
    doc       bytea NOT NULL,
    PRIMARY KEY (at, community, queue)
);
