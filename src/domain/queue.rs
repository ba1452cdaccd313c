//! The human review queues: priority, the order items are served in, paging cursors,
//! claiming with leases, and returning expired leases to their queue.
//!
//! # Priority
//!
//! ```text
//! priority = 10 × severity + 10 × score + 5 × urgent + hours waiting
//! ```
//!
//! * `severity`: the strongest harm match, high 3, medium 2, low 1, none 0;
//! * `score`: the verdict's highest category score, 0..1;
//! * `urgent`: 1 when `threat` or `self_harm` scores ≥ 0.6 (someone may be in danger);
//! * `hours waiting`: since the item entered its current queue.
//!
//! So a fresh high-severity match (≈ 39.5) goes before a fresh medium one (≈ 27.5), and
//! a medium item overtakes it after about 12 hours, so nothing waits forever.
//! Because every item ages at the same rate, the order never changes over time, and the
//! store can keep the queue sorted by a fixed key: [`rank`] = entry time − base priority
//! (in the same unit), ascending.
//!
//! ```
//! use warden::clock::Timestamp;
//! use warden::domain::queue::{priority_at, rank};
//!
//! let t = Timestamp::from_millis(1_700_000_000_000);
//! let hour_later = Timestamp::from_millis(t.millis() + 3_600_000);
//! assert_eq!(priority_at(27_500, t, hour_later), 28.5);
//! // An item one priority point higher ranks like one that has waited an hour longer.
//! assert_eq!(rank(28_500, hour_later), rank(27_500, t));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::clock::Timestamp;
use crate::domain::item::{Item, QueueName, Status};
use crate::ids::{CommunityId, ItemId};
use crate::verdict::{Category, Severity, Verdict};

/// Which communities a queue read covers.
#[derive(Debug, Clone, Copy)]
pub enum CommunityFilter<'a> {
    All,
    Only(&'a [CommunityId]),
}

/// Milliseconds of waiting worth one milli-point of priority (one point per hour).
const MS_PER_MILLIPOINT: i64 = 3_600;

/// The base priority of a verdict in milli-points (the formula above without the age).
pub fn base_priority(verdict: &Verdict) -> u32 {
    let severity = verdict
        .harms()
        .map(|m| match m.severity {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        })
        .max()
        .unwrap_or(0);
    let urgent = [Category::Threat, Category::SelfHarm]
        .into_iter()
        .any(|c| verdict.category(c) >= 0.6);
    let score = f64::from(verdict.score.clamp(0.0, 1.0));
    let points = 10.0 * f64::from(severity) + 10.0 * score + if urgent { 5.0 } else { 0.0 };
    (points * 1000.0).round() as u32
}

/// The priority at `now` of an item with base priority `base` (milli-points) that entered
/// its queue at `since`.
pub fn priority_at(base: u32, since: Timestamp, now: Timestamp) -> f64 {
    let waited = (now.millis() - since.millis()).max(0);
    let milli = i64::from(base) + waited / MS_PER_MILLIPOINT;
    milli as f64 / 1000.0
}

/// The order of the queue: ascending rank is descending priority, at any time.
pub fn rank(base: u32, since: Timestamp) -> u64 {
    let v = since.millis() - i64::from(base) * MS_PER_MILLIPOINT;
    // Flip the sign bit so the signed order survives big-endian byte comparison.
    (v as u64) ^ (1 << 63)
}

/// Where an item waits in a queue index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub queue: QueueName,
    pub community: CommunityId,
    pub item_id: ItemId,
    pub rank: u64,
}

impl QueueEntry {
    /// The entry of an item that can be claimed, if it is one.
    pub fn of(item: &Item) -> Option<QueueEntry> {
        match (item.status, item.queue, item.enqueued_at, &item.lease) {
            (Status::Pending, Some(queue), Some(since), None) => Some(QueueEntry {
                queue,
                community: item.community.clone(),
                item_id: item.id,
                rank: rank(item.priority, since),
            }),
            _ => None,
        }
    }

    pub fn cursor(&self) -> Cursor {
        Cursor {
            rank: self.rank,
            item_id: self.item_id,
        }
    }
}

/// A position in a queue; the next page starts after it. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub rank: u64,
    pub item_id: ItemId,
}

impl Cursor {
    /// The 24 bytes that order queue entries: rank then item id.
    pub fn to_bytes(self) -> [u8; 24] {
        let mut out = [0u8; 24];
        out[..8].copy_from_slice(&self.rank.to_be_bytes());
        out[8..].copy_from_slice(self.item_id.as_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Cursor> {
        let rank = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let id: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
        Some(Cursor {
            rank,
            item_id: ItemId::from_bytes(id),
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.to_bytes()))
    }
}

impl FromStr for Cursor {
    type Err = String;
    fn from_str(s: &str) -> Result<Cursor, String> {
        let bytes = hex::decode(s).map_err(|_| "not a cursor from this API".to_string())?;
        if bytes.len() != 24 {
            return Err("not a cursor from this API".into());
        }
        Cursor::from_bytes(&bytes).ok_or_else(|| "not a cursor from this API".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_orders_by_priority_then_age() {
        let t = Timestamp::from_millis(1_700_000_000_000);
        let later = Timestamp::from_millis(t.millis() + 1000);
        // Higher priority first.
        assert!(rank(30_000, t) < rank(20_000, t));
        // Same priority: older first.
        assert!(rank(20_000, t) < rank(20_000, later));
        // Ranks survive a negative intermediate value.
        assert!(rank(u32::MAX, Timestamp::from_millis(0)) < rank(0, Timestamp::from_millis(0)));
    }

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            rank: 42,
            item_id: ItemId::random(),
        };
        assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
        assert!("zz".parse::<Cursor>().is_err());
        assert!("00".parse::<Cursor>().is_err());
    }
}
