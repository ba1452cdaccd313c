//! The operations dashboard (`GET /v1/reports/operations`, the console's dashboard, and
//! the `warden_ops_*` metrics): queues now (depth and age per community and queue),
//! and over a window, from the hourly tallies of `domain::operations`: queue depth over
//! time, time to first claim and to decision per queue, decisions per moderator and per
//! action, expired leases, undo and appeal rates, appeals reversed.
//!
//! Reading a window costs one row per community and hour, whatever the number of events;
//! ages now cost one item read per waiting item, up to [`MAX_AGED`] per queue.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::domain::operations::{hour_of, Histogram, OpsTally, QueueTally, HOUR_MS};
use crate::domain::queue::CommunityFilter;
use crate::failure::Failure;
use crate::ids::CommunityId;
use crate::store::Store;

/// Waiting items whose age one queue's figures read at most (the oldest first is not
/// the index order, so past this the ages are of a sample: `ages_sampled`).
pub const MAX_AGED: usize = 20_000;

/// Bin-resolution percentiles of a duration (see `domain::operations`), in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Durations {
    pub count: u64,
    /// At most this many seconds for half of them (the upper bound of the bin).
    pub p50: Option<u32>,
    pub p90: Option<u32>,
    /// Exact mean, from the sum.
    pub mean: Option<f64>,
}

impl From<&Histogram> for Durations {
    fn from(h: &Histogram) -> Durations {
        let count = h.count();
        Durations {
            count,
            p50: h.quantile(0.5),
            p90: h.quantile(0.9),
            mean: (count > 0).then(|| h.sum_seconds as f64 / count as f64),
        }
    }
}

/// A queue of a community now.
#[derive(Debug, Clone, Serialize)]
pub struct QueueNow {
    pub community: CommunityId,
    pub queue: QueueName,
    /// Items waiting (claimable: not leased).
    pub depth: u64,
    /// Exact ages in seconds (nearest rank) of the waiting items read.
    pub age_p50: Option<u64>,
    pub age_p90: Option<u64>,
    pub oldest: Option<u64>,
    /// More than [`MAX_AGED`] waited: ages are over the first ones in priority order.
    pub ages_sampled: bool,
}

/// A queue's flow over the window, summed over the communities shown.
#[derive(Debug, Clone, Serialize)]
pub struct QueueFlow {
    pub queue: String,
    pub entered: u64,
    pub left: u64,
    pub claims: u64,
    pub expired_leases: u64,
    pub time_to_first_claim: Durations,
    pub time_to_decision: Durations,
}

/// The depth of a queue at the end of an hour.
#[derive(Debug, Clone, Serialize)]
pub struct DepthPoint {
    /// The end of the hour.
    pub at: Timestamp,
    pub queue: String,
    pub depth: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decisions {
    pub moderator: u64,
    pub automated: u64,
    pub by_moderator: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
    pub automated_by_outcome: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Appeals {
    pub received: u64,
    pub upheld: u64,
    pub reversed: u64,
    /// Appeals per restrictive decision (label or remove, automatic or not).
    pub rate: Option<f64>,
    /// Reversed per appeal decided.
    pub reversed_rate: Option<f64>,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct OperationsReport {
    pub from: Timestamp,
    pub to: Timestamp,
    pub now: Timestamp,
    pub queues_now: Vec<QueueNow>,
    pub queues: Vec<QueueFlow>,
    pub depth_over_time: Vec<DepthPoint>,
    pub decisions: Decisions,
    pub expired_leases: u64,
    pub undone: u64,
    /// Undone per moderator decision.
    pub undo_rate: Option<f64>,
    pub appeals: Appeals,
    /// The window's tallies summed (for `/metrics`).
    #[serde(skip)]
    pub totals: OpsTally,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[u64], q: f64) -> Option<u64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
}

/// The queues now, in `communities` (`None`: all), at `now`. Blocking.
pub fn queues_now(
    store: &dyn Store,
    communities: Option<&[CommunityId]>,
    now: Timestamp,
) -> Result<Vec<QueueNow>, Failure> {
    let filter = match communities {
        None => CommunityFilter::All,
        Some(list) => CommunityFilter::Only(list),
    };
    let mut out = Vec::new();
    for queue in QueueName::ALL {
        let mut depth: BTreeMap<CommunityId, u64> = BTreeMap::new();
        let mut ages: BTreeMap<CommunityId, Vec<u64>> = BTreeMap::new();
        let mut read = 0;
        let mut cursor = None;
        loop {
            let page = store.queue(queue, &filter, cursor, 1000)?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.cursor());
            for entry in page {
                *depth.entry(entry.community.clone()).or_default() += 1;
                if read >= MAX_AGED {
                    continue;
                }
                read += 1;
                if let Some(since) = store.item(&entry.item_id)?.and_then(|i| i.enqueued_at) {
                    let age = (now.millis() - since.millis()).max(0) as u64 / 1000;
                    ages.entry(entry.community).or_default().push(age);
                }
            }
        }
        for (community, depth) in depth {
            let mut a = ages.remove(&community).unwrap_or_default();
            a.sort_unstable();
            out.push(QueueNow {
                queue,
                depth,
                age_p50: nearest_rank(&a, 0.5),
                age_p90: nearest_rank(&a, 0.9),
                oldest: a.last().copied(),
                ages_sampled: (a.len() as u64) < depth,
                community,
            });
        }
    }
    Ok(out)
}

/// The dashboard for `communities` (`None`: all) over the hours starting in
/// `[from, to)`, at `now`. Blocking.
pub fn report(
    store: &dyn Store,
    communities: Option<&[CommunityId]>,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<OperationsReport, Failure> {
    let shown = |c: &CommunityId| communities.is_none_or(|l| l.contains(c));
    let queues_now = queues_now(store, communities, now)?;
    let start = hour_of(from);
    // Through the current hour: depth over time is worked back from the depth now.
    let end = Timestamp::from_millis(hour_of(now.max(to)).millis() + HOUR_MS);
    let mut totals = OpsTally::default();
    let mut hourly: BTreeMap<Timestamp, OpsTally> = BTreeMap::new();
    for (key, tally) in store.operations(start, end)? {
        if !shown(&key.community) {
            continue;
        }
        if key.hour < to {
            totals.merge(&tally);
        }
        hourly.entry(key.hour).or_default().merge(&tally);
    }
    let mut depth_over_time = Vec::new();
    for queue in QueueName::ALL {
        let name = queue.as_str();
        let mut depth: i64 = queues_now
            .iter()
            .filter(|q| q.queue == queue)
            .map(|q| q.depth as i64)
            .sum();
        // From the current hour back: the depth at the end of an hour is the depth at
        // the end of the next one less what the next one added.
        let mut hour = hour_of(now);
        let mut points = Vec::new();
        while hour >= start {
            let added = |t: Option<&OpsTally>| {
                t.and_then(|t| t.queues.get(name))
                    .map_or(0, |q: &QueueTally| q.entered as i64 - q.left as i64)
            };
            let at = Timestamp::from_millis(hour.millis() + HOUR_MS);
            if hour < to {
                points.push(DepthPoint {
                    at,
                    queue: name.to_string(),
                    depth,
                });
            }
            depth -= added(hourly.get(&hour));
            hour = Timestamp::from_millis(hour.millis() - HOUR_MS);
        }
        points.reverse();
        depth_over_time.extend(points);
    }
    let queues = QueueName::ALL
        .iter()
        .map(|q| {
            let t = totals.queues.get(q.as_str()).cloned().unwrap_or_default();
            QueueFlow {
                queue: q.as_str().to_string(),
                entered: t.entered,
                left: t.left,
                claims: t.claims,
                expired_leases: t.expired_leases,
                time_to_first_claim: Durations::from(&t.first_claim),
                time_to_decision: Durations::from(&t.to_decision),
            }
        })
        .collect();
    let moderator: u64 = totals.by_action.values().sum();
    let automated: u64 = totals.automated.values().sum();
    let count = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    let restrictive = count(&totals.automated, "label")
        + count(&totals.automated, "remove")
        + count(&totals.by_action, "label")
        + count(&totals.by_action, "remove");
    let expired_leases = totals.queues.values().map(|q| q.expired_leases).sum();
    Ok(OperationsReport {
        from,
        to,
        now,
        queues_now,
        queues,
        depth_over_time,
        decisions: Decisions {
            moderator,
            automated,
            by_moderator: totals.by_moderator.clone(),
            by_action: totals.by_action.clone(),
            automated_by_outcome: totals.automated.clone(),
        },
        expired_leases,
        undone: totals.undone,
        undo_rate: ratio(totals.undone, moderator),
        appeals: Appeals {
            received: totals.appeals,
            upheld: totals.appeals_upheld,
            reversed: totals.appeals_reversed,
            rate: ratio(totals.appeals, restrictive),
            reversed_rate: ratio(
                totals.appeals_reversed,
                totals.appeals_upheld + totals.appeals_reversed,
            ),
        },
        totals,
    })
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn nearest_rank_percentiles() {
        let cases: [(&[u64], f64, Option<u64>); 5] = [
            (&[], 0.5, None),
            (&[7], 0.9, Some(7)),
            (&[1, 2, 3, 4], 0.5, Some(2)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, Some(9)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.91, Some(10)),
        ];
        for (v, q, expected) in cases {
            assert_eq!(nearest_rank(v, q), expected, "{v:?} {q}");
        }
    }
}
