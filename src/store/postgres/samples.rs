//! Queue samples (`domain::queue_samples`) in the `queue_samples` table (the periodic
//! tier, migration 0003) and the `queue_samples_hourly` table (the hourly tier,
//! migration 0004): written by the sampler outside item transactions, read by time
//! range, dropped by age.

use super::*;
use crate::domain::queue_samples::{QueueSample, SampleTier};

/// The table holding `tier` (named as the sled tree holding it, which `copy_from_sled`
/// relies on).
fn table(tier: SampleTier) -> &'static str {
    match tier {
        SampleTier::Periodic => "queue_samples",
        SampleTier::Hourly => "queue_samples_hourly",
    }
}

/// The statements per tier, written out because the transaction's `exec` takes only
/// `'static` SQL (it may defer a write into the next round trip, see `pipeline`).
struct TierSql {
    upsert: &'static str,
    insert: &'static str,
    delete_before: &'static str,
}

fn sql(tier: SampleTier) -> TierSql {
    match tier {
        SampleTier::Periodic => TierSql {
            upsert:
                "INSERT INTO queue_samples (at, community, queue, doc) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (at, community, queue) DO UPDATE SET doc = EXCLUDED.doc",
            insert: "INSERT INTO queue_samples (at, community, queue, doc) VALUES ($1, $2, $3, $4)",
            delete_before: "DELETE FROM queue_samples WHERE at < $1",
        },
        SampleTier::Hourly => TierSql {
            upsert: "INSERT INTO queue_samples_hourly (at, community, queue, doc) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (at, community, queue) DO UPDATE SET doc = EXCLUDED.doc",
            insert: "INSERT INTO queue_samples_hourly (at, community, queue, doc) \
                     VALUES ($1, $2, $3, $4)",
            delete_before: "DELETE FROM queue_samples_hourly WHERE at < $1",
        },
    }
}

impl PgStore {
    /// Stores `samples` in one transaction, replacing those of the same time, community
    /// and queue (a period sampled twice keeps its latest figures; an hour's row is
    /// rewritten each period with the highest figures so far).
    pub(super) fn store_queue_samples(
        &self,
        tier: SampleTier,
        samples: &[QueueSample],
    ) -> Result<(), Failure> {
        let upsert = sql(tier).upsert;
        self.transact(|tx| {
            for s in samples {
                let doc = encode(s)?;
                tx.exec(
                    upsert,
                    &[
                        &s.at.millis(),
                        &s.community.as_str(),
                        &i16::from(s.queue.tag()),
                        &doc.as_slice(),
                    ],
                )?;
            }
            Ok(())
        })
    }

    pub(super) fn queue_sample_range(
        &self,
        tier: SampleTier,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<QueueSample>, Failure> {
        self.docs(
            &format!(
                "SELECT doc FROM {} WHERE at >= $1 AND at < $2 \
                 ORDER BY at, community COLLATE \"C\", queue",
                table(tier)
            ),
            &[&from.millis(), &to.millis()],
        )
    }

    pub(super) fn drop_queue_samples_before(
        &self,
        tier: SampleTier,
        before: Timestamp,
    ) -> Result<usize, Failure> {
        let n = self.transact(|tx| tx.exec(sql(tier).delete_before, &[&before.millis()]))?;
        usize::try_from(n).map_err(internal)
    }
}

/// `warden migrate-store`'s part for queue samples, both tiers: copied as stored.
pub(super) fn copy_from_sled(
    tx: &PgTx<'_>,
    source: &crate::store::SledStore,
    count: &mut impl FnMut(&'static str, u64),
) -> Result<(), Failure> {
    for tier in [SampleTier::Periodic, SampleTier::Hourly] {
        let name = table(tier);
        let insert = sql(tier).insert;
        let mut n = 0;
        for kv in source.raw_tree(name)?.iter() {
            let (_, v) = kv.map_err(internal)?;
            let s: QueueSample = decode(&v)?;
            tx.exec(
                insert,
                &[
                    &s.at.millis(),
                    &s.community.as_str(),
                    &i16::from(s.queue.tag()),
                    &v.as_ref(),
                ],
            )?;
            n += 1;
        }
        count(name, n);
    }
    Ok(())
}
