//! The operations dashboard's figures, kept as they happen: one [`OpsTally`] per
//! community and hour ([`OpsKey`]), added to by every item change ([`tally`], called by
//! `consequences`, persisted by the store in the item's own atomic step). A dashboard
//! over any window then reads a few hundred small rows instead of replaying a million
//! events.
//!
//! What is counted, per queue: items entering and leaving the waiting set (waiting means
//! claimable: in the queue and not leased, as the queue index holds them), claims, leases
//! that expired, the time from entering the queue to the first claim, and the time from
//! entering it to the moderator's decision (escalations included). Per community: the
//! decisions of each moderator and of each action, automatic decisions by outcome, undos,
//! appeals and how appeals ended.
//!
//! Durations are kept as fixed-bin histograms ([`Histogram`]), so a percentile is known
//! to its bin: [`Histogram::quantile`] answers the bin's upper bound, the time within
//! which at least that share of items was handled.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::domain::event::{Actor, Event, EventKind};
use crate::domain::item::{AppealResult, Item};
use crate::domain::queue::QueueEntry;
use crate::ids::CommunityId;

/// One hour, in milliseconds: the tallies' granularity.
pub const HOUR_MS: i64 = 3_600_000;

/// Upper bounds of the duration bins, in seconds; one more bin holds everything longer.
pub const BOUNDS: [u32; 16] = [
    1, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 86_400, 172_800, 604_800,
];

/// The start of the hour `at` falls in.
pub fn hour_of(at: Timestamp) -> Timestamp {
    Timestamp::from_millis(at.millis().div_euclid(HOUR_MS) * HOUR_MS)
}

/// Which tally a change adds to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpsKey {
    /// The start of the hour.
    pub hour: Timestamp,
    pub community: CommunityId,
}

/// Durations in fixed bins (see [`BOUNDS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Counts per bin, the last one for longer than every bound; trailing empty bins
    /// may be left out.
    #[serde(default)]
    pub bins: Vec<u64>,
    /// Sum of the durations, in seconds.
    #[serde(default)]
    pub sum_seconds: u64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: u64) {
        let bin = BOUNDS
            .iter()
            .position(|b| seconds <= u64::from(*b))
            .unwrap_or(BOUNDS.len());
        if self.bins.len() <= bin {
            self.bins.resize(bin + 1, 0);
        }
        self.bins[bin] += 1;
        self.sum_seconds += seconds;
    }

    pub fn count(&self) -> u64 {
        self.bins.iter().sum()
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.bins.len() < other.bins.len() {
            self.bins.resize(other.bins.len(), 0);
        }
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.sum_seconds += other.sum_seconds;
    }

    /// The upper bound (seconds) of the bin holding the `q`-quantile; `None` when empty,
    /// and `None` past the last bound too (longer than a week: unknown how much).
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (i, c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return BOUNDS.get(i).copied();
            }
        }
        None
    }
}

/// One queue's figures within a tally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueTally {
    /// Items that became waiting (claimable) in the queue.
    pub entered: u64,
    /// Items that stopped waiting (claimed, decided, moved).
    pub left: u64,
    pub claims: u64,
    pub expired_leases: u64,
    pub first_claim: Histogram,
    pub to_decision: Histogram,
}

impl QueueTally {
    fn merge(&mut self, o: &QueueTally) {
        self.entered += o.entered;
        self.left += o.left;
        self.claims += o.claims;
        self.expired_leases += o.expired_leases;
        self.first_claim.merge(&o.first_claim);
        self.to_decision.merge(&o.to_decision);
    }
}

/// A community's figures over one hour (or, merged, over any window).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpsTally {
    /// By queue name (`review`, `escalated`, `appeals`).
    pub queues: BTreeMap<String, QueueTally>,
    /// Moderators' decisions (escalations included) by key id.
    pub by_moderator: BTreeMap<String, u64>,
    /// Moderators' decisions by action (`approve`, `label`, `remove`, `escalate`).
    pub by_action: BTreeMap<String, u64>,
    /// Automatic decisions by outcome (`allow`, `label`, `remove`).
    pub automated: BTreeMap<String, u64>,
    /// Decisions taken back by their maker.
    pub undone: u64,
    pub appeals: u64,
    pub appeals_upheld: u64,
    pub appeals_reversed: u64,
}

impl OpsTally {
    pub fn is_empty(&self) -> bool {
        *self == OpsTally::default()
    }

    /// Adds `other` to this tally: how a backend folds a change's tally into the stored
    /// one, and how a report sums hours.
    pub fn merge(&mut self, o: &OpsTally) {
        for (q, t) in &o.queues {
            self.queues.entry(q.clone()).or_default().merge(t);
        }
        let add = |a: &mut BTreeMap<String, u64>, b: &BTreeMap<String, u64>| {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        };
        add(&mut self.by_moderator, &o.by_moderator);
        add(&mut self.by_action, &o.by_action);
        add(&mut self.automated, &o.automated);
        self.undone += o.undone;
        self.appeals += o.appeals;
        self.appeals_upheld += o.appeals_upheld;
        self.appeals_reversed += o.appeals_reversed;
    }

    fn queue(&mut self, name: &str) -> &mut QueueTally {
        self.queues.entry(name.to_string()).or_default()
    }
}

fn seconds(from: Option<Timestamp>, to: Timestamp) -> Option<u64> {
    from.map(|f| (to.millis() - f.millis()).max(0) as u64 / 1000)
}

/// What one change of one item adds to its community's tally for the hour of its last
/// event; `None` when it adds nothing.
pub fn tally(before: Option<&Item>, after: &Item, events: &[Event]) -> Option<(OpsKey, OpsTally)> {
    let last = events.last()?;
    let mut t = OpsTally::default();
    let was = before.and_then(QueueEntry::of).map(|e| e.queue);
    let is = QueueEntry::of(after).map(|e| e.queue);
    if was != is {
        if let Some(q) = was {
            t.queue(q.as_str()).left += 1;
        }
        if let Some(q) = is {
            t.queue(q.as_str()).entered += 1;
        }
    }
    // Where the item waited before this change: the queue its durations are counted in.
    let queue = before.and_then(|b| b.queue);
    let entered = before.and_then(|b| b.enqueued_at);
    let first_claim = before.is_some_and(|b| b.first_claimed_at.is_none());
    for e in events {
        match e.kind {
            EventKind::Claimed => {
                if let Some(q) = queue {
                    let qt = t.queue(q.as_str());
                    qt.claims += 1;
                    if let Some(s) = seconds(entered, e.at).filter(|_| first_claim) {
                        qt.first_claim.observe(s);
                    }
                }
            }
            EventKind::Expired => {
                if let Some(q) = e.queue {
                    t.queue(q.as_str()).expired_leases += 1;
                }
            }
            EventKind::Decided | EventKind::Reversed | EventKind::Escalated => {
                if let (Some(q), Some(s)) = (queue, seconds(entered, e.at)) {
                    // A bulk decision of an already decided item waited in no queue.
                    t.queue(q.as_str()).to_decision.observe(s);
                }
                if let Actor::Key(k) = &e.actor {
                    *t.by_moderator.entry(k.to_string()).or_default() += 1;
                }
                if let Some(a) = e.action {
                    *t.by_action.entry(a.as_str().to_string()).or_default() += 1;
                }
                match e.appeal {
                    Some(AppealResult::Upheld) => t.appeals_upheld += 1,
                    Some(AppealResult::Reversed) => t.appeals_reversed += 1,
                    None => {}
                }
            }
            EventKind::AutoDecided => {
                if let Some(o) = e.outcome {
                    *t.automated.entry(o.as_str().to_string()).or_default() += 1;
                }
            }
            EventKind::Undone => t.undone += 1,
            EventKind::Appealed => t.appeals += 1,
            _ => {}
        }
    }
    if t.is_empty() {
        return None;
    }
    let key = OpsKey {
        hour: hour_of(last.at),
        community: after.community.clone(),
    };
    Some((key, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_bin_bounds() {
        let cases: [(&[u64], f64, Option<u32>); 6] = [
            (&[], 0.5, None),
            (&[0], 0.5, Some(1)),
            (&[3, 7, 40, 50, 4000], 0.5, Some(60)),
            (&[3, 7, 40, 50, 4000], 0.9, Some(7_200)),
            (&[3, 7, 40, 50, 4000], 0.2, Some(5)),
            (&[1_000_000], 0.5, None),
        ];
        for (values, q, expected) in cases {
            let mut h = Histogram::default();
            values.iter().for_each(|v| h.observe(*v));
            assert_eq!(h.quantile(q), expected, "{values:?} q{q}");
        }
    }

    #[test]
    fn merge_adds_everything() {
        let mut a = OpsTally::default();
        a.queue("review").entered = 2;
        a.queue("review").to_decision.observe(10);
        a.by_action.insert("remove".into(), 1);
        let mut b = a.clone();
        b.appeals = 3;
        b.queue("appeals").left = 1;
        a.merge(&b);
        assert_eq!(a.queues["review"].entered, 4);
        assert_eq!(a.queues["review"].to_decision.count(), 2);
        assert_eq!(a.queues["appeals"].left, 1);
        assert_eq!(a.by_action["remove"], 2);
        assert_eq!(a.appeals, 3);
    }

    #[test]
    fn hours_start_on_the_hour() {
        let t = Timestamp::from_millis(5 * HOUR_MS + 1234);
        assert_eq!(hour_of(t), Timestamp::from_millis(5 * HOUR_MS));
        assert_eq!(hour_of(Timestamp::from_millis(-1)).millis(), -HOUR_MS);
    }
}
