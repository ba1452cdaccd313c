//! Reports and webhooks in the PostgreSQL backend: reporter records and trusted marks,
//! webhook endpoints, the outbox and deliveries (the operations tallies are in
//! `tally.rs`). What item transactions write of these is in `tx.rs` ([`PgTx::commit`]).
//!
//! **Fan-out with several nodes.** Every node's delivery worker reads the outbox after
//! the fan-out cursor and calls [`Store::put_deliveries`] with the last seq it read. That
//! step locks the `fanout_cursor` counter row (`FOR UPDATE`) and only writes the
//! deliveries of seqs past the cursor it finds there: two nodes fanning out the same
//! events take turns, the second finds the cursor moved and writes nothing again, so no
//! delivery is created twice nor reset to pending after another node attempted it, and
//! none is skipped (the cursor and its deliveries commit together).

use tokio_postgres::types::ToSql;

use super::*;
use crate::domain::notice::ReporterRecord;
use crate::domain::webhook::{Delivery, DeliveryStatus, OutboxEvent, Webhook, WebhookId};
use crate::ids::ContentId;
use crate::store::record::WEBHOOK_SECRET;

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn seq_of(row: &tokio_postgres::Row, column: usize) -> Result<u64, Failure> {
    u64::try_from(row.try_get::<_, i64>(column).map_err(internal)?).map_err(internal)
}

/// The session advisory lock of an exclusive worker (arbitrary constants beside the
/// migration lock's).
fn worker_lock(worker: crate::store::Worker) -> i64 {
    match worker {
        crate::store::Worker::WebhookDelivery => 0x7761_7264_656e_0002,
        crate::store::Worker::QueueSampler => 0x7761_7264_656e_0003,
    }
}

impl PgStore {
    /// Runs `job` while holding a session advisory lock on a connection of its own, or
    /// skips it when another node holds it. The lock goes with its session, so a node
    /// that dies mid-pass never blocks the others.
    pub(super) fn run_exclusively(
        &self,
        worker: crate::store::Worker,
        job: &mut dyn FnMut() -> Result<usize, Failure>,
    ) -> Result<Option<usize>, Failure> {
        let lock = worker_lock(worker);
        let client = self.client()?;
        let held: bool = self
            .block(client.query_one("SELECT pg_try_advisory_lock($1)", &[&lock]))
            .and_then(|row| row.try_get(0))
            .map_err(|e| failure(&e))?;
        if !held {
            return Ok(None);
        }
        let result = job();
        if self
            .block(client.query_one("SELECT pg_advisory_unlock($1)", &[&lock]))
            .is_err()
        {
            // Never return a connection that may still hold the lock to the pool: closing
            // it ends the session and so the lock.
            drop(deadpool_postgres::Object::take(client));
        }
        result.map(Some)
    }

    pub(super) fn content_item(
        &self,
        community: &CommunityId,
        content_id: &ContentId,
    ) -> Result<Option<ItemId>, Failure> {
        let rows = self.rows(
            "SELECT id FROM items WHERE community = $1 AND content_id = $2",
            &[&community.as_str(), &content_id.as_str()],
        )?;
        rows.first()
            .map(|r| item_id(r.try_get(0).map_err(internal)?))
            .transpose()
    }

    pub(super) fn reporter_record(
        &self,
        subject: &SubjectId,
    ) -> Result<Option<ReporterRecord>, Failure> {
        self.doc(
            "SELECT doc FROM reporters WHERE subject = $1",
            &[&subject.as_bytes().as_slice()],
        )
    }

    pub(super) fn mark_trusted(
        &self,
        subject: &SubjectId,
        trusted: bool,
        audit: &AuditRecord,
    ) -> Result<(), Failure> {
        self.transact(|tx| {
            // The lock item transactions take before they change the record.
            tx.lock_subject(subject)?;
            let mut record: ReporterRecord = tx
                .doc(
                    "SELECT doc FROM reporters WHERE subject = $1",
                    &[&subject.as_bytes().as_slice()],
                )?
                .unwrap_or_default();
            record.trusted = trusted;
            tx.exec(
                "INSERT INTO reporters (subject, doc) VALUES ($1, $2) \
                 ON CONFLICT (subject) DO UPDATE SET doc = EXCLUDED.doc",
                &[&subject.as_bytes().as_slice(), &encode(&record)?],
            )?;
            tx.audit(audit)
        })
    }

    pub(super) fn list_webhooks(&self) -> Result<Vec<Webhook>, Failure> {
        let mut hooks: Vec<Webhook> = self.docs("SELECT doc FROM webhooks ORDER BY id", &[])?;
        for hook in &mut hooks {
            hook.secret = hook
                .secret
                .clone()
                .open(Some(self.master.log_key()), WEBHOOK_SECRET);
        }
        Ok(hooks)
    }

    pub(super) fn store_webhook(
        &self,
        webhook: &Webhook,
        audit: &AuditRecord,
    ) -> Result<(), Failure> {
        let mut sealed = webhook.clone();
        sealed
            .secret
            .seal(Some(self.master.log_key()), WEBHOOK_SECRET)?;
        let doc = encode(&sealed)?;
        self.transact(|tx| {
            tx.exec(
                "INSERT INTO webhooks (id, doc) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
                &[&webhook.id.as_str(), &doc],
            )?;
            tx.audit(audit)
        })
    }

    pub(super) fn counter(&self, name: &str) -> Result<u64, Failure> {
        match self
            .rows(
                "SELECT value FROM warden_counters WHERE name = $1",
                &[&name],
            )?
            .first()
        {
            Some(row) => seq_of(row, 0),
            None => Ok(0),
        }
    }

    pub(super) fn outbox_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, OutboxEvent)>, Failure> {
        self.rows(
            "SELECT seq, doc FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&to_i64(after)?, &limit_of(limit)],
        )?
        .iter()
        .map(|r| Ok((seq_of(r, 0)?, decode(r.try_get(1).map_err(internal)?)?)))
        .collect()
    }

    pub(super) fn store_deliveries(
        &self,
        deliveries: &[Delivery],
        fanned_out: Option<u64>,
    ) -> Result<(), Failure> {
        let encoded = deliveries
            .iter()
            .map(|d| Ok((d, to_i64(d.seq)?, encode(d)?)))
            .collect::<Result<Vec<_>, Failure>>()?;
        let fanned_out = fanned_out.map(to_i64).transpose()?;
        self.transact(|tx| {
            // See the module docs: a fan-out another node already made is not made again.
            let done = match fanned_out {
                Some(_) => {
                    let rows = tx.rows(
                        "SELECT value FROM warden_counters WHERE name = 'fanout_cursor' \
                         FOR UPDATE",
                        &[],
                    )?;
                    let row = rows
                        .first()
                        .ok_or_else(|| internal("the fanout_cursor counter row is missing"))?;
                    Some(row.try_get::<_, i64>(0).map_err(internal)?)
                }
                None => None,
            };
            for (d, seq, doc) in &encoded {
                if done.is_some_and(|c| *seq <= c) {
                    continue;
                }
                let pending = d.status == DeliveryStatus::Pending;
                let params: [&(dyn ToSql + Sync); 4] = [&d.webhook.as_str(), seq, &pending, doc];
                tx.exec(
                    "INSERT INTO deliveries (webhook, seq, pending, doc) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (webhook, seq) \
                     DO UPDATE SET pending = EXCLUDED.pending, doc = EXCLUDED.doc",
                    &params,
                )?;
            }
            if let (Some(old), Some(new)) = (done, fanned_out) {
                if new > old {
                    // The outbox is a queue: what was fanned out lives on in deliveries.
                    tx.exec(
                        "DELETE FROM outbox WHERE seq > $1 AND seq <= $2",
                        &[&old, &new],
                    )?;
                    tx.exec(
                        "UPDATE warden_counters SET value = $1 WHERE name = 'fanout_cursor'",
                        &[&new],
                    )?;
                }
            }
            Ok(())
        })
    }

    pub(super) fn list_deliveries(
        &self,
        webhook: &WebhookId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Delivery>, Failure> {
        let after = after.map(to_i64).transpose()?.unwrap_or(-1);
        self.docs(
            "SELECT doc FROM deliveries WHERE webhook = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&webhook.as_str(), &after, &limit_of(limit)],
        )
    }

    pub(super) fn list_pending(&self, limit: usize) -> Result<Vec<Delivery>, Failure> {
        // Byte order of the webhook id, as the sled backend's index sorts.
        self.docs(
            "SELECT doc FROM deliveries WHERE pending \
             ORDER BY seq, webhook COLLATE \"C\" LIMIT $1",
            &[&limit_of(limit)],
        )
    }
}

/// `warden migrate-store`'s part for these tables: reporter records, the outbox with its
/// seq and fan-out cursor, webhooks (secrets stay sealed under the copied log key),
/// deliveries and operations tallies, copied as stored.
pub(super) fn copy_from_sled(
    tx: &PgTx<'_>,
    source: &crate::store::SledStore,
    count: &mut impl FnMut(&'static str, u64),
) -> Result<(), Failure> {
    let tree = |name: &str| source.raw_tree(name);
    let be = |bytes: &[u8]| -> Result<i64, Failure> {
        let b: [u8; 8] = bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| internal("malformed sled key"))?;
        to_i64(u64::from_be_bytes(b))
    };
    let mut n = 0;
    for kv in tree("reporters")?.iter() {
        let (k, v) = kv.map_err(internal)?;
        tx.exec(
            "INSERT INTO reporters (subject, doc) VALUES ($1, $2)",
            &[&k.as_ref(), &v.as_ref()],
        )?;
        n += 1;
    }
    count("reporters", n);
    let mut n = 0;
    for kv in tree("outbox")?.iter() {
        let (k, v) = kv.map_err(internal)?;
        tx.exec(
            "INSERT INTO outbox (seq, doc) VALUES ($1, $2)",
            &[&be(&k)?, &v.as_ref()],
        )?;
        n += 1;
    }
    count("outbox", n);
    let meta = tree("meta")?;
    for name in ["outbox_seq", "fanout_cursor"] {
        if let Some(v) = meta.get(name).map_err(internal)? {
            tx.exec(
                "UPDATE warden_counters SET value = $1 WHERE name = $2",
                &[&be(&v)?, &name],
            )?;
        }
    }
    let mut n = 0;
    for kv in tree("webhooks")?.iter() {
        let (_, v) = kv.map_err(internal)?;
        let hook: Webhook = decode(&v)?;
        tx.exec(
            "INSERT INTO webhooks (id, doc) VALUES ($1, $2)",
            &[&hook.id.as_str(), &v.as_ref()],
        )?;
        n += 1;
    }
    count("webhooks", n);
    let mut n = 0;
    for kv in tree("deliveries")?.iter() {
        let (_, v) = kv.map_err(internal)?;
        let d: Delivery = decode(&v)?;
        let pending = d.status == DeliveryStatus::Pending;
        let params: [&(dyn ToSql + Sync); 4] =
            [&d.webhook.as_str(), &to_i64(d.seq)?, &pending, &v.as_ref()];
        tx.exec(
            "INSERT INTO deliveries (webhook, seq, pending, doc) VALUES ($1, $2, $3, $4)",
            &params,
        )?;
        n += 1;
    }
    count("deliveries", n);
    let mut n = 0;
    for kv in tree("operations")?.iter() {
        let (k, v) = kv.map_err(internal)?;
        // sled's time keys are big-endian millis with the sign bit flipped.
        let raw: [u8; 8] = k
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| internal("malformed operations key"))?;
        let hour = (u64::from_be_bytes(raw) ^ (1 << 63)) as i64;
        let community = std::str::from_utf8(k.get(8..).unwrap_or_default()).map_err(internal)?;
        tx.exec(
            "INSERT INTO operations (hour, community, doc) VALUES ($1, $2, $3)",
            &[&hour, &community, &v.as_ref()],
        )?;
        n += 1;
    }
    count("operations", n);
    Ok(())
}
