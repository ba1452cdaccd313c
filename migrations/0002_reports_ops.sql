-- Warden's PostgreSQL schema, version 2: user reports' reporters, webhooks with their
-- outbox and deliveries, and the operations dashboard's tallies (issues 13 and 14).
-- Same conventions as 0001: JSON documents in `doc`, personal data sealed inside.

-- The webhook outbox's last seq: like rule_seq, its row lock serializes allocation, so
-- outbox seqs are gap-free in commit order.
INSERT INTO warden_counters (name, value) VALUES ('outbox_seq', 0);
-- The last outbox seq turned into deliveries. Fan-outs lock this row (FOR UPDATE), so
-- with several nodes one fans out a range at a time and none twice.
INSERT INTO warden_counters (name, value) VALUES ('fanout_cursor', 0);

-- A reporter's record (trusted mark, recent outcomes), by pseudonym; erasure deletes it.
CREATE TABLE reporters (
    subject bytea PRIMARY KEY,
    doc     bytea NOT NULL
);

-- Events a change led to, written in the change's transaction; deleted once fanned out.
CREATE TABLE outbox (
    seq bigint PRIMARY KEY,
    doc bytea NOT NULL
);

-- Webhook endpoints (deleted ones kept, with deleted_at), secret sealed under the log key.
CREATE TABLE webhooks (
    id  text PRIMARY KEY,
    doc bytea NOT NULL
);

CREATE TABLE deliveries (
    webhook text NOT NULL,
    seq     bigint NOT NULL,
    pending boolean NOT NULL,
    doc     bytea NOT NULL,
    PRIMARY KEY (webhook, seq)
);
CREATE INDEX deliveries_pending ON deliveries (seq, webhook) WHERE pending;

-- The operations dashboard: one tally per (hour, community), summed in item transactions.
CREATE TABLE operations (
    hour      bigint NOT NULL,
    community text NOT NULL,
    doc       bytea NOT NULL,
    PRIMARY KEY (hour, community)
);
