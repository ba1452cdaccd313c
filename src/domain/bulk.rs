//! Bulk actions: one moderator decision applied to every item a filter selects
//! (`POST /v1/items:bulk`). Each item is still decided on its own, in its own atomic
//! store step, with its own events; what ties them together is the [`BulkId`] every
//! event carries and the one audit record the operation writes.
//!
//! What a bulk decision does to one item is [`Item::bulk_decide`](crate::domain::item::Item::bulk_decide):
//! a waiting item is decided as if the caller held its lease (a lease another moderator
//! holds is respected unless the caller is an admin); an item already decided gets the
//! new outcome (a `decided` event naming the previous outcome), or is left alone when it
//! already has it. Bulk decisions cannot be undone item by item: the undo of
//! `POST /v1/items/{id}/undo` belongs to decisions made under one's own lease.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::item::{Item, QueueName, Status};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ContentId, ItemId};
use crate::verdict::Action;

/// The most items one bulk call decides: a larger selection is refused rather than
/// silently cut, so the caller narrows it knowingly.
pub const MAX_ITEMS: usize = 10_000;

/// One bulk operation's id, `blk_` and 16 hex digits; in every event it caused and in
/// its audit record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BulkId(String);

impl BulkId {
    pub fn random() -> BulkId {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        BulkId(format!("blk_{}", hex::encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BulkId {
    type Error = String;
    fn try_from(s: String) -> Result<BulkId, String> {
        let hex = s
            .strip_prefix("blk_")
            .ok_or("must be `blk_` and 16 lowercase hex digits")?;
        if hex.len() != 16 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err("must be `blk_` and 16 lowercase hex digits".into());
        }
        Ok(BulkId(s))
    }
}

impl FromStr for BulkId {
    type Err = String;
    fn from_str(s: &str) -> Result<BulkId, String> {
        BulkId::try_from(s.to_string())
    }
}

impl From<BulkId> for String {
    fn from(id: BulkId) -> String {
        id.0
    }
}

impl fmt::Display for BulkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which items a bulk call decides: items of one `community`, selected by exactly one of
/// `author_id` (the author's items there), `content_ids`, or `queue` (items waiting in
/// it), and narrowed by `action` (what Warden did on submission) if given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    pub community: CommunityId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<AuthorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_ids: Option<Vec<ContentId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

/// How a filter finds its candidates (each is then checked with [`BulkFilter::matches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector<'a> {
    Author(&'a AuthorId),
    Contents(&'a [ContentId]),
    Queue(QueueName),
}

impl BulkFilter {
    /// The one selector the filter names; `invalid_field` unless exactly one is given.
    pub fn selector(&self) -> Result<Selector<'_>, Failure> {
        let named = [
            self.author_id.is_some(),
            self.content_ids.is_some(),
            self.queue.is_some(),
        ];
        if named.iter().filter(|n| **n).count() != 1 {
            return Err(Failure::invalid_field(
                "filter",
                "name exactly one of `author_id`, `content_ids` and `queue`",
            ));
        }
        if let Some(ids) = &self.content_ids {
            if ids.is_empty() || ids.len() > MAX_ITEMS {
                return Err(Failure::invalid_field(
                    "filter.content_ids",
                    format!("must list 1 to {MAX_ITEMS} content ids"),
                ));
            }
        }
        Ok(match (&self.author_id, &self.content_ids, self.queue) {
            (Some(a), _, _) => Selector::Author(a),
            (_, Some(c), _) => Selector::Contents(c),
            (_, _, Some(q)) => Selector::Queue(q),
            (None, None, None) => unreachable!("exactly one selector was checked above"),
        })
    }

    /// Whether `item`, found through the filter's selector, still matches it (checked
    /// again in the item's own store step, since it may have moved since it was found).
    /// An item's content id never changes, so an item found by it needs no check; the
    /// author is checked by the caller, who knows the author's subject.
    pub fn matches(&self, item: &Item) -> bool {
        item.community == self.community
            && self
                .queue
                .is_none_or(|q| item.status == Status::Pending && item.queue == Some(q))
            && self.action.is_none_or(|a| item.action == a)
    }
}

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    /// Decided now.
    Decided,
    /// `dry_run`: would be decided.
    WouldDecide,
    /// Already had the outcome: nothing written.
    Unchanged,
    /// Refused (see `error`): leased by someone else, no longer matching, ...
    Failed,
}

/// Why one item failed, in the API's error vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkError {
    pub code: String,
    pub message: String,
}

impl From<&Failure> for BulkError {
    fn from(f: &Failure) -> BulkError {
        BulkError {
            code: f.code().as_str().to_string(),
            message: f.message().to_string(),
        }
    }
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkItemResult {
    pub item_id: ItemId,
    pub status: BulkStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<BulkError>,
}

/// The answer to a bulk call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// In each event written and in the audit record; absent for a dry run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<BulkId>,
    pub dry_run: bool,
    /// How many items the filter selected.
    pub matched: usize,
    /// Counts by status.
    pub decided: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub results: Vec<BulkItemResult>,
}

impl BulkOutcome {
    /// Tallies `results`.
    pub fn new(bulk_id: Option<BulkId>, dry_run: bool, results: Vec<BulkItemResult>) -> Self {
        let count = |s: &[BulkStatus]| results.iter().filter(|r| s.contains(&r.status)).count();
        BulkOutcome {
            bulk_id,
            dry_run,
            matched: results.len(),
            decided: count(&[BulkStatus::Decided, BulkStatus::WouldDecide]),
            unchanged: count(&[BulkStatus::Unchanged]),
            failed: count(&[BulkStatus::Failed]),
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: serde_json::Value) -> BulkFilter {
        serde_json::from_value(json).expect("a filter")
    }

    #[test]
    fn exactly_one_selector() {
        let cases = [
            (serde_json::json!({"community": "c"}), false),
            (
                serde_json::json!({"community": "c", "queue": "review"}),
                true,
            ),
            (
                serde_json::json!({"community": "c", "author_id": "u1"}),
                true,
            ),
            (
                serde_json::json!({"community": "c", "content_ids": ["a"]}),
                true,
            ),
            (
                serde_json::json!({"community": "c", "content_ids": []}),
                false,
            ),
            (
                serde_json::json!({"community": "c", "queue": "review", "author_id": "u"}),
                false,
            ),
            (
                serde_json::json!({"community": "c", "action": "remove"}),
                false,
            ),
        ];
        for (json, ok) in cases {
            assert_eq!(filter(json.clone()).selector().is_ok(), ok, "{json}");
        }
    }

    #[test]
    fn bulk_ids_round_trip() {
        let id = BulkId::random();
        assert_eq!(id.as_str().parse::<BulkId>(), Ok(id.clone()));
        assert!("blk_xyz".parse::<BulkId>().is_err());
        assert!("key_0123456789abcdef".parse::<BulkId>().is_err());
    }

    #[test]
    fn outcome_counts() {
        let r = |status| BulkItemResult {
            item_id: ItemId::random(),
            status,
            error: None,
        };
        let o = BulkOutcome::new(
            None,
            false,
            vec![
                r(BulkStatus::Decided),
                r(BulkStatus::Decided),
                r(BulkStatus::Unchanged),
                r(BulkStatus::Failed),
            ],
        );
        assert_eq!((o.matched, o.decided, o.unchanged, o.failed), (4, 2, 1, 1));
    }
}
