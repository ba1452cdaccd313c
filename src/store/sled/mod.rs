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
//! | `meta` | `rule_seq` | the last change-log seq (u64) |
//! | `keys` | key id | `ApiKey` JSON |
//! | `policies`, `wordlists` | community | JSON |
//! | `audit` | sequence (u64) | `AuditRecord` JSON |
//!
//! Item changes are one sled transaction over all of these trees: the item, its events,
//! its queue, lease and retention index entries, the suppression rules its new state calls
//! for and their change-log entries, and its transparency records. sled runs
//! transactions one at a time under a process-wide lock, which is what makes claiming
//! race-free and the change log gap-free; the closures therefore do no work but reading,
//! checking, sealing and writing. They must not call sled outside the transaction
//! (a plain `get`, `generate_id`): that takes the same lock and deadlocks.
//!
//! Personal data (text, context, appeal statements, author ids) is sealed with its
//! subject's key from the [`Vault`] before it is encoded, and no key is ever stored in
//! sled: see `privacy`.

use std::collections::HashMap;
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use sled::{Transactional, Tree};

use super::{Change, Store, Vault};
use crate::auth::ApiKey;
use crate::clock::Timestamp;
use crate::domain::audit::AuditRecord;
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Event;
use crate::domain::item::{Item, Outcome, QueueName, Revision, Status, Submission, Submitted};
use crate::domain::privacy::{
    ExportAppeal, ExportItem, ExportRevision, Key, Personal, Receipt, ReceiptSubject, Removal,
    RemovalReason, SubjectId,
};
use crate::domain::queue::CommunityFilter;
use crate::domain::queue::{Cursor, QueueEntry};
use crate::domain::suppress::{
    self, Cause, Current, Reason, RemovalHistory, Rule, RuleState, Scope, Subject, SubjectKind,
    SubjectRef, Wanted,
};
use crate::domain::transparency::DecisionCursor;
use crate::domain::transparency::DecisionRecord;
use crate::error::{Error, Result};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ContentId, ItemId, KeyId};

/// Bumped when the layout above changes incompatibly.
const FORMAT: &[u8] = b"2";

/// The trees, in the order item transactions see them.
const TREES: [&str; 20] = [
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

const RULE_SEQ: &[u8] = b"rule_seq";
/// In `meta`: `rules_by_item` holds every change-log entry written before it existed.
const RULES_BY_ITEM_FILLED: &[u8] = b"rules_by_item_filled";

/// The sled store. Cheap to share behind an `Arc`.
pub struct SledStore {
    db: sled::Db,
    trees: Vec<Tree>,
    keys: Tree,
    wordlists: Tree,
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

    fn tree(&self, i: usize) -> &Tree {
        &self.trees[i]
    }

    /// Fills `rules_by_item` from the change log when a store written before the index
    /// existed is opened. A marker in `meta`, written after the filled index is flushed,
    /// says it is done: a backfill cut short by a crash runs again in full (the inserts
    /// are idempotent) rather than leaving a partial index that looks complete.
    fn index_rules_by_item(&self) -> std::result::Result<(), Failure> {
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
    fn destroy_orphan_keys(&self) -> std::result::Result<(), Failure> {
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

    fn open_rule(&self, stored: StoredRule) -> std::result::Result<Rule, Failure> {
        let id = stored
            .id
            .open(Some(self.vault.log_key()), RULE_SUBJECT)
            .into_plain()
            .ok_or_else(|| internal("a rule subject does not open"))?;
        Ok(Rule {
            seq: stored.seq,
            rule_id: stored.rule_id,
            subject: Subject {
                kind: stored.kind,
                community: stored.community,
                id,
            },
            scopes: stored.scopes,
            reason: stored.reason,
            created_at: stored.created_at,
            expires_at: stored.expires_at,
            state: stored.state,
            changed_at: stored.changed_at,
        })
    }

    fn open_revision(
        &self,
        id: &ItemId,
        mut revision: Revision,
    ) -> std::result::Result<Revision, Failure> {
        let key = match &revision.subject {
            Some(s) => self.vault.key(s)?,
            None => None,
        };
        let key = key.as_deref();
        revision.text = revision
            .text
            .open(key, &context("text", id, revision.revision));
        revision.context = revision
            .context
            .map(|c| c.open(key, &context("context", id, revision.revision)));
        Ok(revision)
    }
}

fn open_error(dir: &Path, err: sled::Error) -> Error {
    let io_err = match err {
        sled::Error::Io(e) if e.kind() == io::ErrorKind::WouldBlock || is_lock_error(&e) => {
            io::Error::other(
                "the data directory is in use by another process (is `warden serve` running? \
                 use the /v1/keys API while it is)",
            )
        }
        sled::Error::Io(e) => e,
        other => io::Error::other(other.to_string()),
    };
    Error::io(Some(dir.to_path_buf()), io_err)
}

fn is_lock_error(e: &io::Error) -> bool {
    e.to_string().contains("lock")
}

fn internal(err: impl std::fmt::Display) -> Failure {
    Failure::internal(format!("store: {err}"))
}

fn encode<T: Serialize>(value: &T) -> std::result::Result<Vec<u8>, Failure> {
    // The messages name the failing type, never a value.
    serde_json::to_vec(value).map_err(internal)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, Failure> {
    // serde's messages can quote the offending value, which may be user text: log only
    // where the record broke.
    serde_json::from_slice(bytes).map_err(|e| {
        internal(format_args!(
            "malformed stored record ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

fn get_json<T: DeserializeOwned>(
    tree: &Tree,
    key: &[u8],
) -> std::result::Result<Option<T>, Failure> {
    match tree.get(key).map_err(internal)? {
        Some(bytes) => Ok(Some(decode(&bytes)?)),
        None => Ok(None),
    }
}

fn read_u64(bytes: &[u8]) -> std::result::Result<u64, Failure> {
    let b: [u8; 8] = bytes
        .try_into()
        .map_err(|_| internal("malformed counter"))?;
    Ok(u64::from_be_bytes(b))
}

/// Turns a refusal into a transaction abort.
trait OrAbort<T> {
    fn or_abort(self) -> ConflictableTransactionResult<T, Failure>;
}

impl<T> OrAbort<T> for std::result::Result<T, Failure> {
    fn or_abort(self) -> ConflictableTransactionResult<T, Failure> {
        self.map_err(ConflictableTransactionError::Abort)
    }
}

fn finish<T>(
    r: std::result::Result<T, TransactionError<Failure>>,
) -> std::result::Result<T, Failure> {
    match r {
        Ok(v) => Ok(v),
        Err(TransactionError::Abort(f)) => Err(f),
        Err(TransactionError::Storage(e)) => Err(internal(e)),
    }
}

fn content_key(community: &CommunityId, content_id: &ContentId) -> Vec<u8> {
    let c = community.as_str().as_bytes();
    let mut key = Vec::with_capacity(1 + c.len() + content_id.as_str().len());
    key.push(c.len() as u8);
    key.extend_from_slice(c);
    key.extend_from_slice(content_id.as_str().as_bytes());
    key
}

fn child_key(id: &ItemId, n: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(16 + n.len());
    key.extend_from_slice(id.as_bytes());
    key.extend_from_slice(n);
    key
}

fn community_prefix(queue: QueueName, community: &CommunityId) -> Vec<u8> {
    let c = community.as_str().as_bytes();
    let mut key = Vec::with_capacity(2 + c.len() + 24);
    key.push(queue.tag());
    key.push(c.len() as u8);
    key.extend_from_slice(c);
    key
}

fn global_key(entry: &QueueEntry) -> Vec<u8> {
    let mut key = vec![entry.queue.tag()];
    key.extend_from_slice(&entry.cursor().to_bytes());
    key
}

fn community_key(entry: &QueueEntry) -> Vec<u8> {
    let mut key = community_prefix(entry.queue, &entry.community);
    key.extend_from_slice(&entry.cursor().to_bytes());
    key
}

fn time_bytes(t: Timestamp) -> [u8; 8] {
    ((t.millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn timed_key(t: Timestamp, rest: &[u8]) -> Vec<u8> {
    let mut key = time_bytes(t).to_vec();
    key.extend_from_slice(rest);
    key
}

fn lease_key(item: &Item) -> Option<Vec<u8>> {
    let lease = item.lease.as_ref()?;
    Some(timed_key(lease.expires_at, item.id.as_bytes()))
}

fn retention_key(item: &Item) -> Option<Vec<u8>> {
    Some(timed_key(item.text_due_at?, item.id.as_bytes()))
}

fn item_id(bytes: &[u8]) -> std::result::Result<ItemId, Failure> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| internal("malformed item id in an index"))?;
    Ok(ItemId::from_bytes(id))
}

/// The associated data that binds a sealed field to its record.
fn context(field: &str, id: &ItemId, revision: u32) -> Vec<u8> {
    format!("{field}:{id}:{revision}").into_bytes()
}

fn author_context(id: &ItemId) -> Vec<u8> {
    format!("author:{id}").into_bytes()
}

const RULE_SUBJECT: &[u8] = b"rule-subject";

/// The key of a content rule in `rules_active`.
fn content_rule_key(item: &ItemId, cause: Cause) -> Vec<u8> {
    let mut key = vec![b'c'];
    key.extend_from_slice(item.as_bytes());
    key.push(cause.tag());
    key
}

/// The key of an author rule in `rules_active`.
fn author_rule_key(subject: &SubjectId, cause: Cause) -> Vec<u8> {
    let mut key = vec![b'a'];
    key.extend_from_slice(subject.as_bytes());
    key.push(cause.tag());
    key
}

/// A change-log entry as stored: the subject id sealed under the vault's log key, so no
/// author id is ever plaintext on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRule {
    seq: u64,
    rule_id: String,
    kind: SubjectKind,
    community: CommunityId,
    id: Personal<SubjectRef>,
    scopes: Vec<Scope>,
    reason: Reason,
    created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
    state: RuleState,
    changed_at: Timestamp,
}

impl StoredRule {
    fn current(&self) -> Current {
        Current {
            scopes: self.scopes.clone(),
            reason: self.reason.clone(),
            expires_at: self.expires_at,
        }
    }
}

/// What to do to one rule.
enum RuleChange {
    /// Create it, or update it in place (same `rule_id`), as `Wanted` says, about
    /// `Subject`.
    Set(Wanted, Subject),
    /// End the active rule with this state.
    End(RuleState),
}

/// One transaction over every tree.
struct Tx<'a> {
    t: &'a [TransactionalTree],
    store: &'a SledStore,
    /// The last change-log seq this transaction assigned.
    last_rule: std::cell::Cell<Option<u64>>,
}

impl Tx<'_> {
    fn tree(&self, i: usize) -> &TransactionalTree {
        &self.t[i]
    }

    fn get<T: DeserializeOwned>(
        &self,
        tree: usize,
        key: &[u8],
    ) -> ConflictableTransactionResult<Option<T>, Failure> {
        match self.tree(tree).get(key)? {
            None => Ok(None),
            Some(bytes) => decode(&bytes).map(Some).or_abort(),
        }
    }

    fn put<T: Serialize>(
        &self,
        tree: usize,
        key: &[u8],
        value: &T,
    ) -> ConflictableTransactionResult<(), Failure> {
        let bytes = encode(value).or_abort()?;
        self.tree(tree).insert(key, bytes)?;
        Ok(())
    }

    fn load(&self, id: &ItemId) -> ConflictableTransactionResult<Option<Item>, Failure> {
        self.get(ITEMS, id.as_bytes())
    }

    /// A community's retention and suppression settings (defaults until set). Read
    /// through the transaction: a plain sled read inside one would deadlock.
    fn policy(
        &self,
        community: &CommunityId,
    ) -> ConflictableTransactionResult<Arc<CommunityPolicy>, Failure> {
        if let Some(p) = self.store.cached_policy(community) {
            return Ok(p);
        }
        let policy: CommunityPolicy = self
            .get(POLICIES, community.as_str().as_bytes())?
            .unwrap_or_default();
        let policy = Arc::new(policy);
        let mut cache = self
            .store
            .policies
            .write()
            .unwrap_or_else(|e| e.into_inner());
        Ok(cache.entry(community.clone()).or_insert(policy).clone())
    }

    fn next_rule_seq(&self) -> ConflictableTransactionResult<u64, Failure> {
        let last = match self.last_rule.get() {
            Some(seq) => seq,
            None => match self.tree(META).get(RULE_SEQ)? {
                Some(v) => read_u64(&v).or_abort()?,
                None => 0,
            },
        };
        let seq = last + 1;
        self.tree(META).insert(RULE_SEQ, &seq.to_be_bytes()[..])?;
        self.last_rule.set(Some(seq));
        Ok(seq)
    }

    fn active_rule(
        &self,
        key: &[u8],
    ) -> ConflictableTransactionResult<Option<StoredRule>, Failure> {
        self.get(RULES_ACTIVE, key)
    }

    /// Lists a change-log entry under the item its reason names.
    fn index_by_item(&self, stored: &StoredRule) -> ConflictableTransactionResult<(), Failure> {
        if let Some(item) = &stored.reason.item_id {
            let key = child_key(item, &stored.seq.to_be_bytes());
            self.tree(RULES_BY_ITEM).insert(key, &[][..])?;
        }
        Ok(())
    }

    /// Applies one rule change: a change-log entry, the active index, the expiry index.
    fn change_rule(
        &self,
        key: &[u8],
        change: RuleChange,
        now: Timestamp,
    ) -> ConflictableTransactionResult<(), Failure> {
        let current = self.active_rule(key)?;
        let expiry_key = |r: &StoredRule| r.expires_at.map(|t| timed_key(t, key));
        if let Some(old) = current.as_ref().and_then(expiry_key) {
            self.tree(RULE_EXPIRY).remove(old)?;
        }
        match change {
            RuleChange::Set(wanted, subject) => {
                let seq = self.next_rule_seq()?;
                let (rule_id, created_at) = match &current {
                    Some(c) => (c.rule_id.clone(), c.created_at),
                    None => (format!("rul_{seq}"), now),
                };
                let mut id = Personal::Plain(subject.id);
                id.seal(Some(self.store.vault.log_key()), RULE_SUBJECT)
                    .or_abort()?;
                let stored = StoredRule {
                    seq,
                    rule_id,
                    kind: subject.kind,
                    community: subject.community,
                    id,
                    scopes: wanted.scopes,
                    reason: wanted.reason,
                    created_at,
                    expires_at: wanted.expires_at,
                    state: RuleState::Active,
                    changed_at: now,
                };
                self.put(RULE_LOG, &seq.to_be_bytes(), &stored)?;
                self.index_by_item(&stored)?;
                self.put(RULES_ACTIVE, key, &stored)?;
                if let Some(k) = expiry_key(&stored) {
                    self.tree(RULE_EXPIRY).insert(k, &[][..])?;
                }
            }
            RuleChange::End(state) => {
                let Some(mut stored) = current else {
                    return Ok(());
                };
                stored.seq = self.next_rule_seq()?;
                stored.state = state;
                stored.changed_at = now;
                self.put(RULE_LOG, &stored.seq.to_be_bytes(), &stored)?;
                self.index_by_item(&stored)?;
                self.tree(RULES_ACTIVE).remove(key)?;
            }
        }
        Ok(())
    }

    /// Seals whatever personal data `item` holds in plain: with its subject's key, or,
    /// for an erased subject, by dropping it.
    fn seal_item(
        &self,
        item: &mut Item,
        key: Option<&Key>,
    ) -> ConflictableTransactionResult<(), Failure> {
        item.author_id
            .seal(key, &author_context(&item.id))
            .or_abort()?;
        let (id, revision) = (item.id, item.revision);
        if let Some(appeal) = &mut item.appeal {
            appeal
                .statement
                .seal(key, &context("appeal", &id, revision))
                .or_abort()?;
        }
        Ok(())
    }

    fn subject_key(
        &self,
        subject: Option<&SubjectId>,
    ) -> ConflictableTransactionResult<Option<Arc<Key>>, Failure> {
        match subject {
            Some(s) => self.store.vault.key(s).or_abort(),
            None => Ok(None),
        }
    }

    /// Writes `after` with its new events, and everything that follows from its new
    /// state: index entries, retention, suppression rules, transparency records.
    fn write_item(
        &self,
        before: Option<&Item>,
        after: &mut Item,
        events: Vec<Event>,
    ) -> ConflictableTransactionResult<(), Failure> {
        let now = events.last().map_or_else(Timestamp::now, |e| e.at);
        let policy = self.policy(&after.community)?;
        let key = self.subject_key(after.subject.as_ref())?;
        self.seal_item(after, key.as_deref())?;

        for mut event in events {
            after.last_seq += 1;
            event.seq = after.last_seq;
            self.put(
                EVENTS,
                &child_key(&after.id, &event.seq.to_be_bytes()),
                &event,
            )?;
            if let Some(record) = DecisionRecord::of(after, &event) {
                let at = timed_key(record.at, &child_key(&after.id, &event.seq.to_be_bytes()));
                self.put(DECISIONS, &at, &record)?;
                self.put(
                    DECISIONS_BY_ITEM,
                    &child_key(&after.id, &event.seq.to_be_bytes()),
                    &record,
                )?;
            }
        }

        // Retention: a decided item's text is due `retention_days` after the decision.
        after.text_due_at =
            if after.status == Status::Decided && after.text_removed.is_none() {
                Some(after.text_due_at.unwrap_or_else(|| {
                    now.plus_seconds(policy.retention_days.saturating_mul(86_400))
                }))
            } else {
                None
            };
        let (old, new) = (before.and_then(retention_key), retention_key(after));
        if old != new {
            if let Some(old) = old {
                self.tree(RETENTION).remove(old)?;
            }
            if let Some(new) = new {
                self.tree(RETENTION).insert(new, &[][..])?;
            }
        }

        self.put(ITEMS, &after.id.as_bytes()[..], &*after)?;

        let old = before.and_then(QueueEntry::of);
        let new = QueueEntry::of(after);
        if old != new {
            if let Some(old) = &old {
                self.tree(QUEUE).remove(global_key(old))?;
                self.tree(QUEUE_BY_COMMUNITY).remove(community_key(old))?;
            }
            if let Some(new) = &new {
                self.tree(QUEUE)
                    .insert(global_key(new), new.community.as_str().as_bytes())?;
                self.tree(QUEUE_BY_COMMUNITY)
                    .insert(community_key(new), &[][..])?;
            }
        }
        let (old, new) = (before.and_then(lease_key), lease_key(after));
        if old != new {
            if let Some(old) = old {
                self.tree(LEASES).remove(old)?;
            }
            if let Some(new) = new {
                self.tree(LEASES).insert(new, &[][..])?;
            }
        }

        self.content_rules(after, &policy.suppression, now)?;
        self.author_rules(before, after, key.as_deref(), &policy.suppression, now)
    }

    /// Brings the item's content rules in line with its state.
    fn content_rules(
        &self,
        item: &Item,
        policy: &suppress::SuppressionPolicy,
        now: Timestamp,
    ) -> ConflictableTransactionResult<(), Failure> {
        let mut active = Vec::new();
        for cause in Cause::CONTENT {
            if let Some(r) = self.active_rule(&content_rule_key(&item.id, cause))? {
                active.push((cause, r.current()));
            }
        }
        let wanted = policy.content_rules(item);
        if active.is_empty() && wanted.is_empty() {
            return Ok(());
        }
        let subject = Subject {
            kind: SubjectKind::Content,
            community: item.community.clone(),
            id: SubjectRef::try_from(item.content_id.to_string()).or_abort_internal()?,
        };
        let mut changes = suppress::diff(&active, &wanted, &Cause::CONTENT);
        // Endings first: a rule that replaces another follows it in the log.
        changes.sort_by_key(|(_, w)| w.is_some());
        for (cause, change) in changes {
            let change = match change {
                Some(w) => RuleChange::Set(w, subject.clone()),
                None => RuleChange::End(cause.ending()),
            };
            self.change_rule(&content_rule_key(&item.id, cause), change, now)?;
        }
        Ok(())
    }

    /// Keeps authors' removal histories and author rules in line with a change of outcome.
    fn author_rules(
        &self,
        before: Option<&Item>,
        after: &Item,
        key: Option<&Key>,
        policy: &suppress::SuppressionPolicy,
        now: Timestamp,
    ) -> ConflictableTransactionResult<(), Failure> {
        let removed = |i: &Item| i.outcome == Some(Outcome::Remove);
        let was_removed = before.is_some_and(removed);
        // An erasure (the subject gone, the outcome unchanged) leaves author rules to
        // run their course: it removes data, it does not undo decisions.
        if was_removed == removed(after)
            && (after.subject.is_none() || before.and_then(|b| b.subject) == after.subject)
        {
            return Ok(());
        }
        let was = before.filter(|b| removed(b)).and_then(|b| b.subject);
        let is = Some(after).filter(|a| removed(a)).and_then(|a| a.subject);
        if was == is {
            return Ok(());
        }
        if let Some(subject) = was {
            // Undone: the removal no longer counts; the rule goes if the rest do not
            // reach the threshold.
            let mut history: RemovalHistory =
                self.get(REMOVALS, subject.as_bytes())?.unwrap_or_default();
            history.undo(after.id);
            self.put(REMOVALS, subject.as_bytes(), &history)?;
            if policy.author_rule(&history, now).is_none() {
                let key = author_rule_key(&subject, Cause::AuthorRemovals);
                self.change_rule(&key, RuleChange::End(RuleState::Revoked), now)?;
            }
        }
        // Only a new removal needs the author id in plain (for the rule's subject).
        let author = || {
            after
                .author_id
                .open(key, &author_context(&after.id))
                .into_plain()
        };
        if let (Some(subject), Some(author)) = (is, is.and_then(|_| author())) {
            let mut history: RemovalHistory =
                self.get(REMOVALS, subject.as_bytes())?.unwrap_or_default();
            history.add(after.id, now, policy.author.window_days);
            self.put(REMOVALS, subject.as_bytes(), &history)?;
            let key = author_rule_key(&subject, Cause::AuthorRemovals);
            let active: Vec<(Cause, Current)> = self
                .active_rule(&key)?
                .map(|r| (Cause::AuthorRemovals, r.current()))
                .into_iter()
                .collect();
            let wanted: Vec<Wanted> = policy.author_rule(&history, now).into_iter().collect();
            for (_, change) in suppress::diff(&active, &wanted, &[Cause::AuthorRemovals]) {
                // Adding a removal never ends an author rule; only a new or longer one.
                if let Some(w) = change {
                    let subject = Subject {
                        kind: SubjectKind::Author,
                        community: after.community.clone(),
                        id: SubjectRef::try_from(author.to_string()).or_abort_internal()?,
                    };
                    self.change_rule(&key, RuleChange::Set(w, subject), now)?;
                }
            }
        }
        Ok(())
    }

    fn write_revision(
        &self,
        id: &ItemId,
        revision: &mut Revision,
        key: Option<&Key>,
    ) -> ConflictableTransactionResult<(), Failure> {
        let n = revision.revision;
        revision
            .text
            .seal(key, &context("text", id, n))
            .or_abort()?;
        if let Some(c) = &mut revision.context {
            c.seal(key, &context("context", id, n)).or_abort()?;
        }
        self.put(REVISIONS, &child_key(id, &n.to_be_bytes()), &*revision)
    }

    /// An audit record under `seq` (from `generate_id`, taken before the transaction:
    /// sled's own calls deadlock inside one).
    fn audit(&self, seq: u64, record: &AuditRecord) -> ConflictableTransactionResult<(), Failure> {
        self.put(AUDIT, &seq.to_be_bytes(), record)
    }
}

trait OrAbortInternal<T> {
    fn or_abort_internal(self) -> ConflictableTransactionResult<T, Failure>;
}

impl<T> OrAbortInternal<T> for std::result::Result<T, String> {
    fn or_abort_internal(self) -> ConflictableTransactionResult<T, Failure> {
        self.map_err(|e| ConflictableTransactionError::Abort(internal(e)))
    }
}

impl SledStore {
    fn entries_after(
        &self,
        tree: &Tree,
        prefix: &[u8],
        after: Option<Cursor>,
        limit: usize,
        mut entry: impl FnMut(&[u8], &[u8]) -> std::result::Result<QueueEntry, Failure>,
    ) -> std::result::Result<Vec<QueueEntry>, Failure> {
        let start = match after {
            Some(c) => {
                let mut k = prefix.to_vec();
                k.extend_from_slice(&c.to_bytes());
                Bound::Excluded(k)
            }
            None => Bound::Included(prefix.to_vec()),
        };
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

    fn put_config<T: Serialize>(
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
    fn due(
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
                let (item, mut revision, changed) = match existing {
                    Some(before) if before.is_current_text(subject, digest) => {
                        out.push(Submitted {
                            item: before,
                            changed: false,
                        });
                        continue;
                    }
                    Some(before) => {
                        let mut after = before.clone();
                        let (revision, evs) = after.revise(sub, *subject, digest.clone());
                        tx.write_item(Some(&before), &mut after, evs)?;
                        (after, revision, true)
                    }
                    None => {
                        let (mut item, revision, evs) = Item::create(sub, *subject, digest.clone());
                        tx.tree(CONTENT).insert(ckey, &item.id.as_bytes()[..])?;
                        tx.write_item(None, &mut item, evs)?;
                        (item, revision, true)
                    }
                };
                tx.write_revision(&item.id, &mut revision, Some(key))?;
                let mut skey = subject.as_bytes().to_vec();
                skey.extend_from_slice(item.id.as_bytes());
                tx.tree(SUBJECTS).insert(skey, &[][..])?;
                let mut akey = author.to_vec();
                akey.extend_from_slice(sub.community.as_str().as_bytes());
                tx.tree(AUTHORS).insert(akey, &subject.as_bytes()[..])?;
                out.push(Submitted { item, changed });
            }
            Ok(out)
        })
    }

    fn item(&self, id: &ItemId) -> std::result::Result<Option<Item>, Failure> {
        get_json(self.tree(ITEMS), id.as_bytes())
    }

    fn open_item(&self, item: &mut Item) -> std::result::Result<(), Failure> {
        let key = match &item.subject {
            Some(s) => self.vault.key(s)?,
            None => None,
        };
        let key = key.as_deref();
        item.author_id = item.author_id.open(key, &author_context(&item.id));
        let (id, revision) = (item.id, item.revision);
        if let Some(appeal) = &mut item.appeal {
            appeal.statement = appeal
                .statement
                .open(key, &context("appeal", &id, revision));
        }
        Ok(())
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

    fn audit_log(&self) -> std::result::Result<Vec<AuditRecord>, Failure> {
        self.tree(AUDIT)
            .iter()
            .map(|kv| decode(&kv.map_err(internal)?.1))
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
        let mut swept = 0;
        for due in self.due(RETENTION, now, limit)? {
            let id = item_id(due.get(8..).unwrap_or_default())?;
            let done = self.transact(|tx| {
                let Some(before) = tx.load(&id)? else {
                    tx.tree(RETENTION).remove(&*due)?;
                    return Ok(false);
                };
                let is_due = before.status == Status::Decided
                    && before.text_due_at.is_some_and(|t| t <= now);
                if !is_due {
                    return Ok(false);
                }
                let mut after = before.clone();
                for n in 1..=after.revision {
                    let rkey = child_key(&id, &n.to_be_bytes());
                    if let Some(mut r) = tx.get::<Revision>(REVISIONS, &rkey)? {
                        r.text = Personal::Removed;
                        r.context = r.context.map(|_| Personal::Removed);
                        tx.put(REVISIONS, &rkey, &r)?;
                    }
                }
                if let Some(appeal) = &mut after.appeal {
                    appeal.statement = Personal::Removed;
                }
                after.text_digest.clear();
                after.text_removed = Some(Removal {
                    reason: RemovalReason::Retention,
                    at: now,
                });
                tx.write_item(Some(&before), &mut after, vec![Event::text_expired(now)])?;
                Ok(true)
            })?;
            swept += usize::from(done);
        }
        Ok(swept)
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
        // Nothing is sealed with this subject's key until it is gone.
        let _erasing = self.vault.erasing();
        let subject = self.vault.subject(community, author);
        let items = self.subject_items(&subject)?;
        let mut id_bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut id_bytes);
        let receipt_id = format!("rcp_{}", hex::encode(id_bytes));
        let rule_subject = Subject {
            kind: SubjectKind::Author,
            community: community.clone(),
            id: SubjectRef::try_from(author.to_string()).map_err(internal)?,
        };
        let audit_seq = self.db.generate_id().map_err(internal)?;
        let (revisions, rules) = self.transact(|tx| {
            let mut revisions = 0u64;
            for id in &items {
                let mut skey = subject.as_bytes().to_vec();
                skey.extend_from_slice(id.as_bytes());
                tx.tree(SUBJECTS).remove(skey)?;
                let Some(before) = tx.load(id)? else { continue };
                let mut after = before.clone();
                for n in 1..=after.revision {
                    let rkey = child_key(id, &n.to_be_bytes());
                    if let Some(mut r) = tx.get::<Revision>(REVISIONS, &rkey)? {
                        if r.subject == Some(subject) {
                            r.subject = None;
                            r.text = Personal::Removed;
                            r.context = r.context.map(|_| Personal::Removed);
                            tx.put(REVISIONS, &rkey, &r)?;
                            revisions += 1;
                        }
                    }
                }
                if after.subject == Some(subject) {
                    after.subject = None;
                    after.author_id = Personal::Removed;
                    after.text_digest.clear();
                    if let Some(appeal) = &mut after.appeal {
                        appeal.statement = Personal::Removed;
                    }
                    after.text_removed = Some(Removal {
                        reason: RemovalReason::Erasure,
                        at: now,
                    });
                }
                tx.write_item(Some(&before), &mut after, vec![Event::erased(actor, now)])?;
            }
            let mut akey = self.vault.author_ref(author).to_vec();
            akey.extend_from_slice(community.as_str().as_bytes());
            tx.tree(AUTHORS).remove(akey)?;
            tx.tree(REMOVALS).remove(&subject.as_bytes()[..])?;
            let key = author_rule_key(&subject, Cause::Erasure);
            let mut rules = Vec::new();
            if tx.active_rule(&key)?.is_none() {
                let change = RuleChange::Set(suppress::erasure_rule(), rule_subject.clone());
                tx.change_rule(&key, change, now)?;
                if let Some(seq) = tx.last_rule.get() {
                    rules.push(format!("rul_{seq}"));
                }
            }
            tx.audit(
                audit_seq,
                &AuditRecord::by(now, actor.to_string(), "subject.erase", &receipt_id),
            )?;
            Ok((revisions, rules))
        })?;
        // The records no longer need the key: make them durable, then destroy it. A crash
        // in between leaves an orphan key, destroyed on the next start.
        self.flush()?;
        let key_destroyed = self.vault.destroy(&subject)?;
        Ok(Receipt {
            receipt_id,
            subject: ReceiptSubject {
                kind: "author".into(),
                community: community.clone(),
                id: author.to_string(),
            },
            community: community.clone(),
            items: items.len() as u64,
            revisions,
            key_destroyed,
            rules,
            erased_at: now,
        })
    }

    fn export(
        &self,
        community: &CommunityId,
        author: &AuthorId,
    ) -> std::result::Result<Vec<ExportItem>, Failure> {
        let subject = self.vault.subject(community, author);
        let mut out = Vec::new();
        for id in self.subject_items(&subject)? {
            let Some(mut item) = self.item(&id)? else {
                continue;
            };
            self.open_item(&mut item)?;
            let mut revisions = Vec::new();
            for n in 1..=item.revision {
                let Some(r) = self.revision(&id, n)? else {
                    continue;
                };
                if r.subject != Some(subject) {
                    continue;
                }
                revisions.push(ExportRevision {
                    revision: r.revision,
                    submitted_at: r.submitted_at,
                    text: r.text.into_plain().map(String::from),
                    context: r.context.and_then(Personal::into_plain),
                    verdict: r.verdict,
                    action: r.action,
                });
            }
            let appeal = item
                .appeal
                .clone()
                .filter(|_| item.subject == Some(subject))
                .map(|a| ExportAppeal {
                    statement: a.statement.into_plain(),
                    at: a.at,
                    result: a.result,
                });
            out.push(ExportItem {
                item_id: item.id,
                community: item.community.clone(),
                content_id: item.content_id.clone(),
                status: item.status,
                outcome: item.outcome,
                labels: item.labels.clone(),
                created_at: item.created_at,
                updated_at: item.updated_at,
                text_removed: item.text_removed,
                revisions,
                appeal,
                events: self.events(&id)?,
            });
        }
        Ok(out)
    }

    fn decisions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<DecisionCursor>,
        limit: usize,
    ) -> std::result::Result<Vec<(DecisionCursor, DecisionRecord)>, Failure> {
        let start = match after {
            Some(c) => Bound::Excluded(c.to_bytes()),
            None => Bound::Included(time_bytes(from).to_vec()),
        };
        let end = Bound::Excluded(time_bytes(to).to_vec());
        let mut out = Vec::new();
        for kv in self.tree(DECISIONS).range((start, end)) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = kv.map_err(internal)?;
            let cursor =
                DecisionCursor::from_bytes(&k).ok_or_else(|| internal("malformed decision key"))?;
            out.push((cursor, decode(&v)?));
        }
        Ok(out)
    }

    fn item_decisions(&self, id: &ItemId) -> std::result::Result<Vec<DecisionRecord>, Failure> {
        self.tree(DECISIONS_BY_ITEM)
            .scan_prefix(id.as_bytes())
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_formats_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            db.insert("format", "1").unwrap();
            db.flush().unwrap();
        }
        let err = SledStore::open(dir.path(), 1 << 20).err().expect("refused");
        assert!(err.to_string().contains("format 1"), "{err}");
    }

    /// The rules an item produced are indexed as they are written, and a store written
    /// before the index existed gets it filled on open.
    #[test]
    fn item_rules_are_indexed_and_backfilled() {
        let dir = tempfile::tempdir().unwrap();
        let verdict = crate::Engine::builder()
            .build()
            .unwrap()
            .score("go drink bleach");
        let sub = Submission {
            new_id: ItemId::random(),
            community: "c".parse().unwrap(),
            content_id: "x".parse().unwrap(),
            author_id: "a".parse().unwrap(),
            text: crate::ids::ContentText::new("go drink bleach").unwrap(),
            context: None,
            verdict,
            action: crate::Action::Remove,
            labels: Vec::new(),
            actor: KeyId::random(),
            at: Timestamp::now(),
        };
        let id = {
            let store = SledStore::open(dir.path(), 1 << 20).unwrap();
            let id = store.submit(&[sub]).unwrap()[0].item.id;
            let rules = store.item_rules(&id).unwrap();
            assert!(
                rules
                    .iter()
                    .any(|r| r.reason.source == suppress::ReasonSource::Decision),
                "{rules:?}"
            );
            assert!(store.item_rules(&ItemId::random()).unwrap().is_empty());
            // A store from before the index: neither the index nor its marker.
            store.tree(RULES_BY_ITEM).clear().unwrap();
            store.tree(META).remove(RULES_BY_ITEM_FILLED).unwrap();
            store.flush().unwrap();
            id
        };
        let store = SledStore::open(dir.path(), 1 << 20).unwrap();
        let rules = store.item_rules(&id).unwrap();
        assert_eq!(rules.len() as u64, store.rule_seq(), "{rules:?}");
        let report = crate::store::verify(&store).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);

        // A backfill cut short (the marker never written) is redone in full on open, and
        // `verify` notices an index that misses entries.
        let first = store.tree(RULES_BY_ITEM).iter().next().unwrap().unwrap().0;
        store.tree(RULES_BY_ITEM).remove(first).unwrap();
        let report = crate::store::verify(&store).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        store.tree(META).remove(RULES_BY_ITEM_FILLED).unwrap();
        store.flush().unwrap();
        drop(store);
        let store = SledStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(store.item_rules(&id).unwrap().len(), rules.len());
        let report = crate::store::verify(&store).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}
