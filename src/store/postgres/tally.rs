//! The operations dashboard's tallies on PostgreSQL: append-only deltas, summed on read
//! and folded now and then.
//!
//! Every item change adds to the tally of its (hour, community) (`domain::operations`).
//! Stored as one row per key, that was an upsert locking and returning the row, then
//! its update: two statements and two row versions per transaction, on one row every
//! writer of that hour and community queued behind until it committed. So each
//! transaction appends what it adds as a row of its own (`rows::OPERATIONS`, with its
//! other writes: no read, no lock), and a read sums a key's rows.
//!
//! So that reads stay short, a node folds the rows of each key into one after every
//! [`FOLD_EVERY`] deltas it appended: in one transaction, `DELETE … RETURNING` the rows
//! of the keys that have several, then insert their sums. Whatever commits meanwhile, a
//! key's total stays what it was: a row committed after the `DELETE`'s snapshot is
//! neither deleted nor summed, and stays beside the sum. A fold takes a transaction-level
//! advisory lock if it is free and gives up otherwise: two folds at once would be correct
//! (the second's `DELETE` skips rows the first deleted) but wasted work.

use std::sync::atomic::Ordering;

use deadpool_postgres::Pool;
use tokio_postgres::Row;

use super::*;
use crate::domain::operations::{hour_of, OpsKey, OpsTally, HOUR_MS};

/// Deltas a node appends between two folds.
pub(super) const FOLD_EVERY: u64 = 1_000;

/// Hours back a fold looks, the one the node makes first after it starts excepted (that
/// one looks at every hour): a change adds to the hour it happens in, so the hours
/// before were folded while they were recent. A late row of an older hour is still
/// summed on read.
const FOLD_HOURS: i64 = 2;

/// Keeps two folds from running at once (an arbitrary constant, beside the migration
/// lock's).
const FOLD_LOCK: i64 = 0x7761_7264_656e_0002;

/// The rows of every key that has several, from hour `$1` on, deleted and returned.
const TAKE: &str = "DELETE FROM operations o USING ( \
       SELECT hour, community FROM operations WHERE hour >= $1 \
       GROUP BY hour, community HAVING count(*) > 1) k \
     WHERE o.hour = k.hour AND o.community = k.community \
     RETURNING o.hour, o.community, o.doc";

const PUT: &str = "INSERT INTO operations (hour, community, doc) \
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])";

/// One tally per key, summed, in key order.
pub(super) fn merged(mut deltas: Vec<(OpsKey, OpsTally)>) -> Vec<(OpsKey, OpsTally)> {
    deltas.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(OpsKey, OpsTally)> = Vec::with_capacity(deltas.len());
    for (key, delta) in deltas {
        match merged.last_mut() {
            Some((k, sum)) if *k == key => sum.merge(&delta),
            _ => merged.push((key, delta)),
        }
    }
    merged
}

/// A row of `operations` (hour, community, doc).
fn delta(row: &Row) -> Result<(OpsKey, OpsTally), Failure> {
    let community = row
        .try_get::<_, &str>(1)
        .map_err(internal)?
        .parse::<CommunityId>()
        .map_err(|_| internal("malformed community in operations"))?;
    let key = OpsKey {
        hour: Timestamp::from_millis(row.try_get(0).map_err(internal)?),
        community,
    };
    Ok((key, decode(row.try_get(2).map_err(internal)?)?))
}

impl PgStore {
    /// [`Store::operations`]: each key's rows summed.
    pub(super) fn operation_range(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(OpsKey, OpsTally)>, Failure> {
        let rows = self.rows(
            "SELECT hour, community, doc FROM operations WHERE hour >= $1 AND hour < $2",
            &[&from.millis(), &to.millis()],
        )?;
        // In key order as `OpsKey` sorts it (the hour, then the community's bytes).
        Ok(merged(rows.iter().map(delta).collect::<Result<_, _>>()?))
    }

    /// Counts the deltas a transaction appends; every [`FOLD_EVERY`] of them, folds in
    /// the background (off the caller's thread, on a pooled connection of its own).
    pub(super) fn tallied(&self, n: usize) {
        let n = n as u64;
        let before = self.tallies.fetch_add(n, Ordering::Relaxed);
        if n == 0 || before / FOLD_EVERY == (before + n) / FOLD_EVERY {
            return;
        }
        let since = match self.folded.swap(true, Ordering::Relaxed) {
            true => hour_of(Timestamp::now()).millis() - FOLD_HOURS * HOUR_MS,
            false => i64::MIN,
        };
        let pool = self.pool.clone();
        self.runtime().spawn(async move {
            if let Err(e) = fold(&pool, since).await {
                tracing::warn!(error = %e, "folding the operations tallies failed");
            }
        });
    }

    /// Folds every hour's deltas now (see the module docs); returns how many rows fewer
    /// the table holds (0 when another fold was running).
    pub fn fold_operations(&self) -> Result<usize, Failure> {
        self.block(fold(&self.pool, i64::MIN))
    }
}

async fn fold(pool: &Pool, since: i64) -> Result<usize, Failure> {
    let mut client = pool
        .get()
        .await
        .map_err(|e| internal(format_args!("PostgreSQL unavailable: {e}")))?;
    let tx = client.transaction().await.map_err(|e| failure(&e))?;
    let free: bool = tx
        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&FOLD_LOCK])
        .await
        .map_err(|e| failure(&e))?
        .try_get(0)
        .map_err(internal)?;
    if !free {
        // Dropping the transaction rolls it back.
        return Ok(0);
    }
    let taken = tx.query(TAKE, &[&since]).await.map_err(|e| failure(&e))?;
    let sums = merged(taken.iter().map(delta).collect::<Result<_, _>>()?);
    let mut hours = Vec::with_capacity(sums.len());
    let mut communities = Vec::with_capacity(sums.len());
    let mut docs = Vec::with_capacity(sums.len());
    for (key, sum) in &sums {
        hours.push(key.hour.millis());
        communities.push(key.community.as_str());
        docs.push(encode(sum)?);
    }
    if !sums.is_empty() {
        tx.execute(PUT, &[&hours, &communities, &docs])
            .await
            .map_err(|e| failure(&e))?;
    }
    tx.commit().await.map_err(|e| failure(&e))?;
    Ok(taken.len() - sums.len())
}
