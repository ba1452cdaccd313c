//! Queue samples (`domain::queue_samples`) in the `queue_samples` tree (the periodic
//! tier) and the `queue_samples_hourly` tree (the hourly tier), both keyed by time, then
//! community and queue: written by the sampler outside item transactions, read by time
//! range, dropped by age.

use super::keys::*;
use super::SledStore;
use crate::clock::Timestamp;
use crate::domain::queue_samples::{QueueSample, SampleTier};
use crate::failure::Failure;

/// The tree holding `tier` (a tree each, so that a report over a long window ranges
/// over hours only).
fn tree_name(tier: SampleTier) -> &'static str {
    match tier {
        SampleTier::Periodic => "queue_samples",
        SampleTier::Hourly => "queue_samples_hourly",
    }
}

/// A sample's key: its time, its community, a zero byte (never in a community id), and
/// its queue's tag; so a period's samples sort by community, then queue.
fn sample_key(s: &QueueSample) -> Vec<u8> {
    let mut rest = s.community.as_str().as_bytes().to_vec();
    rest.push(0);
    rest.push(s.queue.tag());
    timed_key(s.at, &rest)
}

impl SledStore {
    pub(super) fn store_queue_samples(
        &self,
        tier: SampleTier,
        samples: &[QueueSample],
    ) -> Result<(), Failure> {
        let tree = self.raw_tree(tree_name(tier))?;
        let mut batch = sled::Batch::default();
        for s in samples {
            batch.insert(sample_key(s), encode(s)?);
        }
        tree.apply_batch(batch).map_err(internal)
    }

    pub(super) fn queue_sample_range(
        &self,
        tier: SampleTier,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<QueueSample>, Failure> {
        let range = time_bytes(from).to_vec()..time_bytes(to).to_vec();
        self.raw_tree(tree_name(tier))?
            .range(range)
            .map(|kv| decode(&kv.map_err(internal)?.1))
            .collect()
    }

    pub(super) fn drop_queue_samples_before(
        &self,
        tier: SampleTier,
        before: Timestamp,
    ) -> Result<usize, Failure> {
        let tree = self.raw_tree(tree_name(tier))?;
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in tree.range(..time_bytes(before).to_vec()) {
            batch.remove(kv.map_err(internal)?.0);
            n += 1;
        }
        tree.apply_batch(batch).map_err(internal)?;
        Ok(n)
    }
}
