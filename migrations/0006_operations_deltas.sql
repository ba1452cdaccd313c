-- Warden's PostgreSQL schema, version 6: the operations dashboard's tallies become
-- append-only deltas.
--
-- Until now every item transaction upserted its (hour, community) row, which locked and
-- returned it, then wrote the sum back: two statements and two row versions per
-- transaction on one row every writer of that hour and community waits for until it
-- commits. Now a transaction inserts what it adds as a row of its own (no read, no lock),
-- reads sum a key's rows, and a node now and then folds a key's rows into one
-- (`src/store/postgres/tally.rs`). The primary key goes: a key has many rows. The
-- tallies stored so far stay as they are, each the one row of its key.
ALTER TABLE operations DROP CONSTRAINT operations_pkey;
CREATE INDEX operations_key ON operations (hour, community);
