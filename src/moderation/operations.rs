//! The operations dashboard (`GET /v1/reports/operations`, the console's dashboard, and
//! the `warden_ops_*` metrics): queues now (depth and age per community and queue),
//! and over a window, from the hourly tallies of `domain::operations`: queue depth over
//! time, time to first claim and to decision per queue, decisions per moderator and per
//! action, expired leases, undo and appeal rates, appeals reversed.
//!
//! Queue depth and age over time come from samples ([`sample_queues`], run by one node
//! every `queue.sample_interval_seconds`, kept `queue.sample_retention_days`, with each
//! hour's highest figures kept beside them; see `domain::queue_samples`).
//!
//! Reading a window costs one row per community and hour, whatever the number of events,
//! and, for the samples, one row per community, queue and sampling period up to a 25-hour
//! window, one per community, queue and hour beyond (thinned to at most
//! `queue_samples::MAX_POINTS` points per series); ages now cost one item read per
//! waiting item, up to [`MAX_AGED`] per queue.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::domain::operations::{hour_of, Histogram, OpsTally, QueueTally, HOUR_MS};
use crate::domain::queue::CommunityFilter;
use crate::domain::queue_samples::{self, QueueSample, SampleTier};
use crate::failure::Failure;
use crate::ids::CommunityId;
use crate::store::Store;

/// Waiting items whose age one queue's figures read at most (the oldest first is not
/// the index order, so past this the ages are of a sample: `ages_sampled`).
pub const MAX_AGED: usize = 20_000;

/// Bin-resolution percentiles of a duration (see `domain::operations`), in seconds.
/// `p50` and `p90` are the upper bounds of the bins (1, 5, 10, 30, 60, 120, 300, 600,
/// 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800 s) holding them: `null` when
/// there were none, or past a week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Durations {
    pub count: u64,
    /// At most this many seconds for half of them (the upper bound of the bin).
    #[schema(required = true)]
    pub p50: Option<u32>,
    #[schema(required = true)]
    pub p90: Option<u32>,
    /// Exact mean, from the sum (`null` when there were none).
    #[schema(required = true)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueNow {
    pub community: CommunityId,
    pub queue: QueueName,
    /// Items waiting (claimable: not leased).
    pub depth: u64,
    /// Exact ages in seconds (nearest rank) of the waiting items read (`null` when none
    /// was).
    #[schema(required = true)]
    pub age_p50: Option<u64>,
    #[schema(required = true)]
    pub age_p90: Option<u64>,
    #[schema(required = true)]
    pub oldest: Option<u64>,
    /// More than [`MAX_AGED`] waited: ages are over the first ones in priority order.
    pub ages_sampled: bool,
}

/// A queue's flow over the window, summed over the communities shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepthPoint {
    /// The end of the hour.
    pub at: Timestamp,
    pub queue: String,
    pub depth: i64,
}

/// Decisions over the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = OperationsDecisions)]
pub struct Decisions {
    pub moderator: u64,
    pub automated: u64,
    pub by_moderator: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
    pub automated_by_outcome: BTreeMap<String, u64>,
}

/// Appeals over the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = OperationsAppeals)]
pub struct Appeals {
    pub received: u64,
    pub upheld: u64,
    pub reversed: u64,
    /// Appeals per restrictive decision (label or remove, automatic or not; `null` when
    /// there were none).
    #[schema(required = true)]
    pub rate: Option<f64>,
    /// Reversed per appeal decided (`null` when none was).
    #[schema(required = true)]
    pub reversed_rate: Option<f64>,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperationsReport {
    pub from: Timestamp,
    pub to: Timestamp,
    pub now: Timestamp,
    pub queues_now: Vec<QueueNow>,
    pub queues: Vec<QueueFlow>,
    pub depth_over_time: Vec<DepthPoint>,
    /// Queue depth and age over time: the samples taken in `[from, to)` for each
    /// community and queue, by time; a long window is thinned to at most 500 points per
    /// community and queue, each holding the highest figures of the samples it covers.
    /// A window longer than 25 hours (a day, with slack for a client's clock) reads the
    /// hourly tier instead: one point per hour starting in the window (the highest
    /// figures of its samples, at the hour's start), thinned the same way.
    pub queue_samples: Vec<QueueSample>,
    /// Whether `queue_samples` come from the hourly tier (the window is longer than 25
    /// hours) rather than from every sample.
    pub queue_samples_hourly: bool,
    pub decisions: Decisions,
    pub expired_leases: u64,
    pub undone: u64,
    /// Undone per moderator decision (`null` when there were none).
    #[schema(required = true)]
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
            let mut aged = Vec::new();
            for entry in page {
                *depth.entry(entry.community).or_default() += 1;
                if read < MAX_AGED {
                    read += 1;
                    aged.push(entry.item_id);
                }
            }
            // One read per page, not per item: on PostgreSQL, 20 statements a sample
            // instead of 20,000.
            for item in store.items(&aged)? {
                if let Some(since) = item.enqueued_at {
                    let age = (now.millis() - since.millis()).max(0) as u64 / 1000;
                    ages.entry(item.community).or_default().push(age);
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

/// Samples every community's queues for the period `now` falls in (periods of
/// `every_seconds`), unless that period is sampled already, raises the hourly tier's
/// rows to the new samples (`queue_samples::roll_up`), and drops samples and hourly
/// rows older than `retention_days`; returns the samples written. Blocking; one node at
/// a time is the caller's to arrange (`Store::exclusively`).
pub fn sample_queues(
    store: &dyn Store,
    now: Timestamp,
    every_seconds: u32,
    retention_days: u32,
) -> Result<usize, Failure> {
    let at = queue_samples::period_start(now, every_seconds);
    let next = Timestamp::from_millis(at.millis() + 1);
    if !store
        .queue_samples(SampleTier::Periodic, at, next)?
        .is_empty()
    {
        // Another node sampled this period (or this one, after a restart).
        return Ok(0);
    }
    // An hour back (at least two periods): a queue that emptied while the sampler missed
    // periods still gets its zero (`with_emptied` reads each queue's latest sample).
    let lookback = HOUR_MS.max(2 * i64::from(every_seconds.max(1)) * 1000);
    let previous_at = Timestamp::from_millis(at.millis() - lookback);
    let previous = store.queue_samples(SampleTier::Periodic, previous_at, at)?;
    let current = queues_now(store, None, now)?
        .into_iter()
        .map(|q| QueueSample {
            at,
            community: q.community,
            queue: q.queue,
            depth: q.depth,
            age_p50: q.age_p50,
            age_p90: q.age_p90,
            oldest: q.oldest,
        })
        .collect();
    let samples = queue_samples::with_emptied(at, current, &previous);
    if !samples.is_empty() {
        // The hour's rows first, then the period's samples: the period counts as sampled
        // once its samples are stored, so a pass that stops in between is done again
        // next time, and merging into the hour twice is harmless (a maximum).
        // `roll_up` may open the next hour too (an emptied queue), so both are read.
        let hour = hour_of(at);
        let after_next = Timestamp::from_millis(hour.millis() + 2 * HOUR_MS);
        let stored = store.queue_samples(SampleTier::Hourly, hour, after_next)?;
        let rows = queue_samples::roll_up(&stored, &samples);
        if !rows.is_empty() {
            store.put_queue_samples(SampleTier::Hourly, &rows)?;
        }
        store.put_queue_samples(SampleTier::Periodic, &samples)?;
    }
    // The hourly rows are kept as long as the samples: a window the periodic tier no
    // longer covers shows the same gap in both tiers, whichever a report reads.
    let before = queue_samples::retained_since(now, retention_days);
    store.drop_queue_samples(SampleTier::Periodic, before)?;
    store.drop_queue_samples(SampleTier::Hourly, hour_of(before))?;
    Ok(samples.len())
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
    // A long window reads an hour's row where a short one reads each of its samples:
    // the rows hold the highest figures, as thinning keeps them, so only the points'
    // resolution changes (see `domain::queue_samples`). The rows are those of the hours
    // starting in the window, so every point's time is in it, as the chart expects;
    // the hour the window starts in is left out (under 1/24 of a window over a day).
    let tier = queue_samples::tier_for(from, to);
    let samples = store
        .queue_samples(tier, from, to)?
        .into_iter()
        .filter(|s| shown(&s.community))
        .collect();
    let queue_samples = queue_samples::thin(samples, from, to);
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
        queue_samples,
        queue_samples_hourly: tier == SampleTier::Hourly,
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
