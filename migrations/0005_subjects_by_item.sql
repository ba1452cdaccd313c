-- Warden's PostgreSQL schema, version 5: the subjects holding data in an item, by item.
--
-- A claim brings back the keys of the subjects of each item it hands out
-- (`src/store/postgres/claim.rs`), joining `subjects` on `item_id`. The primary key
-- (subject, item_id) cannot find an item's rows, so without this index every claimed
-- item cost a scan of the whole table (a hash built over all of it): the most expensive
-- part of a claim under load, growing with the number of items. One more index entry per
-- item written once.
CREATE INDEX subjects_item ON subjects (item_id);
