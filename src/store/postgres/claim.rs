//! Claims on PostgreSQL: one transaction locks the first waiting items no other
//! transaction holds (`FOR UPDATE SKIP LOCKED`), and the same statement brings back what
//! a moderator's view of each needs (its current revision, the keys of its subjects), so
//! that no read follows the claim. The keys are share-locked there as the item
//! transaction's own key read would lock them (an erasure waits), so the transaction
//! does not read them again: a claim is its statement and its writes.

use tokio_postgres::types::ToSql;

use std::collections::HashMap;

use super::*;
use crate::domain::community::CommunityPolicy;
use crate::domain::consequences::{needs, Needs};
use crate::domain::item::is_lost_race;
use crate::domain::privacy::crypto::KEY_LEN;
use crate::domain::suppress::Cause;
use crate::ids::CommunityId;
use crate::store::record::content_rule_key;
use crate::Code;

/// A claimed item with its current revision's stored document and the keys of the
/// subjects holding data in it, as the claim's statement read them.
pub(super) struct Claimed {
    pub(super) item: Item,
    revision: Option<Vec<u8>>,
    keys: Vec<(SubjectId, [u8; KEY_LEN])>,
}

/// The items are locked in a materialized CTE so that the revision and key subqueries
/// run for the claimed rows only, never for rows skipped or sorted past.
const CLAIM: &str = "WITH c AS MATERIALIZED ( \
       SELECT id, doc, rank FROM items WHERE queue = $1 AND ($2 OR community = ANY($3)) \
       ORDER BY rank, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     SELECT c.doc, \
       (SELECT r.doc FROM revisions r WHERE r.item_id = c.id ORDER BY r.revision DESC LIMIT 1), \
       ARRAY(SELECT s.subject || k.key FROM subjects s \
             JOIN subject_keys k ON k.subject = s.subject WHERE s.item_id = c.id \
             FOR SHARE OF k) \
     FROM c ORDER BY c.rank, c.id";

/// The items of a step of several changes, locked in id order.
const MANY_ITEMS: &str = "SELECT doc FROM items WHERE id = ANY($1) ORDER BY id FOR UPDATE";

/// Their latest revisions.
const MANY_REVISIONS: &str = "SELECT DISTINCT ON (item_id) item_id, doc FROM revisions \
     WHERE item_id = ANY($1) ORDER BY item_id, revision DESC";

/// The keys of the subjects holding data in them, `subject || key`, share-locked so an
/// erasure waits (as [`CLAIM`] reads them).
const MANY_KEYS: &str = "SELECT s.subject || k.key FROM subjects s \
     JOIN subject_keys k ON k.subject = s.subject WHERE s.item_id = ANY($1) \
     ORDER BY k.subject FOR SHARE OF k";

/// The policies of their communities (a community without a row has the defaults).
const MANY_POLICIES: &str = "SELECT community, doc FROM policies \
     WHERE community IN (SELECT community FROM items WHERE id = ANY($1))";

/// Their content rules, locked in key order.
const MANY_RULES: &str =
    "SELECT key, doc FROM rules_active WHERE key = ANY($1) ORDER BY key FOR UPDATE";

/// An item as stored, the item its change made, and the change's events.
type Applied = (Item, Item, Vec<Event>);

impl PgStore {
    /// Claims for each claimer, `(limit, change)`, in one transaction: one statement
    /// locks as many waiting items of `queue` as the claimers want together, highest
    /// priority first, and they are handed out in that order, the first claimer's first.
    /// An item whose change refuses because it was taken meanwhile is skipped.
    pub(super) fn claim_rows(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        claims: &[(usize, &Change<'_>)],
    ) -> Result<Vec<Vec<Claimed>>, Failure> {
        let names: Vec<&str> = match communities {
            CommunityFilter::All => Vec::new(),
            CommunityFilter::Only(list) => list.iter().map(|c| c.as_str()).collect(),
        };
        let all = matches!(communities, CommunityFilter::All);
        let wanted: usize = claims.iter().map(|(limit, _)| *limit).sum();
        let wanted = i64::try_from(wanted).unwrap_or(i64::MAX);
        self.transact(|tx| {
            let rows = tx.rows(CLAIM, &[&i16::from(queue.tag()), &all, &names, &wanted])?;
            let mut claimed: Vec<Vec<Claimed>> = claims
                .iter()
                .map(|(limit, _)| Vec::with_capacity(*limit))
                .collect();
            // The claimer the next row goes to: the first whose limit is not reached.
            let mut whose = 0;
            for row in rows {
                while claimed
                    .get(whose)
                    .is_some_and(|c| c.len() >= claims[whose].0)
                {
                    whose += 1;
                }
                let (Some(change), Some(mine)) = (claims.get(whose), claimed.get_mut(whose)) else {
                    break;
                };
                let before: Item = decode(row.try_get::<_, &[u8]>(0).map_err(internal)?)?;
                let keys = split_keys(row.try_get(2).map_err(internal)?)?;
                // Locked by the claim's statement: the item's change need not read them.
                for (subject, key) in &keys {
                    tx.keys
                        .borrow_mut()
                        .entry(*subject)
                        .or_insert_with(|| Some(Key::from_bytes(*key)));
                }
                let mut after = before.clone();
                match (change.1)(&mut after) {
                    Ok(evs) => {
                        tx.write_item(Some(&before), &mut after, evs)?;
                        mine.push(Claimed {
                            item: after,
                            revision: row.try_get(1).map_err(internal)?,
                            keys,
                        });
                    }
                    // Its lease ended or it changed queue since the row matched.
                    Err(f) if is_lost_race(&f) || f.code() == Code::NotFound => {}
                    Err(f) => return Err(f),
                }
            }
            Ok(claimed)
        })
    }

    /// [`Store::update`], bringing back what opening the item needs: its latest
    /// revision, read with its row lock in the transaction's first round trip (a change
    /// writes no revision), and the keys the transaction read.
    pub(super) fn update_rows(&self, id: &ItemId, change: &Change<'_>) -> Result<Claimed, Failure> {
        let id_bytes = id.as_bytes().as_slice();
        self.transact(|tx| {
            let mut reads = tx.send_reads(vec![
                (
                    "SELECT doc FROM items WHERE id = $1 FOR UPDATE",
                    vec![&id_bytes as &(dyn ToSql + Sync)],
                ),
                (
                    "SELECT doc FROM revisions WHERE item_id = $1 \
                         ORDER BY revision DESC LIMIT 1",
                    vec![&id_bytes as &(dyn ToSql + Sync)],
                ),
            ])?;
            let mut next = || reads.next();
            let Some(before) = super::pipeline::first_doc::<Item>(&next()?)? else {
                return Err(Failure::not_found("item"));
            };
            let revision: Option<Vec<u8>> = match next()?.first() {
                Some(row) => Some(row.try_get(0).map_err(internal)?),
                None => None,
            };
            let mut after = before.clone();
            let evs = change(&mut after)?;
            tx.write_item(Some(&before), &mut after, evs)?;
            let keys = tx
                .keys
                .borrow()
                .iter()
                .filter_map(|(s, k)| k.as_ref().map(|k| (*s, *k.expose())))
                .collect();
            Ok(Claimed {
                item: after,
                revision,
                keys,
            })
        })
    }

    /// [`Store::update_many_opened`] in one transaction. Its first round trip locks the
    /// items in id order and reads their latest revisions, their subjects' keys
    /// (share-locked), their communities' policies and their content rules (locked in
    /// key order); every change is then applied to its item before anything is written
    /// (a refusal writes nothing of that item); one more round trip locks the authors
    /// whose removals the changes touch, in lock-word order, and reads what else the
    /// writes need ([`PgTx::prefetch_all`]); then each item is written as
    /// [`Store::update`] writes it.
    ///
    /// The orders are what keep two nodes' steps (and single changes) from deadlocking:
    /// item rows in one statement by id; what belongs to an item (its content rules) only
    /// once the item is held; keys share-locked, which only an erasure waits for; authors'
    /// advisory locks in one statement by word, before their histories and rules.
    pub(super) fn update_many_rows(
        &self,
        changes: &[(ItemId, &Change<'_>)],
    ) -> Result<Vec<Result<Claimed, Failure>>, Failure> {
        let mut ids: Vec<Vec<u8>> = changes
            .iter()
            .map(|(id, _)| id.as_bytes().to_vec())
            .collect();
        ids.sort();
        ids.dedup();
        // The items' own content rules, whether or not their changes touch them: locking
        // them with the items (whose locks we hold anyway) costs less than a round trip.
        let mut rule_keys: Vec<Vec<u8>> = changes
            .iter()
            .flat_map(|(id, _)| Cause::CONTENT.map(|cause| content_rule_key(id, cause)))
            .collect();
        rule_keys.sort();
        rule_keys.dedup();
        self.transact(|tx| {
            let mut reads = tx.send_reads(vec![
                (MANY_ITEMS, vec![&ids as &(dyn ToSql + Sync)]),
                (MANY_REVISIONS, vec![&ids as &(dyn ToSql + Sync)]),
                (MANY_KEYS, vec![&ids as &(dyn ToSql + Sync)]),
                (MANY_POLICIES, vec![&ids as &(dyn ToSql + Sync)]),
                (MANY_RULES, vec![&rule_keys as &(dyn ToSql + Sync)]),
            ])?;
            let mut next = || reads.next();
            let mut items: HashMap<ItemId, Item> = HashMap::new();
            for row in next()? {
                let item: Item = decode(row.try_get::<_, &[u8]>(0).map_err(internal)?)?;
                items.insert(item.id, item);
            }
            let mut revisions: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
            for row in next()? {
                revisions.insert(
                    row.try_get(0).map_err(internal)?,
                    row.try_get(1).map_err(internal)?,
                );
            }
            // What the writes would otherwise read item by item (`PgTx::prefetch`): the
            // subjects' keys (share-locked, as the claim's statement locks them), the
            // communities' policies (defaults where none is set), the content rules.
            let pairs = next()?
                .iter()
                .map(|row| row.try_get(0))
                .collect::<Result<Vec<Vec<u8>>, tokio_postgres::Error>>()
                .map_err(internal)?;
            for (subject, key) in split_keys(pairs)? {
                tx.keys
                    .borrow_mut()
                    .insert(subject, Some(Key::from_bytes(key)));
            }
            {
                let mut policies = tx.policies.borrow_mut();
                for row in next()? {
                    let community: &str = row.try_get(0).map_err(internal)?;
                    let community: CommunityId = community.parse().map_err(internal)?;
                    let policy: CommunityPolicy =
                        decode(row.try_get::<_, &[u8]>(1).map_err(internal)?)?;
                    policies.insert(community, policy);
                }
                for item in items.values() {
                    policies.entry(item.community.clone()).or_default();
                }
            }
            let found = next()?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<Vec<(Vec<u8>, Vec<u8>)>, tokio_postgres::Error>>()
                .map_err(internal)?;
            tx.keep_rules(rule_keys.clone(), found)?;
            // Every change on the item as stored, before anything is written.
            let mut applied: Vec<Result<Applied, Failure>> = Vec::with_capacity(changes.len());
            for (i, (id, change)) in changes.iter().enumerate() {
                if let Some(refusal) = crate::store::changed_twice(changes, i) {
                    applied.push(Err(refusal));
                    continue;
                }
                let Some(before) = items.get(id) else {
                    applied.push(Err(Failure::not_found("item")));
                    continue;
                };
                let mut after = before.clone();
                applied.push(change(&mut after).map(|evs| (before.clone(), after, evs)));
            }
            // What writing them will read, for all of them in one round trip (the authors
            // whose removals they touch locked first, in lock-word order): then their
            // writes wait, merged per table, for the commit's (`rows.rs`).
            let wanted: Vec<(&Item, Needs)> = applied
                .iter()
                .flatten()
                .map(|(before, after, _)| (after, needs(Some(before), after)))
                .collect();
            tx.prefetch_all(&wanted)?;
            drop(wanted);
            let mut written = Vec::with_capacity(applied.len());
            for result in applied {
                let (before, mut after, evs) = match result {
                    Ok(change) => change,
                    Err(f) => {
                        written.push(Err(f));
                        continue;
                    }
                };
                tx.write_item(Some(&before), &mut after, evs)?;
                let revision = revisions.get(after.id.as_bytes().as_slice()).cloned();
                written.push(Ok(Claimed {
                    item: after,
                    revision,
                    keys: Vec::new(),
                }));
            }
            // The keys every item's change read: each item's view opens with them.
            let keys: Vec<(SubjectId, [u8; KEY_LEN])> = tx
                .keys
                .borrow()
                .iter()
                .filter_map(|(s, k)| k.as_ref().map(|k| (*s, *k.expose())))
                .collect();
            for claimed in written.iter_mut().flatten() {
                claimed.keys.clone_from(&keys);
            }
            Ok(written)
        })
    }

    /// The claimed item with its personal data opened, beside its current revision.
    pub(super) fn open_claimed(
        &self,
        claimed: Claimed,
    ) -> Result<(Item, Option<Revision>), Failure> {
        let Claimed {
            mut item,
            revision,
            keys,
        } = claimed;
        // A subject not among those read (a reporter not indexed, or one erased) is asked
        // for: a missing key must mean erased, never "not read".
        let key_of = |s: &SubjectId| match keys.iter().find(|(k, _)| k == s) {
            Some((_, bytes)) => Ok(Some(Key::from_bytes(*bytes))),
            None => self.key(s),
        };
        let revision = match revision.map(|doc| decode::<Revision>(&doc)).transpose()? {
            Some(r) if r.revision == item.revision => {
                Some(self.open_revision_with(&item.id, r, &key_of)?)
            }
            // The latest revision row is not the item's: read the item's own.
            _ => self.revision(&item.id, item.revision)?,
        };
        self.open_item_with(&mut item, &key_of)?;
        Ok((item, revision))
    }
}

/// `subject || key` pairs as the claim's statement concatenates them.
fn split_keys(pairs: Vec<Vec<u8>>) -> Result<Vec<(SubjectId, [u8; KEY_LEN])>, Failure> {
    pairs
        .iter()
        .map(|pair| {
            let (subject, key) = pair
                .split_at_checked(16)
                .ok_or_else(|| internal("malformed subject key"))?;
            let subject: [u8; 16] = subject
                .try_into()
                .map_err(|_| internal("malformed subject"))?;
            let key: [u8; KEY_LEN] = key
                .try_into()
                .map_err(|_| internal("malformed subject key"))?;
            Ok((SubjectId::from_bytes(subject), key))
        })
        .collect()
}
