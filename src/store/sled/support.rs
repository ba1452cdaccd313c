//! Helpers of the sled backend: startup repairs (index backfill, orphan keys) and the
//! small routines several stores of config and index share. Split from `mod.rs` to keep
//! files short.

use std::ops::Bound;

use serde::Serialize;
use sled::{Transactional, Tree};

use super::keys::*;
use super::*;

impl SledStore {
    /// Fills `rules_by_item` from the change log when a store written before the index
    /// existed is opened. A marker in `meta`, written after the filled index is flushed,
    /// says it is done: a backfill cut short by a crash runs again in full (the inserts
    /// are idempotent) rather than leaving a partial index that looks complete.
    pub(super) fn index_rules_by_item(&self) -> std::result::Result<(), Failure> {
        if self
            .tree(META)
            .contains_key(RULES_BY_ITEM_FILLED)
            .map_err(internal)?
        {
            return Ok(());
        }
        for kv in self.tree(RULE_LOG).iter() {
            let (key, value) = kv.map_err(internal)?;
            let stored: StoredRule = decode(&value)?;
            if let Some(item) = stored.reason.item_id {
                self.tree(RULES_BY_ITEM)
                    .insert(child_key(&item, &key), &[][..])
                    .map_err(internal)?;
            }
        }
        self.tree(RULES_BY_ITEM).flush().map_err(internal)?;
        self.tree(META)
            .insert(RULES_BY_ITEM_FILLED, &[][..])
            .map_err(internal)?;
        self.tree(META).flush().map_err(internal)?;
        Ok(())
    }

    /// Keys whose subject no longer has data: an erasure interrupted between its commit
    /// and the key's destruction, or a submission that never committed.
    pub(super) fn destroy_orphan_keys(&self) -> std::result::Result<(), Failure> {
        let _erasing = self.vault.erasing();
        for subject in self.vault.subjects_on_disk()? {
            let used = self
                .tree(SUBJECTS)
                .scan_prefix(subject.as_bytes())
                .next()
                .is_some();
            if !used {
                self.vault.destroy(&subject)?;
            }
        }
        Ok(())
    }
}

impl SledStore {
    pub(super) fn entries_after(
        &self,
        tree: &Tree,
        prefix: &[u8],
        after: Option<Cursor>,
        limit: usize,
        mut entry: impl FnMut(&[u8], &[u8]) -> std::result::Result<QueueEntry, Failure>,
    ) -> std::result::Result<Vec<QueueEntry>, Failure> {
        let after = after.map(|c| c.to_bytes());
        let start = scan_start(prefix, after.as_ref().map(|b| b.as_slice()));
        let mut out = Vec::new();
        for kv in tree.range((start, Bound::Unbounded)) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = kv.map_err(internal)?;
            if !k.starts_with(prefix) {
                break;
            }
            out.push(entry(&k, &v)?);
        }
        Ok(out)
    }

    pub(super) fn put_config<T: Serialize>(
        &self,
        tree: &Tree,
        key: &[u8],
        value: &T,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        let bytes = encode(value)?;
        let record = encode(audit)?;
        let seq = self.db.generate_id().map_err(internal)?;
        finish((tree, self.tree(AUDIT)).transaction(|(tree, log)| {
            tree.insert(key, bytes.as_slice())?;
            log.insert(&seq.to_be_bytes()[..], record.as_slice())?;
            Ok(())
        }))
    }

    /// Keys of a time-ordered index up to `now`, soonest first.
    pub(super) fn due(
        &self,
        tree: usize,
        now: Timestamp,
        limit: usize,
    ) -> std::result::Result<Vec<sled::IVec>, Failure> {
        let end = time_bytes(Timestamp::from_millis(now.millis().saturating_add(1)));
        self.tree(tree)
            .range(..end)
            .take(limit)
            .map(|kv| Ok(kv.map_err(internal)?.0))
            .collect()
    }
}
