//! Queue depth and age over time: snapshots of every community's queues, taken
//! periodically by one node (the sampler, `moderation::operations::sample_queues`) and
//! kept for a bounded time.
//!
//! The hourly tallies (`domain::operations`) count what entered and left a queue, so
//! they give depth over time, but not how long items had waited: an age is a property of
//! the waiting set at an instant. So, as monitoring systems do, Warden samples it. Each
//! [`QueueSample`] is one community's queue at the start of a sampling period: its depth
//! and the p50, p90 and oldest age of its waiting items.
//!
//! A sample's time is the start of its period ([`period_start`]), not the moment it was
//! taken: two nodes sampling the same period write the same rows, which a store
//! replaces rather than adds (with several nodes only one samples at a time anyway,
//! through `Store::exclusively`). A queue that emptied since the previous period gets a
//! zero sample ([`with_emptied`]), so a chart draws the drop instead of a gap.
//! Reports thin long windows out ([`thin`]) to a bounded number of points per series,
//! keeping the highest of each figure, so a peak is never averaged away.
//!
//! Samples are kept in two tiers ([`SampleTier`]). The periodic tier holds every sample
//! (one a minute by default); the hourly tier one row per hour, community and queue:
//! the highest depth, p50, p90 and oldest of that hour's samples. A window longer than
//! [`PERIODIC_WINDOW_MS`] (a day, and an hour's slack) reads the hourly tier ([`tier_for`]): 30 days of a
//! queue is 720 rows instead of 43,200, and since both thinning and the roll-up keep the
//! highest figures, its points are the same as thinning the periodic samples into
//! buckets of whole hours would give.
//!
//! The sampler maintains the hourly tier as it goes ([`roll_up`]): each period, the
//! rows of the period's hour become the highest of what they hold and the new samples.
//! Rolling up only when an hour completes would leave the current hour out of long
//! windows until it ends (or need both tiers read for one window), and recomputing the
//! hour from its periodic samples would read up to an hour of them every period; the
//! running maximum reads one row per community and queue. It is also idempotent: a
//! period merged twice (a sampler that stopped after writing the hour rows and before
//! its samples samples the period again) leaves the rows as the highest of both, which
//! is what an hour's row claims anyway.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::domain::operations::{hour_of, HOUR_MS};
use crate::ids::CommunityId;

/// Points per community and queue a report returns at most (see [`thin`]).
pub const MAX_POINTS: usize = 500;

/// Windows up to this long read the periodic samples, longer ones the hourly tier: at a
/// day, the periodic samples (1,440 per queue at one a minute) are still thinned to
/// about three minutes a point, while two days of hours is 48 points a queue. A day and
/// an hour, so that "the last 24 hours" still reads every sample when its `to` (now, at
/// the server) falls a moment after its `from` plus a day (computed by the client).
pub const PERIODIC_WINDOW_MS: i64 = 25 * HOUR_MS;

/// Where a sample is kept: every sample in the periodic tier, each hour's highest
/// figures in the hourly tier (keyed by the hour's start); see the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleTier {
    Periodic,
    Hourly,
}

/// One community's queue at the start of a sampling period (in the hourly tier: the
/// highest figures of an hour's samples, at the hour's start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueSample {
    /// The start of the sampling period (for a thinned series: of the last period in
    /// the point).
    pub at: Timestamp,
    pub community: CommunityId,
    pub queue: QueueName,
    /// Items waiting (claimable: not leased).
    pub depth: u64,
    /// Ages in seconds of the waiting items (nearest rank; `null` when none waited).
    #[schema(required = true)]
    pub age_p50: Option<u64>,
    #[schema(required = true)]
    pub age_p90: Option<u64>,
    #[schema(required = true)]
    pub oldest: Option<u64>,
}

/// The start of the sampling period of `every_seconds` that `now` falls in.
pub fn period_start(now: Timestamp, every_seconds: u32) -> Timestamp {
    let every = i64::from(every_seconds.max(1)) * 1000;
    Timestamp::from_millis(now.millis().div_euclid(every) * every)
}

/// The samples to store for a period: `current` (the queues with items waiting), and
/// a zero for each queue whose latest sample in `previous` (any number of earlier
/// periods) had items waiting and that has none now. Latest, not "the period just
/// before": a period the sampler missed (a busy or restarting node) must not leave a
/// chart ending on the last non-zero depth.
pub fn with_emptied(
    at: Timestamp,
    mut current: Vec<QueueSample>,
    previous: &[QueueSample],
) -> Vec<QueueSample> {
    let mut latest: BTreeMap<(&CommunityId, QueueName), &QueueSample> = BTreeMap::new();
    for p in previous {
        let slot = latest.entry((&p.community, p.queue)).or_insert(p);
        if p.at > slot.at {
            *slot = p;
        }
    }
    let emptied: Vec<QueueSample> = latest
        .into_values()
        .filter(|p| p.depth > 0)
        .filter(|p| {
            !current
                .iter()
                .any(|c| c.community == p.community && c.queue == p.queue)
        })
        .map(|p| QueueSample {
            at,
            community: p.community.clone(),
            queue: p.queue,
            depth: 0,
            age_p50: None,
            age_p90: None,
            oldest: None,
        })
        .collect();
    current.extend(emptied);
    current
}

/// The samples before which retention drops them: `retention_days` before `now`.
pub fn retained_since(now: Timestamp, retention_days: u32) -> Timestamp {
    Timestamp::from_millis(now.millis() - i64::from(retention_days) * 86_400_000)
}

/// The tier a report over `[from, to)` reads: the periodic samples up to
/// [`PERIODIC_WINDOW_MS`], the hourly tier beyond.
pub fn tier_for(from: Timestamp, to: Timestamp) -> SampleTier {
    if to.millis().saturating_sub(from.millis()) <= PERIODIC_WINDOW_MS {
        SampleTier::Periodic
    } else {
        SampleTier::Hourly
    }
}

/// Raises `into`'s figures to `s`'s where those are higher (`None`, no item waited, is
/// lowest): the highest of each figure, so a peak is never averaged away.
fn absorb(into: &mut QueueSample, s: &QueueSample) {
    into.depth = into.depth.max(s.depth);
    into.age_p50 = into.age_p50.max(s.age_p50);
    into.age_p90 = into.age_p90.max(s.age_p90);
    into.oldest = into.oldest.max(s.oldest);
}

/// The hourly rows to store after a period's `samples`: for each sample, the row of its
/// hour, community and queue (from `stored`, the hourly rows of the samples' hour and
/// the next, or new) raised to the sample's figures (`absorb`).
///
/// A zero sample (the queue emptied, see [`with_emptied`]) also opens the next hour's
/// row at zero: a queue that empties mid-hour gets no further samples, and its hour's
/// row holds the highest depth before it emptied, so without that row a chart of hours
/// would end on the peak instead of drawing the drop. Should the queue fill again in
/// that hour, its samples raise the row as usual.
///
/// Returns only the rows that changed or are new, by time, community and queue.
pub fn roll_up(stored: &[QueueSample], samples: &[QueueSample]) -> Vec<QueueSample> {
    type Key = (Timestamp, CommunityId, QueueName);
    let mut rows: BTreeMap<Key, (QueueSample, bool)> = stored
        .iter()
        .map(|r| ((r.at, r.community.clone(), r.queue), (r.clone(), false)))
        .collect();
    let mut raise = |at: Timestamp, s: &QueueSample| {
        let key = (at, s.community.clone(), s.queue);
        match rows.get_mut(&key) {
            Some((row, changed)) => {
                let before = row.clone();
                absorb(row, s);
                *changed |= *row != before;
            }
            None => {
                let row = QueueSample { at, ..s.clone() };
                rows.insert(key, (row, true));
            }
        }
    };
    for s in samples {
        let hour = hour_of(s.at);
        raise(hour, s);
        if s.depth == 0 {
            raise(Timestamp::from_millis(hour.millis() + HOUR_MS), s);
        }
    }
    rows.into_values()
        .filter_map(|(row, changed)| changed.then_some(row))
        .collect()
}

/// `samples` (by time) of `[from, to)` thinned to at most about [`MAX_POINTS`] (plus one per emptied queue) per
/// community and queue: the window is cut into equal buckets, and each bucket's point
/// holds the highest depth and ages of its samples, at the time of its last one.
pub fn thin(samples: Vec<QueueSample>, from: Timestamp, to: Timestamp) -> Vec<QueueSample> {
    let span = (to.millis() - from.millis()).max(1);
    let width = (span + MAX_POINTS as i64 - 1) / MAX_POINTS as i64;
    // A zero is only stored when a queue empties, so it is never folded into a point
    // with higher samples: a chart must show the drop, not end on the last non-zero depth.
    let mut points: BTreeMap<(CommunityId, QueueName, i64, bool), QueueSample> = BTreeMap::new();
    for s in samples {
        let bucket = (s.at.millis() - from.millis()).div_euclid(width.max(1));
        let key = (s.community.clone(), s.queue, bucket, s.depth == 0);
        match points.get_mut(&key) {
            None => {
                points.insert(key, s);
            }
            Some(p) => {
                p.at = p.at.max(s.at);
                absorb(p, &s);
            }
        }
    }
    let mut out: Vec<QueueSample> = points.into_values().collect();
    out.sort_by(|a, b| (a.at, &a.community, a.queue).cmp(&(b.at, &b.community, b.queue)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: i64, community: &str, queue: QueueName, depth: u64, oldest: u64) -> QueueSample {
        QueueSample {
            at: Timestamp::from_millis(at),
            community: community.parse().unwrap(),
            queue,
            depth,
            age_p50: Some(oldest / 2),
            age_p90: Some(oldest),
            oldest: Some(oldest),
        }
    }

    #[test]
    fn periods_start_on_their_boundary() {
        let t = Timestamp::from_millis(125_500);
        assert_eq!(period_start(t, 60).millis(), 120_000);
        assert_eq!(period_start(t, 0).millis(), 125_000);
        assert_eq!(
            period_start(Timestamp::from_millis(-1), 60).millis(),
            -60_000
        );
    }

    #[test]
    fn an_emptied_queue_gets_a_zero() {
        let previous = [
            sample(0, "a", QueueName::Review, 3, 40),
            sample(0, "b", QueueName::Review, 1, 10),
            sample(0, "b", QueueName::Appeals, 0, 0),
        ];
        let current = vec![sample(60_000, "a", QueueName::Review, 2, 100)];
        let out = with_emptied(Timestamp::from_millis(60_000), current, &previous);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].depth, 2);
        let emptied = &out[1];
        assert_eq!(
            (
                emptied.community.as_str(),
                emptied.queue,
                emptied.depth,
                emptied.oldest
            ),
            ("b", QueueName::Review, 0, None)
        );
    }

    #[test]
    fn a_zero_follows_the_latest_sample_even_across_missed_periods() {
        // Periods 60 s: "a" was last seen waiting three periods ago (the sampler missed
        // two); "b" emptied earlier and already has its zero; "c" had a zero, then items.
        let previous = [
            sample(0, "a", QueueName::Review, 1, 10),
            sample(60_000, "a", QueueName::Review, 4, 70),
            sample(0, "b", QueueName::Review, 2, 10),
            sample(60_000, "b", QueueName::Review, 0, 0),
            sample(0, "c", QueueName::Review, 0, 0),
            sample(120_000, "c", QueueName::Review, 5, 3),
        ];
        let out = with_emptied(Timestamp::from_millis(240_000), Vec::new(), &previous);
        let zeros: Vec<(&str, u64, i64)> = out
            .iter()
            .map(|s| (s.community.as_str(), s.depth, s.at.millis()))
            .collect();
        assert_eq!(zeros, [("a", 0, 240_000), ("c", 0, 240_000)]);
    }

    #[test]
    fn thinning_keeps_the_zero_of_an_emptied_queue() {
        // Two samples in one point of a 500-point window: the drop to zero stays visible.
        let from = Timestamp::from_millis(0);
        let to = Timestamp::from_millis(600_000);
        let out = thin(
            vec![
                sample(200, "a", QueueName::Review, 3, 9),
                sample(600, "a", QueueName::Review, 1, 2),
                sample(1_000, "a", QueueName::Review, 0, 0),
            ],
            from,
            to,
        );
        let depths: Vec<u64> = out.iter().map(|s| s.depth).collect();
        assert_eq!(depths, [3, 0]);
    }

    #[test]
    fn windows_over_a_day_read_the_hourly_tier() {
        let t = |ms: i64| Timestamp::from_millis(ms);
        assert_eq!(tier_for(t(0), t(PERIODIC_WINDOW_MS)), SampleTier::Periodic);
        assert_eq!(tier_for(t(5), t(5)), SampleTier::Periodic);
        assert_eq!(
            tier_for(t(0), t(PERIODIC_WINDOW_MS + 1)),
            SampleTier::Hourly
        );
        assert_eq!(tier_for(t(0), t(30 * 86_400_000)), SampleTier::Hourly);
        // "The last 24 hours", its `from` computed a moment before the request.
        assert_eq!(tier_for(t(0), t(86_400_000 + 5_000)), SampleTier::Periodic);
    }

    #[test]
    fn an_hours_row_holds_the_highest_of_its_samples() {
        const H: i64 = HOUR_MS;
        let mut rows: Vec<QueueSample> = Vec::new();
        // Minute samples of one hour (the third hour since the epoch), the figures rising
        // and falling independently: each row figure is its own highest, and `at` is the
        // hour's start, whichever sample came last.
        let minutes = [
            (0, 3, Some(10), Some(40), Some(50)),
            (1, 7, Some(5), Some(30), Some(60)),
            (2, 2, Some(20), Some(25), Some(45)),
        ];
        for (m, depth, p50, p90, oldest) in minutes {
            let s = QueueSample {
                at: Timestamp::from_millis(2 * H + m * 60_000),
                community: "a".parse().unwrap(),
                queue: QueueName::Review,
                depth,
                age_p50: p50,
                age_p90: p90,
                oldest,
            };
            for changed in roll_up(&rows, &[s]) {
                rows.retain(|r| {
                    (r.at, &r.community, r.queue) != (changed.at, &changed.community, changed.queue)
                });
                rows.push(changed);
            }
        }
        assert_eq!(
            rows,
            vec![QueueSample {
                at: Timestamp::from_millis(2 * H),
                community: "a".parse().unwrap(),
                queue: QueueName::Review,
                depth: 7,
                age_p50: Some(20),
                age_p90: Some(40),
                oldest: Some(60),
            }]
        );
        // A sample below the row on every figure changes nothing: nothing to write.
        let lower = sample(2 * H + 180_000, "a", QueueName::Review, 1, 1);
        assert!(roll_up(&rows, std::slice::from_ref(&lower)).is_empty());
        // Merging a sample twice is merging it once.
        let higher = sample(2 * H + 240_000, "a", QueueName::Review, 9, 70);
        let once = roll_up(&rows, std::slice::from_ref(&higher));
        assert_eq!(roll_up(&once, &[higher]), Vec::new());
        assert_eq!((once[0].depth, once[0].oldest), (9, Some(70)));
        // Other communities, queues and hours get rows of their own.
        let others = roll_up(
            &rows,
            &[
                sample(2 * H + 60_000, "b", QueueName::Review, 4, 8),
                sample(2 * H + 60_000, "a", QueueName::Appeals, 5, 9),
                sample(3 * H, "a", QueueName::Review, 1, 2),
            ],
        );
        let keys: Vec<(i64, &str, QueueName, u64)> = others
            .iter()
            .map(|r| (r.at.millis() / H, r.community.as_str(), r.queue, r.depth))
            .collect();
        assert_eq!(
            keys,
            vec![
                (2, "a", QueueName::Appeals, 5),
                (2, "b", QueueName::Review, 4),
                (3, "a", QueueName::Review, 1),
            ]
        );
    }

    #[test]
    fn a_queue_that_empties_opens_the_next_hour_at_zero() {
        const H: i64 = HOUR_MS;
        let busy = roll_up(&[], &[sample(H + 60_000, "a", QueueName::Review, 5, 100)]);
        let zero = QueueSample {
            depth: 0,
            age_p50: None,
            age_p90: None,
            oldest: None,
            ..sample(H + 30 * 60_000, "a", QueueName::Review, 0, 0)
        };
        let rows = roll_up(&busy, &[zero]);
        // This hour keeps its peak (unchanged: not written again); the next one starts
        // at zero with no ages, so a chart of hours draws the drop.
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].at.millis(), rows[0].depth, rows[0].oldest),
            (2 * H, 0, None)
        );
        // Refilled in that hour: its samples raise the zero row.
        let refilled = roll_up(
            &rows,
            &[sample(2 * H + 60_000, "a", QueueName::Review, 2, 30)],
        );
        assert_eq!(
            (
                refilled[0].at.millis(),
                refilled[0].depth,
                refilled[0].oldest
            ),
            (2 * H, 2, Some(30))
        );
    }

    #[test]
    fn thinning_keeps_each_buckets_highest() {
        // 2,000 one-second samples of one queue over 2,000 s: 500 buckets of 4 (depths
        // 1 to 7: a zero only follows an emptied queue and keeps its own point).
        let samples: Vec<QueueSample> = (0..2_000)
            .map(|i| {
                sample(
                    i * 1000,
                    "a",
                    QueueName::Review,
                    (i % 7 + 1) as u64,
                    i as u64,
                )
            })
            .collect();
        let out = thin(
            samples,
            Timestamp::from_millis(0),
            Timestamp::from_millis(2_000_000),
        );
        assert_eq!(out.len(), MAX_POINTS);
        // The first bucket holds seconds 0..4: depths 1, 2, 3, 4, ages 0..3.
        assert_eq!(
            (out[0].at.millis(), out[0].depth, out[0].oldest),
            (3_000, 4, Some(3))
        );
        // A short window keeps every sample.
        let few = vec![
            sample(0, "a", QueueName::Review, 1, 5),
            sample(0, "b", QueueName::Review, 2, 6),
            sample(60_000, "a", QueueName::Review, 3, 7),
        ];
        let kept = thin(
            few.clone(),
            Timestamp::from_millis(0),
            Timestamp::from_millis(3_600_000),
        );
        assert_eq!(kept, few);
    }
}
