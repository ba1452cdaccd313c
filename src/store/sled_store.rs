//! The sled backend.
//!
//! Trees and keys (integers big-endian, so byte order is numeric order):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `items` | item id (16 bytes) | `Item` JSON |
//! | `content` | community length (1), community, content id | item id |
//! | `revisions` | item id, revision (u32) | `Revision` JSON |
//! | `events` | item id, seq (u64) | `Event` JSON |
//! | `queue` | queue tag (1), rank (u64), item id | community |
//! | `queue_by_community` | queue tag, community length, community, rank, item id | — |
//! | `leases` | expiry (sign-flipped i64 ms), item id | — |
//! | `keys` | key id | `ApiKey` JSON |
//! | `policies`, `wordlists` | community | JSON |
//! | `audit` | sequence (u64) | `AuditRecord` JSON |
//!
//! Item changes are sled transactions over every tree they touch. sled runs transactions
//! one at a time under a process-wide lock, which is what makes claiming race-free; the
//! closures therefore do no work but reading, checking and writing.

use std::io;
use std::ops::Bound;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use sled::{Transactional, Tree};

use super::{AuditRecord, Change, CommunityFilter, Store};
use crate::auth::ApiKey;
use crate::clock::Timestamp;
use crate::community::{CommunityPolicy, CommunityWordlist};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::failure::Failure;
use crate::ids::{CommunityId, ContentId, ItemId};
use crate::item::{Item, QueueName, Revision, Submission, Submitted};
use crate::queue::{Cursor, QueueEntry};

/// Bumped when the layout above changes incompatibly.
const FORMAT: &[u8] = b"1";

/// The sled store. Cheap to share behind an `Arc`.
pub struct SledStore {
    db: sled::Db,
    items: Tree,
    content: Tree,
    revisions: Tree,
    events: Tree,
    queue: Tree,
    queue_by_community: Tree,
    leases: Tree,
    keys: Tree,
    policies: Tree,
    wordlists: Tree,
    audit: Tree,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`, with sled's page cache capped at
    /// `cache_bytes`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<SledStore> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| open_error(dir, e))?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| open_error(dir, e));
        let store = SledStore {
            items: tree("items")?,
            content: tree("content")?,
            revisions: tree("revisions")?,
            events: tree("events")?,
            queue: tree("queue")?,
            queue_by_community: tree("queue_by_community")?,
            leases: tree("leases")?,
            keys: tree("keys")?,
            policies: tree("policies")?,
            wordlists: tree("wordlists")?,
            audit: tree("audit")?,
            db,
        };
        match store.db.get("format").map_err(|e| open_error(dir, e))? {
            None => {
                store
                    .db
                    .insert("format", FORMAT)
                    .map_err(|e| open_error(dir, e))?;
            }
            Some(v) if v.as_ref() == FORMAT => {}
            Some(v) => {
                return Err(Error::config(format!(
                    "{}: store format {} is not supported by this version (expected {})",
                    dir.display(),
                    String::from_utf8_lossy(&v),
                    String::from_utf8_lossy(FORMAT)
                )))
            }
        }
        Ok(store)
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

fn abort<T>(f: Failure) -> ConflictableTransactionResult<T, Failure> {
    Err(ConflictableTransactionError::Abort(f))
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

fn expiry_bytes(t: Timestamp) -> [u8; 8] {
    ((t.millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn lease_key(item: &Item) -> Option<Vec<u8>> {
    let lease = item.lease.as_ref()?;
    let mut key = expiry_bytes(lease.expires_at).to_vec();
    key.extend_from_slice(item.id.as_bytes());
    Some(key)
}

fn item_id(bytes: &[u8]) -> std::result::Result<ItemId, Failure> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| internal("malformed item id in an index"))?;
    Ok(ItemId::from_bytes(id))
}

/// The trees an item change touches, inside a transaction.
struct ItemTrees<'a> {
    items: &'a TransactionalTree,
    events: &'a TransactionalTree,
    queue: &'a TransactionalTree,
    queue_by_community: &'a TransactionalTree,
    leases: &'a TransactionalTree,
}

impl ItemTrees<'_> {
    fn load(&self, id: &ItemId) -> ConflictableTransactionResult<Option<Item>, Failure> {
        match self.items.get(id.as_bytes())? {
            None => Ok(None),
            Some(bytes) => match decode(&bytes) {
                Ok(item) => Ok(Some(item)),
                Err(f) => abort(f),
            },
        }
    }

    /// Writes `after` with its new events and moves its index entries.
    fn write(
        &self,
        before: Option<&Item>,
        after: &mut Item,
        events: Vec<Event>,
    ) -> ConflictableTransactionResult<(), Failure> {
        for mut event in events {
            after.last_seq += 1;
            event.seq = after.last_seq;
            let bytes = match encode(&event) {
                Ok(b) => b,
                Err(f) => return abort(f),
            };
            self.events
                .insert(child_key(&after.id, &event.seq.to_be_bytes()), bytes)?;
        }
        let bytes = match encode(&*after) {
            Ok(b) => b,
            Err(f) => return abort(f),
        };
        self.items.insert(&after.id.as_bytes()[..], bytes)?;

        let old = before.and_then(QueueEntry::of);
        let new = QueueEntry::of(after);
        if old != new {
            if let Some(old) = &old {
                self.queue.remove(global_key(old))?;
                self.queue_by_community.remove(community_key(old))?;
            }
            if let Some(new) = &new {
                self.queue
                    .insert(global_key(new), new.community.as_str().as_bytes())?;
                self.queue_by_community
                    .insert(community_key(new), &[][..])?;
            }
        }
        let (old, new) = (before.and_then(lease_key), lease_key(after));
        if old != new {
            if let Some(old) = old {
                self.leases.remove(old)?;
            }
            if let Some(new) = new {
                self.leases.insert(new, &[][..])?;
            }
        }
        Ok(())
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
        finish((tree, &self.audit).transaction(|(tree, log)| {
            tree.insert(key, bytes.as_slice())?;
            log.insert(&seq.to_be_bytes()[..], record.as_slice())?;
            Ok(())
        }))
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
}

impl Store for SledStore {
    fn submit(&self, batch: &[Submission]) -> std::result::Result<Vec<Submitted>, Failure> {
        let trees = (
            &self.items,
            &self.content,
            &self.revisions,
            &self.events,
            &self.queue,
            &self.queue_by_community,
            &self.leases,
        );
        finish(
            trees.transaction(|(items, content, revisions, events, queue, by_c, leases)| {
                let t = ItemTrees {
                    items,
                    events,
                    queue,
                    queue_by_community: by_c,
                    leases,
                };
                let mut out = Vec::with_capacity(batch.len());
                for sub in batch {
                    let ckey = content_key(&sub.community, &sub.content_id);
                    let existing = match content.get(&ckey)? {
                        Some(id) => match item_id(&id) {
                            Ok(id) => t.load(&id)?,
                            Err(f) => return abort(f),
                        },
                        None => None,
                    };
                    let (item, revision, changed) = match existing {
                        Some(before) if before.is_current_text(&sub.text) => {
                            out.push(Submitted {
                                item: before,
                                changed: false,
                            });
                            continue;
                        }
                        Some(before) => {
                            let mut after = before.clone();
                            let (revision, evs) = after.revise(sub);
                            t.write(Some(&before), &mut after, evs)?;
                            (after, revision, true)
                        }
                        None => {
                            let (mut item, revision, evs) = Item::create(sub);
                            content.insert(ckey, &item.id.as_bytes()[..])?;
                            t.write(None, &mut item, evs)?;
                            (item, revision, true)
                        }
                    };
                    let bytes = match encode(&revision) {
                        Ok(b) => b,
                        Err(f) => return abort(f),
                    };
                    revisions
                        .insert(child_key(&item.id, &revision.revision.to_be_bytes()), bytes)?;
                    out.push(Submitted { item, changed });
                }
                Ok(out)
            }),
        )
    }

    fn item(&self, id: &ItemId) -> std::result::Result<Option<Item>, Failure> {
        Self::get_json(&self.items, id.as_bytes())
    }

    fn revision(
        &self,
        id: &ItemId,
        revision: u32,
    ) -> std::result::Result<Option<Revision>, Failure> {
        Self::get_json(&self.revisions, &child_key(id, &revision.to_be_bytes()))
    }

    fn events(&self, id: &ItemId) -> std::result::Result<Vec<Event>, Failure> {
        self.events
            .scan_prefix(id.as_bytes())
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    fn update(&self, id: &ItemId, change: &Change<'_>) -> std::result::Result<Item, Failure> {
        let trees = (
            &self.items,
            &self.events,
            &self.queue,
            &self.queue_by_community,
            &self.leases,
        );
        finish(trees.transaction(|(items, events, queue, by_c, leases)| {
            let t = ItemTrees {
                items,
                events,
                queue,
                queue_by_community: by_c,
                leases,
            };
            let Some(before) = t.load(id)? else {
                return abort(Failure::not_found("item"));
            };
            let mut after = before.clone();
            let evs = match change(&mut after) {
                Ok(evs) => evs,
                Err(f) => return abort(f),
            };
            t.write(Some(&before), &mut after, evs)?;
            Ok(after)
        }))
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
                self.entries_after(&self.queue, &[queue.tag()], after, limit, |k, v| {
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
                        &self.queue_by_community,
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
        Ok(self.queue.scan_prefix([queue.tag()]).count() as u64)
    }

    fn leases_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> std::result::Result<Vec<ItemId>, Failure> {
        let end = expiry_bytes(Timestamp::from_millis(now.millis().saturating_add(1)));
        self.leases
            .range(..end)
            .take(limit)
            .map(|kv| {
                let (k, _) = kv.map_err(internal)?;
                item_id(k.get(8..).unwrap_or_default())
            })
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
        self.items
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
        Self::get_json(&self.policies, community.as_str().as_bytes())
    }

    fn put_policy(
        &self,
        community: &CommunityId,
        policy: &CommunityPolicy,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        self.put_config(&self.policies, community.as_str().as_bytes(), policy, audit)
    }

    fn wordlist(
        &self,
        community: &CommunityId,
    ) -> std::result::Result<Option<CommunityWordlist>, Failure> {
        Self::get_json(&self.wordlists, community.as_str().as_bytes())
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
        self.audit
            .iter()
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    fn flush(&self) -> std::result::Result<(), Failure> {
        self.db.flush().map(|_| ()).map_err(internal)
    }
}
