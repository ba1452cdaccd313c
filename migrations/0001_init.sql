-- Warden's PostgreSQL schema, version 1. Applied once, in one transaction, by
-- `warden migrate` or at start; recorded in warden_schema. Never edit an applied
-- migration: add 0002_….sql instead.
--
-- Records are the same JSON documents the sled backend stores (`doc`, bytea: personal
-- data inside is sealed with its subject's key); the columns beside them are what the
-- queries select and order by. Times are i64 milliseconds since the epoch; a queue rank
-- (u64) is stored with its top bit flipped so that bigint order is rank order.

CREATE TABLE warden_counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
-- The suppression change log's last seq: its row lock serializes seq allocation.
INSERT INTO warden_counters (name, value) VALUES ('rule_seq', 0);

-- The deployment's master key (pseudonyms, the rule log's sealing key), one row.
CREATE TABLE vault_master (
    id  int PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL
);

-- One key per subject (community, author); erasure deletes the row.
CREATE TABLE subject_keys (
    subject bytea PRIMARY KEY,
    key     bytea NOT NULL
);

CREATE TABLE items (
    id            bytea PRIMARY KEY,
    community     text NOT NULL,
    content_id    text NOT NULL,
    doc           bytea NOT NULL,
    queue         smallint,
    rank          bigint,
    lease_expires bigint,
    text_due      bigint,
    UNIQUE (community, content_id)
);
CREATE INDEX items_queue ON items (queue, rank, id) WHERE queue IS NOT NULL;
CREATE INDEX items_queue_community ON items (queue, community, rank, id) WHERE queue IS NOT NULL;
CREATE INDEX items_lease ON items (lease_expires, id) WHERE lease_expires IS NOT NULL;
CREATE INDEX items_retention ON items (text_due, id) WHERE text_due IS NOT NULL;

CREATE TABLE revisions (
    item_id  bytea NOT NULL,
    revision bigint NOT NULL,
    doc      bytea NOT NULL,
    PRIMARY KEY (item_id, revision)
);

CREATE TABLE events (
    item_id bytea NOT NULL,
    seq     bigint NOT NULL,
    doc     bytea NOT NULL,
    PRIMARY KEY (item_id, seq)
);

-- The items holding a subject's data, and the communities of an author pseudonym.
CREATE TABLE subjects (
    subject bytea NOT NULL,
    item_id bytea NOT NULL,
    PRIMARY KEY (subject, item_id)
);
CREATE TABLE authors (
    author    bytea NOT NULL,
    community text NOT NULL,
    subject   bytea NOT NULL,
    PRIMARY KEY (author, community)
);

-- The suppression change log (the feed), gap-free in commit order.
CREATE TABLE rule_log (
    seq     bigint PRIMARY KEY,
    item_id bytea,
    doc     bytea NOT NULL
);
CREATE INDEX rule_log_item ON rule_log (item_id, seq) WHERE item_id IS NOT NULL;

CREATE TABLE rules_active (
    key        bytea PRIMARY KEY,
    expires_at bigint,
    doc        bytea NOT NULL
);
CREATE INDEX rules_active_expiry ON rules_active (expires_at, key) WHERE expires_at IS NOT NULL;

CREATE TABLE removals (
    subject bytea PRIMARY KEY,
    doc     bytea NOT NULL
);

CREATE TABLE decisions (
    item_id bytea NOT NULL,
    seq     bigint NOT NULL,
    at      bigint NOT NULL,
    doc     bytea NOT NULL,
    PRIMARY KEY (item_id, seq)
);
CREATE INDEX decisions_at ON decisions (at, item_id, seq);

CREATE TABLE api_keys (
    id  text PRIMARY KEY,
    doc bytea NOT NULL
);
CREATE TABLE policies (
    community text PRIMARY KEY,
    doc       bytea NOT NULL
);
CREATE TABLE wordlists (
    community text PRIMARY KEY,
    doc       bytea NOT NULL
);
CREATE TABLE audit (
    seq bigserial PRIMARY KEY,
    doc bytea NOT NULL
);
-- community '' is "named none".
CREATE TABLE score_feedback (
    id        bigserial PRIMARY KEY,
    community text NOT NULL,
    doc       bytea NOT NULL
);
CREATE INDEX score_feedback_community ON score_feedback (community, id);
