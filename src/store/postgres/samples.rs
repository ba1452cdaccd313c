//! Queue samples (`domain::queue_samples`) in the `queue_samples` table (migration
//! 0003): written by the sampler outside item transactions, read by time range, dropped
//! by age.

use super::*;
use crate::domain::queue_samples::QueueSample;

impl PgStore {
    /// Stores `samples` in one transaction, replacing those of the same time, community
    /// and queue (a period sampled twice keeps its latest figures).
    pub(super) fn store_queue_samples(&self, samples: &[QueueSample]) -> Result<(), Failure> {
        self.transact(|tx| {
            for s in samples {
                let doc = encode(s)?;
                tx.exec(
                    "INSERT INTO queue_samples (at, community, queue, doc) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (at, community, queue) DO UPDATE SET doc = EXCLUDED.doc",
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
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<QueueSample>, Failure> {
        self.docs(
            "SELECT doc FROM queue_samples WHERE at >= $1 AND at < $2 \
             ORDER BY at, community COLLATE \"C\", queue",
            &[&from.millis(), &to.millis()],
        )
    }

    pub(super) fn drop_queue_samples_before(&self, before: Timestamp) -> Result<usize, Failure> {
        let n = self.transact(|tx| {
            tx.exec(
                "DELETE FROM queue_samples WHERE at < $1",
                &[&before.millis()],
            )
        })?;
        usize::try_from(n).map_err(internal)
    }
}

/// `warden migrate-store`'s part for queue samples: copied as stored.
pub(super) fn copy_from_sled(
    tx: &PgTx<'_>,
    source: &crate::store::SledStore,
    count: &mut impl FnMut(&'static str, u64),
) -> Result<(), Failure> {
    let mut n = 0;
    for kv in source.raw_tree("queue_samples")?.iter() {
        let (_, v) = kv.map_err(internal)?;
        let s: QueueSample = decode(&v)?;
        tx.exec(
            "INSERT INTO queue_samples (at, community, queue, doc) VALUES ($1, $2, $3, $4)",
            &[
                &s.at.millis(),
                &s.community.as_str(),
                &i16::from(s.queue.tag()),
                &v.as_ref(),
            ],
        )?;
        n += 1;
    }
    count("queue_samples", n);
    Ok(())
}
