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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::ids::CommunityId;

/// Points per community and queue a report returns at most (see [`thin`]).
pub const MAX_POINTS: usize = 500;

/// One community's queue at the start of a sampling period.
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
/// a zero for each queue sampled in the `previous` period that has none waiting now.
pub fn with_emptied(
    at: Timestamp,
    mut current: Vec<QueueSample>,
    previous: &[QueueSample],
) -> Vec<QueueSample> {
    for p in previous {
        let still = current
            .iter()
            .any(|c| c.community == p.community && c.queue == p.queue);
        if !still && p.depth > 0 {
            current.push(QueueSample {
                at,
                community: p.community.clone(),
                queue: p.queue,
                depth: 0,
                age_p50: None,
                age_p90: None,
                oldest: None,
            });
        }
    }
    current
}

/// The samples before which retention drops them: `retention_days` before `now`.
pub fn retained_since(now: Timestamp, retention_days: u32) -> Timestamp {
    Timestamp::from_millis(now.millis() - i64::from(retention_days) * 86_400_000)
}

/// `samples` (by time) of `[from, to)` thinned to at most about [`MAX_POINTS`] per
/// community and queue: the window is cut into equal buckets, and each bucket's point
/// holds the highest depth and ages of its samples, at the time of its last one.
pub fn thin(samples: Vec<QueueSample>, from: Timestamp, to: Timestamp) -> Vec<QueueSample> {
    let span = (to.millis() - from.millis()).max(1);
    let width = (span + MAX_POINTS as i64 - 1) / MAX_POINTS as i64;
    let mut points: BTreeMap<(CommunityId, QueueName, i64), QueueSample> = BTreeMap::new();
    for s in samples {
        let bucket = (s.at.millis() - from.millis()).div_euclid(width.max(1));
        let key = (s.community.clone(), s.queue, bucket);
        match points.get_mut(&key) {
            None => {
                points.insert(key, s);
            }
            Some(p) => {
                p.at = p.at.max(s.at);
                p.depth = p.depth.max(s.depth);
                p.age_p50 = p.age_p50.max(s.age_p50);
                p.age_p90 = p.age_p90.max(s.age_p90);
                p.oldest = p.oldest.max(s.oldest);
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
    fn thinning_keeps_each_buckets_highest() {
        // 2,000 one-second samples of one queue over 2,000 s: 500 buckets of 4.
        let samples: Vec<QueueSample> = (0..2_000)
            .map(|i| sample(i * 1000, "a", QueueName::Review, (i % 7) as u64, i as u64))
            .collect();
        let out = thin(
            samples,
            Timestamp::from_millis(0),
            Timestamp::from_millis(2_000_000),
        );
        assert_eq!(out.len(), MAX_POINTS);
        // The first bucket holds seconds 0..4: depths 0, 1, 2, 3, ages 0..3.
        assert_eq!(
            (out[0].at.millis(), out[0].depth, out[0].oldest),
            (3_000, 3, Some(3))
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
