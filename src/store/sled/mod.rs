//! The sled backend.
//!
//! Trees and keys (integers big-endian, so byte order is numeric order; times are
//! sign-flipped i64 milliseconds):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `items` | item id (16 bytes) | `Item` JSON, author id and appeal statement sealed |
//! | `content` | community length (1), community, content id | item id |
//! | `revisions` | item id, revision (u32) | `Revision` JSON, text and context sealed |
//! | `events` | item id, seq (u64) | `Event` JSON |
//! | `queue` | queue tag (1), rank (u64), item id | community |
//! | `queue_by_community` | queue tag, community length, community, rank, item id | — |
//! | `leases` | expiry, item id | — |
//! | `subjects` | subject (16), item id | — (the items holding a subject's data) |
//! | `authors` | author pseudonym (16), community | subject (the communities of an author) |
//! | `rule_log` | seq (u64) | suppression `Rule` JSON, subject id sealed under the log key |
//! | `rules_active` | `c` item id or `a` subject, cause tag (1) | the rule's latest entry |
//! | `rule_expiry` | expiry, `rules_active` key | — |
//! | `rules_by_item` | item id, seq (u64) | — (the change-log entries whose reason names the item) |
//! | `removals` | subject | `RemovalHistory` JSON (author rules) |
//! | `retention` | due time, item id | — (texts retention will drop) |
//! | `decisions` | time, item id, seq | `DecisionRecord` JSON (transparency) |
//! | `decisions_by_item` | item id, seq | `DecisionRecord` JSON |
//! | `reporters` | reporter pseudonym (16) | `ReporterRecord` JSON (trusted mark, recent outcomes) |
//! | `outbox` | seq (u64) | webhook `OutboxEvent` JSON, written with the change that caused it |
//! | `webhooks` | webhook id | `Webhook` JSON, secret sealed under the log key |
//! | `deliveries` | webhook id, seq (u64) | `Delivery` JSON |
//! | `deliveries_pending` | seq, webhook id | — (pending deliveries in outbox order) |
//! | `operations` | hour, community | `OpsTally` JSON (the operations dashboard, `reads.rs`) |
//! | `queue_samples`, `queue_samples_hourly` | time, community, queue | `QueueSample` JSON (outside transactions, `samples.rs`) |
//! | `meta` | `rule_seq`, `outbox_seq` | the last change-log and outbox seqs (u64) |
//! | `keys` | key id | `ApiKey` JSON |
//! | `policies`, `wordlists` | community | JSON |
//! | `audit` | sequence (u64) | `AuditRecord` JSON |
//! | `score_feedback` | see `feedback.rs` (written outside item transactions) |
//!
//! Item changes are one sled transaction over all of these trees: the item, its events,
//! its queue, lease and retention index entries, the suppression rules its new state calls
//! for and their change-log entries, and its transparency records (`tx.rs`; what to
//! write beyond the item comes from `domain::consequences`). Encodings and keys are in
//! `keys.rs`, retention, erasure and export in `privacy.rs`. sled runs
//! transactions one at a time under a process-wide lock, which is what makes claiming
//! race-free and the change log gap-free; the closures therefore do no work but reading,
//! checking, sealing and writing. They must not call sled outside the transaction
//! (a plain `get`, `generate_id`): that takes the same lock and deadlocks.
//!
//! Personal data (text, context, appeal statements, author ids) is sealed with its
//! subject's key from the [`Vault`] before it is encoded, and no key is ever stored in
//! sled: see `privacy`.

mod feedback;
mod keys;
mod notices;
mod outbox;
mod privacy;
mod reads;
mod samples;
mod support;
mod tx;

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult};
use sled::{Transactional, Tree};

use self::keys::*;
use self::tx::{RuleChange, StoredRule, Tx};
use super::{Change, Store, Vault};
use crate::auth::ApiKey;
use crate::clock::Timestamp;
use crate::domain::audit::AuditRecord;
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Event;
use crate::domain::feedback::ScoreFeedback;
use crate::domain::item::{Item, ItemWrite, QueueName, Revision, Submission, Submitted};
use crate::domain::notice::ReporterRecord;
use crate::domain::operations::{OpsKey, OpsTally};
use crate::domain::privacy::{ExportItem, Receipt, SubjectId};
use crate::domain::queue::{CommunityFilter, Cursor, QueueEntry};
use crate::domain::queue_samples::{QueueSample, SampleTier};
use crate::domain::suppress::{Rule, RuleState, Subject};
use crate::domain::transparency::{DecisionCursor, DecisionRecord};
use crate::domain::webhook::{Delivery, OutboxEvent, Webhook, WebhookId};
use crate::error::{Error, Result};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ItemId, KeyId};

/// Bumped when the layout above changes incompatibly.
const FORMAT: &[u8] = b"2";

/// The trees, in the order item transactions see them.
const TREES: [&str; 23] = [
    "items",
    "content",
    "revisions",
    "events",
    "queue",
    "queue_by_community",
    "leases",
    "subjects",
    "authors",
    "rule_log",
    "rules_active",
    "rule_expiry",
    "removals",
    "retention",
    "decisions",
    "decisions_by_item",
    "meta",
    "audit",
    "policies",
    "rules_by_item",
    "reporters",
    "outbox",
    "operations",
];

const ITEMS: usize = 0;
const CONTENT: usize = 1;
const REVISIONS: usize = 2;
const EVENTS: usize = 3;
const QUEUE: usize = 4;
const QUEUE_BY_COMMUNITY: usize = 5;
const LEASES: usize = 6;
const SUBJECTS: usize = 7;
const AUTHORS: usize = 8;
const RULE_LOG: usize = 9;
const RULES_ACTIVE: usize = 10;
const RULE_EXPIRY: usize = 11;
const REMOVALS: usize = 12;
const RETENTION: usize = 13;
const DECISIONS: usize = 14;
const DECISIONS_BY_ITEM: usize = 15;
const META: usize = 16;
const AUDIT: usize = 17;
const POLICIES: usize = 18;
const RULES_BY_ITEM: usize = 19;
const REPORTERS: usize = 20;
const OUTBOX: usize = 21;
const OPERATIONS: usize = 22;

const RULE_SEQ: &[u8] = b"rule_seq";
/// In `meta`: the last webhook outbox seq.
const OUTBOX_SEQ: &[u8] = b"outbox_seq";
/// In `meta`: `rules_by_item` holds every change-log entry written before it existed.
const RULES_BY_ITEM_FILLED: &[u8] = b"rules_by_item_filled";

type QueueSamples = std::result::Result<Vec<QueueSample>, Failure>;
type Done = std::result::Result<(), Failure>;
type Dropped = std::result::Result<usize, Failure>;

/// The sled store. Cheap to share behind an `Arc`.
pub struct SledStore {
    db: sled::Db,
    trees: Vec<Tree>,
    keys: Tree,
    wordlists: Tree,
    /// Webhook endpoints and their deliveries: written outside item transactions.
    webhooks: Tree,
    deliveries: Tree,
    pending: Tree,
    vault: Vault,
    /// Retention and suppression settings by community, read inside transactions.
    policies: RwLock<HashMap<CommunityId, Arc<CommunityPolicy>>>,
    /// The newest change-log seq committed.
    rule_seq: AtomicU64,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`, with sled's page cache capped at
    /// `cache_bytes`, and its key vault in `dir/privacy`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<SledStore> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| open_error(dir, e))?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| open_error(dir, e));
        let trees = TREES.iter().map(|n| tree(n)).collect::<Result<Vec<_>>>()?;
        let store = SledStore {
            keys: tree("keys")?,
            wordlists: tree("wordlists")?,
            webhooks: tree("webhooks")?,
            deliveries: tree("deliveries")?,
            pending: tree("deliveries_pending")?,
            trees,
            vault: Vault::open(&dir.join("privacy"))?,
            policies: RwLock::new(HashMap::new()),
            rule_seq: AtomicU64::new(0),
            db,
        };
        match store.db.get("format").map_err(|e| open_error(dir, e))? {
            None if store.trees[ITEMS].is_empty() && store.keys.is_empty() => {
                store
                    .db
                    .insert("format", FORMAT)
                    .map_err(|e| open_error(dir, e))?;
            }
            Some(v) if v.as_ref() == FORMAT => {}
            found => {
                let found = found.map_or("1".to_string(), |v| {
                    String::from_utf8_lossy(&v).into_owned()
                });
                return Err(Error::config(format!(
                    "{}: store format {found} is not supported by this version (expected {})",
                    dir.display(),
                    String::from_utf8_lossy(FORMAT)
                )));
            }
        }
        let startup = |f: Failure| Error::config(format!("store: {}", f.message()));
        let last = match store.trees[META]
            .get(RULE_SEQ)
            .map_err(|e| open_error(dir, e))?
        {
            Some(v) => read_u64(&v).map_err(startup)?,
            None => 0,
        };
        store.rule_seq.store(last, Ordering::SeqCst);
        store.index_rules_by_item().map_err(startup)?;
        store.destroy_orphan_keys().map_err(startup)?;
        Ok(store)
    }

    /// A tree by name, for copying the store elsewhere (`warden migrate-store`).
    pub(in crate::store) fn raw_tree(&self, name: &str) -> std::result::Result<Tree, Failure> {
        self.db.open_tree(name).map_err(internal)
    }

    pub(in crate::store) fn vault(&self) -> &Vault {
        &self.vault
    }

    fn tree(&self, i: usize) -> &Tree {
        &self.trees[i]
    }

    /// The cached retention and suppression settings of a community, if read before.
    fn cached_policy(&self, community: &CommunityId) -> Option<Arc<CommunityPolicy>> {
        self.policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(community)
            .cloned()
    }

    /// Runs `f` as one transaction over every tree, then publishes the change-log seq it
    /// reached.
    fn transact<T>(
        &self,
        f: impl Fn(&Tx<'_>) -> ConflictableTransactionResult<T, Failure>,
    ) -> std::result::Result<T, Failure> {
        let trees: Vec<&Tree> = self.trees.iter().collect();
        let result = trees.as_slice().transaction(|t| {
            let tx = Tx {
                t,
                store: self,
                last_rule: std::cell::Cell::new(None),
            };
            let out = f(&tx)?;
            Ok((out, tx.last_rule.get()))
        });
        let (out, last) = finish(result)?;
        if let Some(seq) = last {
            self.rule_seq.fetch_max(seq, Ordering::SeqCst);
        }
        Ok(out)
    }

    fn subject_items(&self, subject: &SubjectId) -> std::result::Result<Vec<ItemId>, Failure> {
        self.tree(SUBJECTS)
            .scan_prefix(subject.as_bytes())
            .map(|kv| item_id(kv.map_err(internal)?.0.get(16..).unwrap_or_default()))
            .collect()
    }
}

impl Store for SledStore {
    fn submit(&self, batch: &[Submission]) -> std::result::Result<Vec<Submitted>, Failure> {
        let _sealing = self.vault.sealing();
        // Keys are created, durably, before anything sealed with them is committed.
        let mut prepared = Vec::with_capacity(batch.len());
        for sub in batch {
            let subject = self.vault.subject(&sub.community, &sub.author_id);
            let key = self.vault.key_or_create(&subject)?;
            let digest = hex::encode(key.mac(&[b"text", sub.text.as_str().as_bytes()]));
            let author = self.vault.author_ref(&sub.author_id);
            prepared.push((subject, key, digest, author));
        }
        self.transact(|tx| {
            let mut out = Vec::with_capacity(batch.len());
            for (sub, (subject, key, digest, author)) in batch.iter().zip(&prepared) {
                let ckey = content_key(&sub.community, &sub.content_id);
                let existing = match tx.tree(CONTENT).get(&ckey)? {
                    Some(id) => tx.load(&item_id(&id).or_abort()?)?,
                    None => None,
                };
                let effect = Item::submit(existing, sub, *subject, digest).or_abort()?;
                out.push(effect.written(
                    |mut change: ItemWrite| -> ConflictableTransactionResult<Item, Failure> {
                        let id = change.after.id;
                        if change.before.is_none() {
                            tx.tree(CONTENT).insert(ckey, &id.as_bytes()[..])?;
                        }
                        tx.write_item(change.before.as_ref(), &mut change.after, change.events)?;
                        tx.write_revision(&id, &mut change.revision, Some(key))?;
                        let mut skey = subject.as_bytes().to_vec();
                        skey.extend_from_slice(id.as_bytes());
                        tx.tree(SUBJECTS).insert(skey, &[][..])?;
                        let mut akey = author.to_vec();
                        akey.extend_from_slice(sub.community.as_str().as_bytes());
                        tx.tree(AUTHORS).insert(akey, &subject.as_bytes()[..])?;
                        Ok(change.after)
                    },
                )?);
            }
            Ok(out)
        })
    }

    fn item(&self, id: &ItemId) -> std::result::Result<Option<Item>, Failure> {
        get_json(self.tree(ITEMS), id.as_bytes())
    }

    fn open_item(&self, item: &mut Item) -> std::result::Result<(), Failure> {
        self.open_personal(item)
    }

    fn revision(
        &self,
        id: &ItemId,
        revision: u32,
    ) -> std::result::Result<Option<Revision>, Failure> {
        match get_json(
            self.tree(REVISIONS),
            &child_key(id, &revision.to_be_bytes()),
        )? {
            Some(r) => Ok(Some(self.open_revision(id, r)?)),
            None => Ok(None),
        }
    }

    fn events(&self, id: &ItemId) -> std::result::Result<Vec<Event>, Failure> {
        self.tree(EVENTS)
            .scan_prefix(id.as_bytes())
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    fn update(&self, id: &ItemId, change: &Change<'_>) -> std::result::Result<Item, Failure> {
        let _sealing = self.vault.sealing();
        self.transact(|tx| {
            let Some(before) = tx.load(id)? else {
                return Err(ConflictableTransactionError::Abort(Failure::not_found(
                    "item",
                )));
            };
            let mut after = before.clone();
            let evs = change(&mut after).or_abort()?;
            tx.write_item(Some(&before), &mut after, evs)?;
            Ok(after)
        })
    }

    fn queue(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        after: Option<Cursor>,
        limit: usize,
    ) -> std::result::Result<Vec<QueueEntry>, Failure> {
        let cursor_of = |k: &[u8]| {
            k.len()
                .checked_sub(24)
                .and_then(|at| Cursor::from_bytes(&k[at..]))
                .ok_or_else(|| internal("malformed queue key"))
        };
        match communities {
            CommunityFilter::All => {
                self.entries_after(self.tree(QUEUE), &[queue.tag()], after, limit, |k, v| {
                    let c = cursor_of(k)?;
                    let community = std::str::from_utf8(v)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| internal("malformed community in the queue index"))?;
                    Ok(QueueEntry {
                        queue,
                        community,
                        item_id: c.item_id,
                        rank: c.rank,
                    })
                })
            }
            CommunityFilter::Only(list) => {
                // Each community's index is sorted; the first `limit` of the merge are
                // among the first `limit` of each.
                let mut all = Vec::new();
                for community in *list {
                    let prefix = community_prefix(queue, community);
                    all.extend(self.entries_after(
                        self.tree(QUEUE_BY_COMMUNITY),
                        &prefix,
                        after,
                        limit,
                        |k, _| {
                            let c = cursor_of(k)?;
                            Ok(QueueEntry {
                                queue,
                                community: community.clone(),
                                item_id: c.item_id,
                                rank: c.rank,
                            })
                        },
                    )?);
                }
                all.sort_by_key(QueueEntry::cursor);
                all.truncate(limit);
                Ok(all)
            }
        }
    }

    fn queue_depth(&self, queue: QueueName) -> std::result::Result<u64, Failure> {
        Ok(self.tree(QUEUE).scan_prefix([queue.tag()]).count() as u64)
    }

    fn leases_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> std::result::Result<Vec<ItemId>, Failure> {
        self.due(LEASES, now, limit)?
            .iter()
            .map(|k| item_id(k.get(8..).unwrap_or_default()))
            .collect()
    }

    fn item_ids(
        &self,
        after: Option<ItemId>,
        limit: usize,
    ) -> std::result::Result<Vec<ItemId>, Failure> {
        let start = match after {
            Some(id) => Bound::Excluded(id.as_bytes().to_vec()),
            None => Bound::Unbounded,
        };
        self.tree(ITEMS)
            .range((start, Bound::Unbounded))
            .take(limit)
            .map(|kv| item_id(&kv.map_err(internal)?.0))
            .collect()
    }

    fn keys(&self) -> std::result::Result<Vec<ApiKey>, Failure> {
        self.keys
            .iter()
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    fn put_key(&self, key: &ApiKey, audit: &AuditRecord) -> std::result::Result<(), Failure> {
        self.put_config(&self.keys, key.id.as_str().as_bytes(), key, audit)
    }

    fn policy(
        &self,
        community: &CommunityId,
    ) -> std::result::Result<Option<CommunityPolicy>, Failure> {
        get_json(self.tree(POLICIES), community.as_str().as_bytes())
    }

    fn put_policy(
        &self,
        community: &CommunityId,
        policy: &CommunityPolicy,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        self.put_config(
            self.tree(POLICIES),
            community.as_str().as_bytes(),
            policy,
            audit,
        )?;
        self.policies
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(community.clone(), Arc::new(policy.clone()));
        Ok(())
    }

    fn wordlist(
        &self,
        community: &CommunityId,
    ) -> std::result::Result<Option<CommunityWordlist>, Failure> {
        get_json(&self.wordlists, community.as_str().as_bytes())
    }

    fn put_wordlist(
        &self,
        community: &CommunityId,
        wordlist: &CommunityWordlist,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        self.put_config(
            &self.wordlists,
            community.as_str().as_bytes(),
            wordlist,
            audit,
        )
    }

    fn audit_log(
        &self,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<(u64, AuditRecord)>, Failure> {
        // Records are keyed by sled's ids, which start at 0; the API numbers them from 1
        // so that `after=0` means "from the start".
        let start = after.to_be_bytes();
        self.tree(AUDIT)
            .range(start..)
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(internal)?;
                Ok((read_u64(&k)?.saturating_add(1), decode(&v)?))
            })
            .collect()
    }

    fn put_audit(&self, record: &AuditRecord) -> std::result::Result<(), Failure> {
        let seq = self.db.generate_id().map_err(internal)?;
        self.transact(|tx| tx.audit(seq, record))
    }

    fn flush(&self) -> std::result::Result<(), Failure> {
        self.db.flush().map(|_| ()).map_err(internal)
    }

    fn rule_seq(&self) -> u64 {
        self.rule_seq.load(Ordering::SeqCst)
    }

    fn rule_log(&self, after: u64, limit: usize) -> std::result::Result<Vec<Rule>, Failure> {
        let start = after.saturating_add(1).to_be_bytes();
        self.tree(RULE_LOG)
            .range(start..)
            .take(limit)
            .map(|kv| self.open_rule(decode(&kv.map_err(internal)?.1)?))
            .collect()
    }

    fn active_rules(&self) -> std::result::Result<Vec<Rule>, Failure> {
        self.tree(RULES_ACTIVE)
            .iter()
            .map(|kv| self.open_rule(decode(&kv.map_err(internal)?.1)?))
            .collect()
    }

    fn item_rules(&self, id: &ItemId) -> std::result::Result<Vec<Rule>, Failure> {
        let mut out = Vec::new();
        for kv in self.tree(RULES_BY_ITEM).scan_prefix(id.as_bytes()) {
            let (key, _) = kv.map_err(internal)?;
            let seq = key
                .get(16..)
                .ok_or_else(|| internal("short rules_by_item key"))?;
            let stored = get_json::<StoredRule>(self.tree(RULE_LOG), seq)?
                .ok_or_else(|| internal("rules_by_item names a missing log entry"))?;
            out.push(self.open_rule(stored)?);
        }
        Ok(out)
    }

    fn expire_rules(&self, now: Timestamp, limit: usize) -> std::result::Result<usize, Failure> {
        let mut expired = 0;
        for due in self.due(RULE_EXPIRY, now, limit)? {
            let Some(key) = due.get(8..) else { continue };
            let done = self.transact(|tx| {
                let Some(rule) = tx.active_rule(key)? else {
                    tx.tree(RULE_EXPIRY).remove(&*due)?;
                    return Ok(false);
                };
                if rule.expires_at.is_some_and(|t| t <= now) {
                    tx.change_rule(key, RuleChange::End(RuleState::Expired), now)?;
                    return Ok(true);
                }
                Ok(false)
            })?;
            expired += usize::from(done);
        }
        Ok(expired)
    }

    fn sweep_retention(&self, now: Timestamp, limit: usize) -> std::result::Result<usize, Failure> {
        self.sweep_texts(now, limit)
    }

    fn items_of_subject(
        &self,
        subject: &SubjectId,
        limit: usize,
    ) -> std::result::Result<Vec<ItemId>, Failure> {
        self.tree(SUBJECTS)
            .scan_prefix(subject.as_bytes())
            .take(limit)
            .map(|kv| item_id(kv.map_err(internal)?.0.get(16..).unwrap_or_default()))
            .collect()
    }

    fn author_communities(
        &self,
        author: &AuthorId,
    ) -> std::result::Result<Vec<CommunityId>, Failure> {
        let prefix = self.vault.author_ref(author);
        self.tree(AUTHORS)
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, _) = kv.map_err(internal)?;
                std::str::from_utf8(k.get(16..).unwrap_or_default())
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| internal("malformed community in the author index"))
            })
            .collect()
    }

    fn erase(
        &self,
        community: &CommunityId,
        author: &AuthorId,
        actor: &KeyId,
        now: Timestamp,
    ) -> std::result::Result<Receipt, Failure> {
        self.erase_author(community, author, actor, now)
    }

    fn export(
        &self,
        community: &CommunityId,
        author: &AuthorId,
    ) -> std::result::Result<Vec<ExportItem>, Failure> {
        self.export_author(community, author)
    }

    fn decisions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<DecisionCursor>,
        limit: usize,
    ) -> std::result::Result<Vec<(DecisionCursor, DecisionRecord)>, Failure> {
        self.decision_range(from, to, after, limit)
    }

    fn item_decisions(&self, id: &ItemId) -> std::result::Result<Vec<DecisionRecord>, Failure> {
        self.tree(DECISIONS_BY_ITEM)
            .scan_prefix(id.as_bytes())
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    fn put_queue_samples(&self, tier: SampleTier, samples: &[QueueSample]) -> Done {
        self.store_queue_samples(tier, samples)
    }

    fn queue_samples(&self, tier: SampleTier, from: Timestamp, to: Timestamp) -> QueueSamples {
        self.queue_sample_range(tier, from, to)
    }

    fn drop_queue_samples(&self, tier: SampleTier, before: Timestamp) -> Dropped {
        self.drop_queue_samples_before(tier, before)
    }

    fn operations(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> std::result::Result<Vec<(OpsKey, OpsTally)>, Failure> {
        self.operation_range(from, to)
    }

    fn put_score_feedback(&self, feedback: &ScoreFeedback) -> std::result::Result<u64, Failure> {
        feedback::put(&self.db, feedback)
    }

    fn score_feedback(
        &self,
        community: Option<&CommunityId>,
        after: Option<u64>,
        limit: usize,
    ) -> std::result::Result<Vec<(u64, ScoreFeedback)>, Failure> {
        feedback::list(&self.db, community, after, limit)
    }

    fn item_by_content(
        &self,
        community: &CommunityId,
        content_id: &crate::ids::ContentId,
    ) -> std::result::Result<Option<ItemId>, Failure> {
        self.content_item(community, content_id)
    }

    fn pseudonym(&self, community: &CommunityId, user: &AuthorId) -> SubjectId {
        self.vault.subject(community, user)
    }

    fn reporter(
        &self,
        subject: &SubjectId,
    ) -> std::result::Result<Option<ReporterRecord>, Failure> {
        self.reporter_record(subject)
    }

    fn set_trusted(
        &self,
        subject: &SubjectId,
        trusted: bool,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        self.mark_trusted(subject, trusted, audit)
    }

    fn webhooks(&self) -> std::result::Result<Vec<Webhook>, Failure> {
        self.list_webhooks()
    }

    fn put_webhook(
        &self,
        webhook: &Webhook,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        self.store_webhook(webhook, audit)
    }

    fn outbox_seq(&self) -> std::result::Result<u64, Failure> {
        self.last_outbox_seq()
    }

    fn outbox(
        &self,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<(u64, OutboxEvent)>, Failure> {
        self.outbox_after(after, limit)
    }

    fn fanout_cursor(&self) -> std::result::Result<u64, Failure> {
        self.fanned_out()
    }

    fn put_deliveries(
        &self,
        deliveries: &[Delivery],
        fanned_out: Option<u64>,
    ) -> std::result::Result<(), Failure> {
        self.store_deliveries(deliveries, fanned_out)
    }

    fn deliveries(
        &self,
        webhook: &WebhookId,
        after: Option<u64>,
        limit: usize,
    ) -> std::result::Result<Vec<Delivery>, Failure> {
        self.list_deliveries(webhook, after, limit)
    }

    fn pending_deliveries(&self, limit: usize) -> std::result::Result<Vec<Delivery>, Failure> {
        self.list_pending(limit)
    }
}

#[cfg(test)]
mod tests;
