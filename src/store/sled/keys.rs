//! How the sled backend encodes records and builds its keys (the layout is in the
//! module docs of `store::sled`), and the error plumbing its transactions share.

use std::io;
use std::ops::Bound;
use std::path::Path;

use serde::de::DeserializeOwned;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
};
use sled::Tree;

use crate::clock::Timestamp;
use crate::domain::item::{Item, QueueName};
use crate::domain::queue::QueueEntry;
use crate::error::Error;
use crate::failure::Failure;

use crate::ids::{CommunityId, ContentId, ItemId};
pub(super) use crate::store::record::{
    author_context, author_rule_key, content_rule_key, context, decode, encode, internal,
    report_context, RULE_SUBJECT, WEBHOOK_SECRET,
};

pub(super) fn open_error(dir: &Path, err: sled::Error) -> Error {
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

pub(super) fn is_lock_error(e: &io::Error) -> bool {
    e.to_string().contains("lock")
}

pub(super) fn get_json<T: DeserializeOwned>(
    tree: &Tree,
    key: &[u8],
) -> std::result::Result<Option<T>, Failure> {
    match tree.get(key).map_err(internal)? {
        Some(bytes) => Ok(Some(decode(&bytes)?)),
        None => Ok(None),
    }
}

pub(super) fn read_u64(bytes: &[u8]) -> std::result::Result<u64, Failure> {
    let b: [u8; 8] = bytes
        .try_into()
        .map_err(|_| internal("malformed counter"))?;
    Ok(u64::from_be_bytes(b))
}

/// Turns a refusal into a transaction abort.
pub(super) trait OrAbort<T> {
    fn or_abort(self) -> ConflictableTransactionResult<T, Failure>;
}

impl<T> OrAbort<T> for std::result::Result<T, Failure> {
    fn or_abort(self) -> ConflictableTransactionResult<T, Failure> {
        self.map_err(ConflictableTransactionError::Abort)
    }
}

pub(super) fn finish<T>(
    r: std::result::Result<T, TransactionError<Failure>>,
) -> std::result::Result<T, Failure> {
    match r {
        Ok(v) => Ok(v),
        Err(TransactionError::Abort(f)) => Err(f),
        Err(TransactionError::Storage(e)) => Err(internal(e)),
    }
}

pub(super) fn content_key(community: &CommunityId, content_id: &ContentId) -> Vec<u8> {
    let c = community.as_str().as_bytes();
    let mut key = Vec::with_capacity(1 + c.len() + content_id.as_str().len());
    key.push(c.len() as u8);
    key.extend_from_slice(c);
    key.extend_from_slice(content_id.as_str().as_bytes());
    key
}

pub(super) fn child_key(id: &ItemId, n: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(16 + n.len());
    key.extend_from_slice(id.as_bytes());
    key.extend_from_slice(n);
    key
}

pub(super) fn community_prefix(queue: QueueName, community: &CommunityId) -> Vec<u8> {
    let c = community.as_str().as_bytes();
    let mut key = Vec::with_capacity(2 + c.len() + 24);
    key.push(queue.tag());
    key.push(c.len() as u8);
    key.extend_from_slice(c);
    key
}

pub(super) fn global_key(entry: &QueueEntry) -> Vec<u8> {
    let mut key = vec![entry.queue.tag()];
    key.extend_from_slice(&entry.cursor().to_bytes());
    key
}

pub(super) fn community_key(entry: &QueueEntry) -> Vec<u8> {
    let mut key = community_prefix(entry.queue, &entry.community);
    key.extend_from_slice(&entry.cursor().to_bytes());
    key
}

/// Where a scan of the keys under `prefix` starts: at the first, or just past
/// `prefix ++ after` when it resumes a page.
pub(super) fn scan_start(prefix: &[u8], after: Option<&[u8]>) -> Bound<Vec<u8>> {
    let mut key = prefix.to_vec();
    match after {
        Some(after) => {
            key.extend_from_slice(after);
            Bound::Excluded(key)
        }
        None => Bound::Included(key),
    }
}

pub(super) fn time_bytes(t: Timestamp) -> [u8; 8] {
    ((t.millis() as u64) ^ (1 << 63)).to_be_bytes()
}

pub(super) fn timed_key(t: Timestamp, rest: &[u8]) -> Vec<u8> {
    let mut key = time_bytes(t).to_vec();
    key.extend_from_slice(rest);
    key
}

pub(super) fn lease_key(item: &Item) -> Option<Vec<u8>> {
    let lease = item.lease.as_ref()?;
    Some(timed_key(lease.expires_at, item.id.as_bytes()))
}

pub(super) fn retention_key(item: &Item) -> Option<Vec<u8>> {
    Some(timed_key(item.text_due_at?, item.id.as_bytes()))
}

pub(super) fn item_id(bytes: &[u8]) -> std::result::Result<ItemId, Failure> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| internal("malformed item id in an index"))?;
    Ok(ItemId::from_bytes(id))
}
