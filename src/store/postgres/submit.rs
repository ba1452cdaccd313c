//! Submissions on PostgreSQL: a batch (1 to 1,000 items) in one transaction whose reads
//! go out together before any item is written, so that its writes, one batch of rows per
//! table, go out together too (`rows.rs`): what the batch's items are, and what writing
//! them will ask (keys, policies, locks, removal histories, rules), in one round trip for
//! the whole batch, and the keys of first-time submitters in one more. A batch of 1,000
//! costs four round trips and a few dozen statements, not a dozen statements per item.

use std::collections::{BTreeSet, HashMap};

use tokio_postgres::types::ToSql;

use super::pipeline::Read;
use super::tx::PgTx;
use super::*;
use crate::domain::item::ItemWrite;
use crate::domain::suppress::{Cause, RemovalHistory};
use crate::store::record::{author_rule_key, content_rule_key, StoredRule};
use crate::Action;

impl PgStore {
    pub(super) fn submit_batch(&self, batch: &[Submission]) -> Result<Vec<Submitted>, Failure> {
        let subjects: Vec<SubjectId> = batch
            .iter()
            .map(|sub| self.master.subject(&sub.community, &sub.author_id))
            .collect();
        self.transact(|tx| {
            let mut found = tx.submissions_prefetch(batch, &subjects)?;
            let mut out = Vec::with_capacity(batch.len());
            for (sub, subject) in batch.iter().zip(&subjects) {
                let content = (sub.community.clone(), sub.content_id.as_str().to_string());
                let existing = found.get(&content).cloned();
                let key = tx.key_or_create(subject)?;
                let digest = hex::encode(key.mac(&[b"text", sub.text.as_str().as_bytes()]));
                let author = self.master.author_ref(&sub.author_id);
                let effect = Item::submit(existing, sub, *subject, &digest)?;
                out.push(
                    effect.written(|mut change: ItemWrite| -> Result<Item, Failure> {
                        let id = change.after.id;
                        tx.write_item(change.before.as_ref(), &mut change.after, change.events)?;
                        tx.write_revision(&id, &mut change.revision, Some(&key))?;
                        tx.defer_row(
                            &super::rows::SUBJECTS,
                            &[],
                            vec![
                                Box::new(subject.as_bytes().to_vec()),
                                Box::new(id.as_bytes().to_vec()),
                            ],
                        );
                        tx.defer_row(
                            &super::rows::AUTHORS,
                            &[],
                            vec![
                                Box::new(author.to_vec()),
                                Box::new(sub.community.as_str().to_string()),
                                Box::new(subject.as_bytes().to_vec()),
                            ],
                        );
                        // A later submission of the same content in this batch sees this one,
                        // as it would by reading the row this transaction wrote.
                        found.insert(content, change.after.clone());
                        Ok(change.after)
                    })?,
                );
            }
            Ok(out)
        })
    }
}

impl PgTx<'_> {
    /// Reads in one round trip, for the whole batch, after the advisory locks of its
    /// contents when it has several ([`content_words`]): the items it names (locked
    /// `FOR UPDATE`, in id order), the submitters' keys (share-locked), the communities'
    /// policies, the advisory locks of the removals' authors (in lock-word order, taken
    /// before their histories are read, as `lock_subject` does), their removal histories,
    /// and their author rules and the new items' content rules (locked `FOR UPDATE`, in
    /// key order); then, in one more, creates the keys of submitters who have none. Returns
    /// the items found, by `(community, content_id)`.
    fn submissions_prefetch(
        &self,
        batch: &[Submission],
        subjects: &[SubjectId],
    ) -> Result<HashMap<(CommunityId, String), Item>, Failure> {
        let distinct: BTreeSet<SubjectId> = subjects.iter().copied().collect();
        let want_keys: Vec<Vec<u8>> = distinct
            .iter()
            .filter(|s| !matches!(self.keys.borrow().get(s), Some(Some(_))))
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let communities: Vec<&str> = batch
            .iter()
            .map(|sub| sub.community.as_str())
            .filter(|c| {
                !self
                    .policies
                    .borrow()
                    .keys()
                    .any(|known| known.as_str() == *c)
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Only a removal adds to its author's removal history and may make an author
        // rule, so only removals' authors are locked and read here. Locking every
        // submitter made two nodes' batches by one author take turns; an edit of a
        // removed item, whose author's record its change also touches, is locked and
        // read when it is written (`PgTx::write_item`), a round trip later.
        let at_stake: BTreeSet<SubjectId> = batch
            .iter()
            .zip(subjects)
            .filter(|(sub, _)| sub.action == Action::Remove)
            .map(|(_, subject)| *subject)
            .collect();
        let locks = self.pending_locks(&at_stake);
        let histories: Vec<Vec<u8>> = at_stake
            .iter()
            .filter(|s| !self.removals.borrow().contains_key(s))
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let mut rule_keys: Vec<Vec<u8>> = at_stake
            .iter()
            .map(|s| author_rule_key(s, Cause::AuthorRemovals))
            .chain(batch.iter().flat_map(|sub| {
                Cause::CONTENT
                    .iter()
                    .map(|cause| content_rule_key(&sub.new_id, *cause))
            }))
            .filter(|k| !self.rules.borrow().contains_key(k))
            .collect();
        rule_keys.sort();
        rule_keys.dedup();
        let names: Vec<&str> = batch.iter().map(|sub| sub.community.as_str()).collect();
        let contents: Vec<&str> = batch.iter().map(|sub| sub.content_id.as_str()).collect();

        let content_words = content_words(batch);

        let mut reads: Vec<Read<'_>> = Vec::new();
        if content_words.len() > 1 {
            // Before anything else, and before the items are read (a statement reads in
            // the snapshot it starts with): see [`content_words`].
            reads.push((
                "SELECT pg_advisory_xact_lock($1, w) FROM unnest($2::int4[]) AS w",
                vec![
                    &CONTENT_LOCKS as &(dyn ToSql + Sync),
                    &content_words as &(dyn ToSql + Sync),
                ],
            ));
        }
        if !want_keys.is_empty() {
            reads.push((
                "SELECT subject, key FROM subject_keys WHERE subject = ANY($1) \
                 ORDER BY subject FOR SHARE",
                vec![&want_keys as &(dyn ToSql + Sync)],
            ));
        }
        reads.push((
            "SELECT doc FROM items WHERE (community, content_id) IN \
             (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY id FOR UPDATE",
            vec![
                &names as &(dyn ToSql + Sync),
                &contents as &(dyn ToSql + Sync),
            ],
        ));
        if !communities.is_empty() {
            reads.push((
                "SELECT community, doc FROM policies WHERE community = ANY($1)",
                vec![&communities as &(dyn ToSql + Sync)],
            ));
        }
        reads.extend(locks.statement());
        if !histories.is_empty() {
            reads.push((
                "SELECT subject, doc FROM removals WHERE subject = ANY($1)",
                vec![&histories as &(dyn ToSql + Sync)],
            ));
        }
        if !rule_keys.is_empty() {
            reads.push((
                "SELECT key, doc FROM rules_active WHERE key = ANY($1) ORDER BY key FOR UPDATE",
                vec![&rule_keys as &(dyn ToSql + Sync)],
            ));
        }
        let mut results = self.send_reads(reads)?;
        let mut next = || results.next();
        if content_words.len() > 1 {
            next()?;
        }
        let mut missing: Vec<SubjectId> = Vec::new();
        if !want_keys.is_empty() {
            let mut keys: HashMap<SubjectId, Key> = HashMap::new();
            for row in next()? {
                let subject: &[u8] = row.try_get(0).map_err(internal)?;
                keys.insert(subject_id(subject)?, key_in(&row, 1)?);
            }
            let mut known = self.keys.borrow_mut();
            for bytes in &want_keys {
                let subject = subject_id(bytes)?;
                let key = keys.remove(&subject);
                if key.is_none() {
                    missing.push(subject);
                }
                known.insert(subject, key);
            }
        }
        let mut items = HashMap::new();
        for row in next()? {
            let item: Item = decode(row.try_get::<_, &[u8]>(0).map_err(internal)?)?;
            items.insert(
                (item.community.clone(), item.content_id.as_str().to_string()),
                item,
            );
        }
        if !communities.is_empty() {
            let mut read: HashMap<String, CommunityPolicy> = HashMap::new();
            for row in next()? {
                let community: String = row.try_get(0).map_err(internal)?;
                read.insert(
                    community,
                    decode(row.try_get::<_, &[u8]>(1).map_err(internal)?)?,
                );
            }
            let mut policies = self.policies.borrow_mut();
            for sub in batch {
                let policy = read.get(sub.community.as_str()).cloned();
                policies
                    .entry(sub.community.clone())
                    .or_insert_with(|| policy.unwrap_or_default());
            }
        }
        locks.taken(self, &mut next)?;
        if !histories.is_empty() {
            let mut read: HashMap<SubjectId, RemovalHistory> = HashMap::new();
            for row in next()? {
                let subject: &[u8] = row.try_get(0).map_err(internal)?;
                read.insert(
                    subject_id(subject)?,
                    decode(row.try_get::<_, &[u8]>(1).map_err(internal)?)?,
                );
            }
            let mut removals = self.removals.borrow_mut();
            for bytes in &histories {
                let subject = subject_id(bytes)?;
                let history = read.remove(&subject).unwrap_or_default();
                removals.insert(subject, history);
            }
        }
        if !rule_keys.is_empty() {
            let found = next()?;
            let mut rules = self.rules.borrow_mut();
            for key in rule_keys {
                rules.insert(key, None);
            }
            for row in &found {
                let key: Vec<u8> = row.try_get(0).map_err(internal)?;
                let rule: StoredRule = decode(row.try_get::<_, &[u8]>(1).map_err(internal)?)?;
                rules.insert(key, Some(rule));
            }
        }
        self.create_keys(&missing)?;
        Ok(items)
    }

    /// Creates the keys of `subjects`, known to have none, in one statement; a key
    /// another transaction made meanwhile is read instead (`key_or_create`).
    ///
    /// The subjects' advisory locks are taken first, in the same round trip: an erasure
    /// of a subject without a key finds no key row to wait at, so it is the lock that
    /// makes it and a first submission take turns (the erasure then either sees the
    /// submission's item or comes before it).
    fn create_keys(&self, subjects: &[SubjectId]) -> Result<(), Failure> {
        if subjects.is_empty() {
            return Ok(());
        }
        let locks = self.pending_locks(subjects);
        let fresh: Vec<(SubjectId, Key)> = subjects.iter().map(|s| (*s, Key::random())).collect();
        let ids: Vec<&[u8]> = fresh.iter().map(|(s, _)| s.as_bytes().as_slice()).collect();
        let keys: Vec<&[u8]> = fresh.iter().map(|(_, k)| k.expose().as_slice()).collect();
        let mut statements: Vec<Read<'_>> = locks.statement().into_iter().collect();
        statements.push((
            "INSERT INTO subject_keys (subject, key) \
             SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
             ON CONFLICT (subject) DO NOTHING RETURNING subject",
            vec![&ids as &(dyn ToSql + Sync), &keys as &(dyn ToSql + Sync)],
        ));
        let mut results = self.send_reads(statements)?;
        let mut next = || results.next();
        locks.taken(self, &mut next)?;
        let made = next()?;
        let mut made_here = BTreeSet::new();
        for row in &made {
            made_here.insert(subject_id(row.try_get(0).map_err(internal)?)?);
        }
        let mut known = self.keys.borrow_mut();
        for (subject, key) in fresh {
            if made_here.contains(&subject) {
                known.insert(subject, Some(key));
            } else {
                // Another transaction made it: `key_or_create` reads it.
                known.remove(&subject);
            }
        }
        Ok(())
    }
}

fn subject_id(bytes: &[u8]) -> Result<SubjectId, Failure> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| internal("malformed subject"))?;
    Ok(SubjectId::from_bytes(id))
}

fn key_in(row: &tokio_postgres::Row, column: usize) -> Result<Key, Failure> {
    let bytes: &[u8] = row.try_get(column).map_err(internal)?;
    let bytes: [u8; crate::domain::privacy::crypto::KEY_LEN] = bytes
        .try_into()
        .map_err(|_| internal("malformed subject key"))?;
    Ok(Key::from_bytes(bytes))
}

/// The namespace of [`content_words`]' advisory locks (the two-key form, a key space of
/// its own beside the one-key subject locks).
const CONTENT_LOCKS: i32 = 0x7763_6e74;

/// Advisory lock words for the batch's `(community, content_id)`s, sorted, deduplicated.
///
/// Two batches creating the same new contents in opposite orders (two nodes, or a
/// coalesced batch beside a large request) used to meet at the items' unique index,
/// each waiting for the other's insert: a deadlock, which PostgreSQL detects only after
/// `deadlock_timeout` (1 s) and `transact` then reruns. Batches of more than one content
/// take these locks first, in one order, so the second waits for the first to commit and
/// then reads its items as existing. A stable hash (FNV-1a, 32 bits) so that every node
/// and version computes the same words; a collision only makes two batches take turns.
fn content_words(batch: &[Submission]) -> Vec<i32> {
    let mut words: Vec<i32> = batch
        .iter()
        .map(|sub| {
            let mut hash: u32 = 0x811c_9dc5;
            let bytes = sub.community.as_str().bytes();
            // 0xff never occurs in UTF-8: the community and content id cannot run together.
            for byte in bytes.chain([0xff]).chain(sub.content_id.as_str().bytes()) {
                hash ^= u32::from(byte);
                hash = hash.wrapping_mul(0x0100_0193);
            }
            i32::from_ne_bytes(hash.to_ne_bytes())
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}
