//! Score feedback in sled (see `crate::domain::feedback`): one tree, written outside the item
//! transactions because a record touches nothing else.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `score_feedback` | community length (1), community, id (u64) | `ScoreFeedback` JSON |
//!
//! A record that named no community has length 0 and no community bytes. Ids come from
//! sled's `generate_id`, which increases across restarts, so each community's records
//! are in arrival order and a reader resumes after the last id it saw. The record holds
//! no personal data, so nothing here is sealed.

use std::ops::Bound;

use super::keys::scan_start;
use crate::domain::feedback::ScoreFeedback;
use crate::failure::Failure;
use crate::ids::CommunityId;

const TREE: &str = "score_feedback";

fn internal(err: impl std::fmt::Display) -> Failure {
    Failure::internal(format!("store: {err}"))
}

/// The key prefix of a community's records.
fn prefix(community: Option<&CommunityId>) -> Vec<u8> {
    let name = community.map_or("", |c| c.as_str()).as_bytes();
    // Community ids are at most 64 bytes, so the length fits its one byte.
    let mut key = Vec::with_capacity(1 + name.len() + 8);
    key.push(name.len() as u8);
    key.extend_from_slice(name);
    key
}

pub(super) fn put(db: &sled::Db, feedback: &ScoreFeedback) -> Result<u64, Failure> {
    let id = db.generate_id().map_err(internal)?;
    let mut key = prefix(feedback.community.as_ref());
    key.extend_from_slice(&id.to_be_bytes());
    let value = serde_json::to_vec(feedback).map_err(internal)?;
    db.open_tree(TREE)
        .and_then(|tree| tree.insert(key, value))
        .map_err(internal)?;
    Ok(id)
}

pub(super) fn list(
    db: &sled::Db,
    community: Option<&CommunityId>,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<(u64, ScoreFeedback)>, Failure> {
    let prefix = prefix(community);
    let after = after.map(u64::to_be_bytes);
    let start = scan_start(&prefix, after.as_ref().map(|b| b.as_slice()));
    let tree = db.open_tree(TREE).map_err(internal)?;
    let mut records = Vec::new();
    for kv in tree.range((start, Bound::Unbounded)).take(limit) {
        let (key, value) = kv.map_err(internal)?;
        let Some(id) = key
            .strip_prefix(prefix.as_slice())
            .and_then(|rest| <[u8; 8]>::try_from(rest).ok())
        else {
            break;
        };
        // serde's messages can quote a value: name only where the record broke.
        let record = serde_json::from_slice(&value).map_err(|e| {
            internal(format_args!(
                "malformed score feedback record ({:?} error at column {})",
                e.classify(),
                e.column()
            ))
        })?;
        records.push((u64::from_be_bytes(id), record));
    }
    Ok(records)
}
