//! The webhook outbox and deliveries in the sled backend. Outbox entries are written by
//! item transactions (`tx.rs`); here they are read, and deliveries are kept: one record
//! per (webhook, outbox seq), a pending index in outbox order, and the fan-out cursor
//! (the last outbox seq turned into deliveries), moved in the same transaction as the
//! deliveries it created so a crash never skips nor doubles a fan-out.

use std::ops::Bound;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::keys::*;
use super::*;
use crate::domain::webhook::{Delivery, DeliveryStatus, OutboxEvent, Webhook, WebhookId};

/// In `meta`: the last outbox seq fanned out to deliveries.
const FANOUT_CURSOR: &[u8] = b"fanout_cursor";

fn delivery_key(webhook: &WebhookId, seq: u64) -> Vec<u8> {
    let mut k = webhook.as_str().as_bytes().to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn pending_key(d: &Delivery) -> Vec<u8> {
    let mut k = d.seq.to_be_bytes().to_vec();
    k.extend_from_slice(d.webhook.as_str().as_bytes());
    k
}

fn meta_u64(tree: &Tree, key: &[u8]) -> std::result::Result<u64, Failure> {
    match tree.get(key).map_err(internal)? {
        Some(v) => read_u64(&v),
        None => Ok(0),
    }
}

impl SledStore {
    pub(super) fn list_webhooks(&self) -> std::result::Result<Vec<Webhook>, Failure> {
        let mut out = Vec::new();
        for kv in self.webhooks.iter() {
            let mut hook: Webhook = decode(&kv.map_err(internal)?.1)?;
            hook.secret = hook.secret.open(Some(self.vault.log_key()), WEBHOOK_SECRET);
            out.push(hook);
        }
        Ok(out)
    }

    pub(super) fn store_webhook(
        &self,
        webhook: &Webhook,
        audit: &AuditRecord,
    ) -> std::result::Result<(), Failure> {
        let mut sealed = webhook.clone();
        sealed
            .secret
            .seal(Some(self.vault.log_key()), WEBHOOK_SECRET)?;
        self.put_config(
            &self.webhooks,
            webhook.id.as_str().as_bytes(),
            &sealed,
            audit,
        )
    }

    pub(super) fn last_outbox_seq(&self) -> std::result::Result<u64, Failure> {
        meta_u64(self.tree(META), OUTBOX_SEQ)
    }

    pub(super) fn outbox_after(
        &self,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<(u64, OutboxEvent)>, Failure> {
        let start = after.saturating_add(1).to_be_bytes();
        self.tree(OUTBOX)
            .range(start..)
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(internal)?;
                Ok((read_u64(&k)?, decode(&v)?))
            })
            .collect()
    }

    pub(super) fn fanned_out(&self) -> std::result::Result<u64, Failure> {
        meta_u64(self.tree(META), FANOUT_CURSOR)
    }

    pub(super) fn store_deliveries(
        &self,
        deliveries: &[Delivery],
        fanned_out: Option<u64>,
    ) -> std::result::Result<(), Failure> {
        let encoded = deliveries
            .iter()
            .map(|d| Ok((d, encode(d)?)))
            .collect::<std::result::Result<Vec<_>, Failure>>()?;
        let trees = (
            &self.deliveries,
            &self.pending,
            self.tree(META),
            self.tree(OUTBOX),
        );
        type Trees = (
            TransactionalTree,
            TransactionalTree,
            TransactionalTree,
            TransactionalTree,
        );
        finish(trees.transaction(|(all, pending, meta, outbox): &Trees| {
            for (d, bytes) in &encoded {
                all.insert(delivery_key(&d.webhook, d.seq), bytes.as_slice())?;
                if d.status == DeliveryStatus::Pending {
                    pending.insert(pending_key(d), &[][..])?;
                } else {
                    pending.remove(pending_key(d))?;
                }
            }
            if let Some(seq) = fanned_out {
                let old = match meta.get(FANOUT_CURSOR)? {
                    Some(v) => read_u64(&v).map_err(ConflictableTransactionError::Abort)?,
                    None => 0,
                };
                // The outbox is a queue: what was fanned out lives on in deliveries.
                for n in old.saturating_add(1)..=seq {
                    outbox.remove(&n.to_be_bytes()[..])?;
                }
                meta.insert(FANOUT_CURSOR, &seq.to_be_bytes()[..])?;
            }
            Ok(())
        }))
    }

    pub(super) fn list_deliveries(
        &self,
        webhook: &WebhookId,
        after: Option<u64>,
        limit: usize,
    ) -> std::result::Result<Vec<Delivery>, Failure> {
        let prefix = webhook.as_str().as_bytes();
        let start = match after {
            Some(seq) => Bound::Excluded(delivery_key(webhook, seq)),
            None => Bound::Included(prefix.to_vec()),
        };
        let mut out = Vec::new();
        for kv in self.deliveries.range((start, Bound::Unbounded)) {
            let (k, v) = kv.map_err(internal)?;
            if out.len() >= limit || !k.starts_with(prefix) {
                break;
            }
            out.push(decode(&v)?);
        }
        Ok(out)
    }

    pub(super) fn list_pending(&self, limit: usize) -> std::result::Result<Vec<Delivery>, Failure> {
        let mut out = Vec::new();
        for kv in self.pending.iter().take(limit) {
            let (k, _) = kv.map_err(internal)?;
            let (seq, hook) = k.split_at(8.min(k.len()));
            let seq = read_u64(seq)?;
            let hook: WebhookId = std::str::from_utf8(hook)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| internal("malformed pending delivery key"))?;
            if let Some(d) = get_json(&self.deliveries, &delivery_key(&hook, seq))? {
                out.push(d);
            }
        }
        Ok(out)
    }
}
