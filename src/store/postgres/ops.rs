//! [`Store`] on PostgreSQL: submissions, item changes and claims in transactions
//! (`tx.rs`), reads on pooled connections.

use tokio_postgres::types::ToSql;

use super::tx::RuleChange;
use super::*;
use crate::domain::queue_samples::{QueueSample, SampleTier};
use crate::domain::webhook::{Delivery, OutboxEvent, Webhook, WebhookId};
use crate::store::record::encode;

impl Store for PgStore {
    /// A batch's reads go out together, then its writes (`submit.rs`).
    fn submit(&self, batch: &[Submission]) -> Result<Vec<Submitted>, Failure> {
        self.submit_batch(batch)
    }

    fn item(&self, id: &ItemId) -> Result<Option<Item>, Failure> {
        self.doc(
            "SELECT doc FROM items WHERE id = $1",
            &[&id.as_bytes().as_slice()],
        )
    }

    fn items(&self, ids: &[ItemId]) -> Result<Vec<Item>, Failure> {
        let ids: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes().as_slice()).collect();
        self.docs("SELECT doc FROM items WHERE id = ANY($1)", &[&ids])
    }

    fn open_item(&self, item: &mut Item) -> Result<(), Failure> {
        self.open_item_with(item, &|s| self.key(s))
    }

    fn revision(&self, id: &ItemId, revision: u32) -> Result<Option<Revision>, Failure> {
        let found: Option<Revision> = self.doc(
            "SELECT doc FROM revisions WHERE item_id = $1 AND revision = $2",
            &[&id.as_bytes().as_slice(), &i64::from(revision)],
        )?;
        found.map(|r| self.open_revision(id, r)).transpose()
    }

    fn events(&self, id: &ItemId) -> Result<Vec<Event>, Failure> {
        self.docs(
            "SELECT doc FROM events WHERE item_id = $1 ORDER BY seq",
            &[&id.as_bytes().as_slice()],
        )
    }

    fn update(&self, id: &ItemId, change: &Change<'_>) -> Result<Item, Failure> {
        self.transact(|tx| {
            let Some(before) = tx.load(id)? else {
                return Err(Failure::not_found("item"));
            };
            let mut after = before.clone();
            let evs = change(&mut after)?;
            tx.write_item(Some(&before), &mut after, evs)?;
            Ok(after)
        })
    }

    /// The revision and keys come from the change's transaction (`claim.rs`).
    fn update_opened(
        &self,
        id: &ItemId,
        change: &Change<'_>,
    ) -> Result<(Item, Option<Revision>), Failure> {
        let updated = self.update_rows(id, change)?;
        self.open_claimed(updated)
    }

    /// One transaction for all the changes (`claim.rs`).
    fn update_many_opened(
        &self,
        changes: &[(ItemId, &Change<'_>)],
    ) -> Result<Vec<crate::store::Opened>, Failure> {
        let written = self.update_many_rows(changes)?;
        Ok(written
            .into_iter()
            .map(|w| w.and_then(|claimed| self.open_claimed(claimed)))
            .collect())
    }

    /// Claimers on any node take different items instead of queueing behind one
    /// another (`claim.rs`).
    fn claim(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        limit: usize,
        change: &Change<'_>,
    ) -> Result<Vec<Item>, Failure> {
        let claimed = self.claim_rows(queue, communities, &[(limit, change)])?;
        Ok(claimed.into_iter().flatten().map(|c| c.item).collect())
    }

    /// The revision and keys come back with the claim's statement (`claim.rs`).
    fn claim_opened(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        limit: usize,
        change: &Change<'_>,
    ) -> Result<Vec<(Item, Option<Revision>)>, Failure> {
        let claimed = self.claim_rows(queue, communities, &[(limit, change)])?;
        claimed
            .into_iter()
            .flatten()
            .map(|c| self.open_claimed(c))
            .collect()
    }

    /// One transaction for all of them (`claim.rs`).
    fn claim_many_opened(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        claims: &[(usize, &Change<'_>)],
    ) -> Result<Vec<crate::store::ClaimedOpened>, Failure> {
        let claimed = self.claim_rows(queue, communities, claims)?;
        Ok(claimed
            .into_iter()
            .map(|mine| mine.into_iter().map(|c| self.open_claimed(c)).collect())
            .collect())
    }

    fn queue(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, Failure> {
        let names: Vec<&str> = match communities {
            CommunityFilter::All => Vec::new(),
            CommunityFilter::Only(list) => list.iter().map(|c| c.as_str()).collect(),
        };
        let all = matches!(communities, CommunityFilter::All);
        let (rank, id) = match after {
            Some(c) => (rank_to_i64(c.rank), c.item_id.as_bytes().to_vec()),
            None => (i64::MIN, Vec::new()),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let params: [&(dyn ToSql + Sync); 6] =
            [&i16::from(queue.tag()), &all, &names, &rank, &id, &limit];
        self.rows(
            "SELECT id, community, rank FROM items WHERE queue = $1 \
             AND ($2 OR community = ANY($3)) AND (rank, id) > ($4, $5) \
             ORDER BY rank, id LIMIT $6",
            &params,
        )?
        .iter()
        .map(|row| {
            let community: &str = row.try_get(1).map_err(internal)?;
            Ok(QueueEntry {
                queue,
                community: community
                    .parse()
                    .map_err(|_| internal("malformed community in items"))?,
                item_id: item_id(row.try_get(0).map_err(internal)?)?,
                rank: rank_from_i64(row.try_get(2).map_err(internal)?),
            })
        })
        .collect()
    }

    fn queue_depth(&self, queue: QueueName) -> Result<u64, Failure> {
        let rows = self.rows(
            "SELECT count(*) FROM items WHERE queue = $1",
            &[&i16::from(queue.tag())],
        )?;
        let n: i64 = rows
            .first()
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(internal)?
            .unwrap_or(0);
        Ok(n.max(0) as u64)
    }

    fn leases_due(&self, now: Timestamp, limit: usize) -> Result<Vec<ItemId>, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(
            "SELECT id FROM items WHERE lease_expires <= $1 ORDER BY lease_expires, id LIMIT $2",
            &[&now.millis(), &limit],
        )?
        .iter()
        .map(|r| item_id(r.try_get(0).map_err(internal)?))
        .collect()
    }

    fn item_ids(&self, after: Option<ItemId>, limit: usize) -> Result<Vec<ItemId>, Failure> {
        let after = after.map(|a| a.as_bytes().to_vec()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(
            "SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &limit],
        )?
        .iter()
        .map(|r| item_id(r.try_get(0).map_err(internal)?))
        .collect()
    }

    fn keys(&self) -> Result<Vec<ApiKey>, Failure> {
        self.docs("SELECT doc FROM api_keys ORDER BY id", &[])
    }

    fn put_key(&self, key: &ApiKey, audit: &AuditRecord) -> Result<(), Failure> {
        self.put_config(
            "INSERT INTO api_keys (id, doc) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
            key.id.as_str(),
            encode(key)?,
            audit,
            "keys".to_string(),
        )
    }

    fn policy(&self, community: &CommunityId) -> Result<Option<CommunityPolicy>, Failure> {
        self.doc(
            "SELECT doc FROM policies WHERE community = $1",
            &[&community.as_str()],
        )
    }

    fn put_policy(
        &self,
        community: &CommunityId,
        policy: &CommunityPolicy,
        audit: &AuditRecord,
    ) -> Result<(), Failure> {
        self.put_config(
            "INSERT INTO policies (community, doc) VALUES ($1, $2) \
             ON CONFLICT (community) DO UPDATE SET doc = EXCLUDED.doc",
            community.as_str(),
            encode(policy)?,
            audit,
            format!("community:{community}"),
        )
    }

    fn wordlist(&self, community: &CommunityId) -> Result<Option<CommunityWordlist>, Failure> {
        self.doc(
            "SELECT doc FROM wordlists WHERE community = $1",
            &[&community.as_str()],
        )
    }

    fn put_wordlist(
        &self,
        community: &CommunityId,
        wordlist: &CommunityWordlist,
        audit: &AuditRecord,
    ) -> Result<(), Failure> {
        self.put_config(
            "INSERT INTO wordlists (community, doc) VALUES ($1, $2) \
             ON CONFLICT (community) DO UPDATE SET doc = EXCLUDED.doc",
            community.as_str(),
            encode(wordlist)?,
            audit,
            format!("community:{community}"),
        )
    }

    fn audit_log(&self, after: u64, limit: usize) -> Result<Vec<(u64, AuditRecord)>, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.rows(
            "SELECT seq, doc FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &limit],
        )?
        .iter()
        .map(|r| {
            let seq: i64 = r.try_get(0).map_err(internal)?;
            Ok((
                seq as u64,
                decode(r.try_get::<_, &[u8]>(1).map_err(internal)?)?,
            ))
        })
        .collect()
    }

    fn put_audit(&self, record: &AuditRecord) -> Result<(), Failure> {
        self.transact(|tx| tx.audit(record))
    }

    /// Every commit already waited for its WAL flush (`synchronous_commit = on`).
    fn flush(&self) -> Result<(), Failure> {
        Ok(())
    }

    fn commits_are_durable(&self) -> bool {
        true
    }

    /// The committed counter: every seq up to it is committed (see `tx.rs`).
    fn rule_seq(&self) -> u64 {
        let read = self.rows(
            "SELECT value FROM warden_counters WHERE name = 'rule_seq'",
            &[],
        );
        match read.map(|rows| rows.first().and_then(|r| r.try_get::<_, i64>(0).ok())) {
            Ok(Some(seq)) => {
                let seq = seq.max(0) as u64;
                self.rule_seq.fetch_max(seq, Ordering::SeqCst);
                seq.max(self.rule_seq.load(Ordering::SeqCst))
            }
            // Unavailable: what this node saw last (still committed, never ahead).
            _ => self.rule_seq.load(Ordering::SeqCst),
        }
    }

    /// Every seq this node committed, or read committed, is: no read (module docs of
    /// `tx.rs`); other nodes' entries arrive as notices naming their seq.
    fn rule_seq_here(&self) -> u64 {
        self.rule_seq.load(Ordering::SeqCst)
    }

    fn rule_log(&self, after: u64, limit: usize) -> Result<Vec<Rule>, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.docs(
            "SELECT doc FROM rule_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &limit],
        )?
        .into_iter()
        .map(|s| self.open_rule(s))
        .collect()
    }

    fn active_rules(&self) -> Result<Vec<Rule>, Failure> {
        self.docs("SELECT doc FROM rules_active ORDER BY key", &[])?
            .into_iter()
            .map(|s| self.open_rule(s))
            .collect()
    }

    fn item_rules(&self, id: &ItemId) -> Result<Vec<Rule>, Failure> {
        self.docs(
            "SELECT doc FROM rule_log WHERE item_id = $1 ORDER BY seq",
            &[&id.as_bytes().as_slice()],
        )?
        .into_iter()
        .map(|s| self.open_rule(s))
        .collect()
    }

    fn expire_rules(&self, now: Timestamp, limit: usize) -> Result<usize, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let due = self.rows(
            "SELECT key FROM rules_active WHERE expires_at <= $1 \
             ORDER BY expires_at, key LIMIT $2",
            &[&now.millis(), &limit],
        )?;
        let mut expired = 0;
        for row in due {
            let key: Vec<u8> = row.try_get(0).map_err(internal)?;
            let done = self.transact(|tx| {
                let Some(rule) = tx.active_rule(&key)? else {
                    return Ok(false);
                };
                if rule.expires_at.is_some_and(|t| t <= now) {
                    tx.change_rule(&key, RuleChange::End(RuleState::Expired), now)?;
                    return Ok(true);
                }
                Ok(false)
            })?;
            expired += usize::from(done);
        }
        Ok(expired)
    }

    fn sweep_retention(&self, now: Timestamp, limit: usize) -> Result<usize, Failure> {
        self.sweep_texts(now, limit)
    }

    fn items_of_subject(&self, subject: &SubjectId, limit: usize) -> Result<Vec<ItemId>, Failure> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(
            "SELECT item_id FROM subjects WHERE subject = $1 ORDER BY item_id LIMIT $2",
            &[&subject.as_bytes().as_slice(), &limit],
        )?
        .iter()
        .map(|r| item_id(r.try_get(0).map_err(internal)?))
        .collect()
    }

    fn author_communities(&self, author: &AuthorId) -> Result<Vec<CommunityId>, Failure> {
        let author = self.master.author_ref(author);
        self.rows(
            "SELECT community FROM authors WHERE author = $1 ORDER BY community",
            &[&author.as_slice()],
        )?
        .iter()
        .map(|r| {
            r.try_get::<_, &str>(0)
                .map_err(internal)?
                .parse()
                .map_err(|_| internal("malformed community in authors"))
        })
        .collect()
    }

    fn erase(
        &self,
        community: &CommunityId,
        author: &AuthorId,
        actor: &KeyId,
        now: Timestamp,
    ) -> Result<Receipt, Failure> {
        self.erase_author(community, author, actor, now)
    }

    fn export(
        &self,
        community: &CommunityId,
        author: &AuthorId,
    ) -> Result<Vec<ExportItem>, Failure> {
        self.export_author(community, author)
    }

    fn decisions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<DecisionCursor>,
        limit: usize,
    ) -> Result<Vec<(DecisionCursor, DecisionRecord)>, Failure> {
        let (at, id, seq) = match after {
            Some(c) => (c.at.millis(), c.item_id.as_bytes().to_vec(), to_i64(c.seq)?),
            None => (from.millis(), Vec::new(), -1),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let params: [&(dyn ToSql + Sync); 6] =
            [&from.millis(), &to.millis(), &at, &id, &seq, &limit];
        self.rows(
            "SELECT item_id, seq, at, doc FROM decisions \
             WHERE at >= $1 AND at < $2 AND (at, item_id, seq) > ($3, $4, $5) \
             ORDER BY at, item_id, seq LIMIT $6",
            &params,
        )?
        .iter()
        .map(|r| {
            let cursor = DecisionCursor {
                at: Timestamp::from_millis(r.try_get(2).map_err(internal)?),
                item_id: item_id(r.try_get(0).map_err(internal)?)?,
                seq: r.try_get::<_, i64>(1).map_err(internal)? as u64,
            };
            Ok((cursor, decode(r.try_get::<_, &[u8]>(3).map_err(internal)?)?))
        })
        .collect()
    }

    fn item_decisions(&self, id: &ItemId) -> Result<Vec<DecisionRecord>, Failure> {
        self.docs(
            "SELECT doc FROM decisions WHERE item_id = $1 ORDER BY seq",
            &[&id.as_bytes().as_slice()],
        )
    }

    fn put_score_feedback(&self, feedback: &ScoreFeedback) -> Result<u64, Failure> {
        let community = feedback.community.as_ref().map_or("", |c| c.as_str());
        let rows = self.rows(
            "INSERT INTO score_feedback (community, doc) VALUES ($1, $2) RETURNING id",
            &[&community, &encode(feedback)?],
        )?;
        let id: i64 = rows
            .first()
            .ok_or_else(|| internal("no id returned"))?
            .try_get(0)
            .map_err(internal)?;
        Ok(id as u64)
    }

    fn score_feedback(
        &self,
        community: Option<&CommunityId>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, ScoreFeedback)>, Failure> {
        let community = community.map_or("", |c| c.as_str());
        let after = after.map_or(0, |a| i64::try_from(a).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(
            "SELECT id, doc FROM score_feedback WHERE community = $1 AND id > $2 \
             ORDER BY id LIMIT $3",
            &[&community, &after, &limit],
        )?
        .iter()
        .map(|r| {
            let id: i64 = r.try_get(0).map_err(internal)?;
            Ok((
                id as u64,
                decode(r.try_get::<_, &[u8]>(1).map_err(internal)?)?,
            ))
        })
        .collect()
    }

    fn exclusively(
        &self,
        worker: crate::store::Worker,
        job: &mut dyn FnMut() -> Result<usize, Failure>,
    ) -> Result<Option<usize>, Failure> {
        self.run_exclusively(worker, job)
    }

    fn ping(&self) -> Result<(), Failure> {
        PgStore::ping(self)
    }

    fn subscribe(&self) -> Option<std::sync::mpsc::Receiver<Changed>> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        Some(rx)
    }

    fn item_by_content(
        &self,
        community: &CommunityId,
        content_id: &crate::ids::ContentId,
    ) -> Result<Option<ItemId>, Failure> {
        self.content_item(community, content_id)
    }

    fn put_queue_samples(&self, tier: SampleTier, samples: &[QueueSample]) -> Result<(), Failure> {
        self.store_queue_samples(tier, samples)
    }

    fn queue_samples(
        &self,
        tier: SampleTier,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<QueueSample>, Failure> {
        self.queue_sample_range(tier, from, to)
    }

    fn drop_queue_samples(&self, tier: SampleTier, before: Timestamp) -> Result<usize, Failure> {
        self.drop_queue_samples_before(tier, before)
    }

    fn operations(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<
        Vec<(
            crate::domain::operations::OpsKey,
            crate::domain::operations::OpsTally,
        )>,
        Failure,
    > {
        self.operation_range(from, to)
    }

    fn pseudonym(&self, community: &CommunityId, user: &AuthorId) -> SubjectId {
        self.master.subject(community, user)
    }

    fn reporter(
        &self,
        subject: &SubjectId,
    ) -> Result<Option<crate::domain::notice::ReporterRecord>, Failure> {
        self.reporter_record(subject)
    }

    fn set_trusted(
        &self,
        subject: &SubjectId,
        trusted: bool,
        audit: &AuditRecord,
    ) -> Result<(), Failure> {
        self.mark_trusted(subject, trusted, audit)
    }

    fn webhooks(&self) -> Result<Vec<Webhook>, Failure> {
        self.list_webhooks()
    }

    fn put_webhook(&self, webhook: &Webhook, audit: &AuditRecord) -> Result<(), Failure> {
        self.store_webhook(webhook, audit)
    }

    fn outbox_seq(&self) -> Result<u64, Failure> {
        self.counter("outbox_seq")
    }

    fn outbox(&self, after: u64, limit: usize) -> Result<Vec<(u64, OutboxEvent)>, Failure> {
        self.outbox_after(after, limit)
    }

    fn fanout_cursor(&self) -> Result<u64, Failure> {
        self.counter("fanout_cursor")
    }

    fn put_deliveries(
        &self,
        deliveries: &[Delivery],
        fanned_out: Option<u64>,
    ) -> Result<(), Failure> {
        self.store_deliveries(deliveries, fanned_out)
    }

    fn deliveries(
        &self,
        webhook: &WebhookId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Delivery>, Failure> {
        self.list_deliveries(webhook, after, limit)
    }

    fn pending_deliveries(&self, limit: usize) -> Result<Vec<Delivery>, Failure> {
        self.list_pending(limit)
    }
}
