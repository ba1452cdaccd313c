//! The PostgreSQL backend's item transaction: an item's new state, its events, its index
//! columns and what `domain::consequences` derives from it, written in one database
//! transaction (as `store::sled::tx` does in one sled transaction).
//!
//! Concurrency, under READ COMMITTED:
//! * the item's row is locked (`SELECT … FOR UPDATE`) before its change is computed, so
//!   two nodes changing one item take turns;
//! * an author's removal history and author rules are guarded by a transaction-scoped
//!   advisory lock on the subject, taken before they are read;
//! * active rules are read `FOR UPDATE`, so an expiry and an item change never both end
//!   one rule;
//! * change-log seqs come from one counter row, incremented at the transaction's end
//!   (`rules.rs`, so its lock is held for the final writes and the commit only): its row
//!   lock is held until commit, so the next writer waits and gets the next number only
//!   after this one committed (or, if it rolled back, the same number). Seqs are
//!   therefore gap-free and committed in order: whoever sees seq `n` committed sees every
//!   seq below it.
//!
//! Deadlocks between such locks (a batch locking items in another order) and
//! unique-key races (two nodes creating one `(community, content_id)`) abort a
//! transaction; [`PgStore::transact`] runs it again, which is sound because changes are
//! pure functions of the item.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::rows;
use super::*;
use crate::domain::consequences::{
    consequences, needs, AuthorHeld, Held, RuleEdit, RuleOwner, Transition,
};
use crate::domain::notice::ReporterRecord;
use crate::domain::operations::{OpsKey, OpsTally};
use crate::domain::privacy::Key;
use crate::domain::suppress::{Cause, Current, RemovalHistory, RuleState, Subject, Wanted};
use crate::domain::webhook::OutboxEvent;
use crate::store::record::{
    author_context, author_rule_key, content_rule_key, context, report_context, StoredRule,
};

/// What to do to one rule.
pub(super) enum RuleChange {
    /// Create it, or update it in place (same `rule_id`), as `Wanted` says.
    Set(Wanted, Subject),
    /// End the active rule with this state.
    End(RuleState),
}

/// One transaction, used from the calling thread: each statement is run to completion on
/// the store's runtime before the next.
pub(super) struct PgTx<'a> {
    /// The connection, inside the transaction `PgStore::transact` opened on it (its
    /// `BEGIN` and `COMMIT` travel in the pipeline with the first and last statements).
    pub(super) tx: &'a deadpool_postgres::ClientWrapper,
    pub(super) store: &'a PgStore,
    /// The last change-log seq this transaction assigned.
    pub(super) last_rule: Cell<Option<u64>>,
    /// Set when a statement failed in a way a rerun can fix (deadlock, serialization,
    /// unique-key race).
    pub(super) conflict: Cell<bool>,
    /// What to announce to the other nodes when this commits.
    pub(super) notices: RefCell<Vec<String>>,
    /// What this transaction already read or locked, so a batch or an item's
    /// consequences do not ask again: subject keys (share-locked), subjects whose
    /// advisory lock is held, community policies.
    pub(super) keys: RefCell<HashMap<SubjectId, Option<Key>>>,
    pub(super) locked: RefCell<HashSet<SubjectId>>,
    pub(super) policies: RefCell<HashMap<CommunityId, CommunityPolicy>>,
    /// Active rules this transaction read (locked `FOR UPDATE`) or wrote, by key, `None`
    /// for none: its own changes are the truth for them until it ends.
    pub(super) rules: RefCell<HashMap<Vec<u8>, Option<StoredRule>>>,
    /// Removal histories of subjects whose advisory lock this transaction holds, as read
    /// or last written by it.
    pub(super) removals: RefCell<HashMap<SubjectId, RemovalHistory>>,
    /// Writes whose results nothing waits for, sent together (see [`PgTx::defer`]).
    pub(super) pending: RefCell<Vec<super::rows::Pending>>,
    /// Webhook outbox events and operations tallies, written last (see [`PgTx::commit`]).
    pub(super) outbox: RefCell<Vec<OutboxEvent>>,
    pub(super) ops: RefCell<Vec<(OpsKey, OpsTally)>>,
    /// Rule changes waiting for their change-log seqs, in the order made, and the keys
    /// of rules created here whose ids (made from those seqs) are not known yet
    /// (`rules.rs`).
    pub(super) pending_rules: RefCell<Vec<super::rules::PendingRule>>,
    pub(super) fresh_rules: RefCell<HashSet<Vec<u8>>>,
}

/// Takes the outbox's next `$1` seqs for the events `$2`, in order (see
/// [`PgTx::commit`]).
const NUMBER_OUTBOX: &str = "WITH c AS ( \
       UPDATE warden_counters SET value = value + $1 WHERE name = 'outbox_seq' \
       RETURNING value - $1 AS base) \
     INSERT INTO outbox (seq, doc) SELECT c.base + t.n, t.doc \
       FROM c, unnest($2::bytea[]) WITH ORDINALITY AS t(doc, n)";

/// The change log's notice, naming the last seq this transaction took (its own update
/// of the counter row, which it holds locked).
const NOTIFY_RULES: &str = "SELECT pg_notify('warden', 'rules:' || value) \
     FROM warden_counters WHERE name = 'rule_seq'";

/// A statement parameter owned by a deferred write.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

impl PgTx<'_> {
    pub(super) fn fail(&self, e: tokio_postgres::Error) -> Failure {
        if is_retryable(&e) {
            self.conflict.set(true);
            return Failure::new(crate::Code::Internal, "store: transaction conflict");
        }
        failure(&e)
    }

    /// The JSON document in the first row's first column, if there is a row.
    pub(super) fn doc<T: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<T>, Failure> {
        match self.rows(sql, params)?.first() {
            Some(row) => Ok(Some(decode(row.try_get::<_, &[u8]>(0).map_err(internal)?)?)),
            None => Ok(None),
        }
    }

    /// Ends the transaction: one round trip with its deferred writes, what is written
    /// last (after every item lock the transaction takes), the notices and the `COMMIT`.
    /// Written last, in this order: the operations
    /// tallies, one delta row per (hour, community), appended without a lock
    /// (`tally.rs`); the rule changes, numbered from the `rule_seq` counter row
    /// ([`NUMBER_RULES`](super::rules::NUMBER_RULES)); the outbox events, numbered from
    /// the `outbox_seq` row. Each counter row's lock is held until commit, so, as for the
    /// change log (module docs), seqs are gap-free and committed in order; taking the
    /// seqs in the commit's own round trip, in one order everywhere, leaves the locks
    /// held for the server's work on the last statements only, not for a round trip, and
    /// adds no deadlock. The notices go out with the commit (`pg_notify` is delivered
    /// only if it commits); the change log's names the last seq taken, read there.
    pub(super) fn commit(&self) -> Result<(), Failure> {
        let deltas = super::tally::merged(self.ops.take());
        for (key, delta) in &deltas {
            self.defer_row(
                &rows::OPERATIONS,
                &[],
                vec![
                    Box::new(key.hour.millis()),
                    Box::new(key.community.as_str().to_string()),
                    Box::new(encode(delta)?),
                ],
            );
        }
        self.store.tallied(deltas.len());
        let rules = self.rules_for_commit()?;
        let events = self.outbox.take();
        let n_events = i64::try_from(events.len()).map_err(internal)?;
        let docs = events.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        if let (None, Some(seq)) = (&rules, self.last_rule.get()) {
            // Numbered earlier in the transaction (`settle_rules`).
            self.name_rules_notice(seq);
        }
        let notices = self.notices.borrow().clone();
        let mut reads: Vec<super::pipeline::Read<'_>> = Vec::new();
        if let Some(r) = &rules {
            reads.push((
                super::rules::NUMBER_RULES,
                vec![
                    &r.n as &(dyn ToSql + Sync),
                    &r.docs,
                    &r.keys,
                    &r.items,
                    &r.active,
                    &r.expires,
                    &r.id_from,
                ],
            ));
        }
        if !events.is_empty() {
            reads.push((NUMBER_OUTBOX, vec![&n_events as &(dyn ToSql + Sync), &docs]));
        }
        for notice in &notices {
            if notice == "rules" && rules.is_some() {
                reads.push((NOTIFY_RULES, Vec::new()));
            } else {
                reads.push((
                    "SELECT pg_notify('warden', $1)",
                    vec![notice as &(dyn ToSql + Sync)],
                ));
            }
        }
        reads.push(("COMMIT", Vec::new()));
        let mut results = self.send_reads(reads)?;
        if rules.is_some() {
            let rows = results.next()?;
            let last: i64 = rows
                .first()
                .ok_or_else(|| internal("the rule_seq counter row is missing"))?
                .try_get::<_, Option<i64>>(0)
                .map_err(internal)?
                .ok_or_else(|| internal("the rule_seq counter row is missing"))?;
            let last = u64::try_from(last).map_err(internal)?;
            self.last_rule.set(Some(last));
            self.name_rules_notice(last);
        }
        Ok(())
    }

    /// Names in the change log's notice the last seq this transaction took: that tells
    /// every node how far the log is committed without its reading the counter (seqs
    /// commit in order).
    fn name_rules_notice(&self, seq: u64) {
        for notice in self.notices.borrow_mut().iter_mut() {
            if notice == "rules" {
                *notice = format!("rules:{seq}");
            }
        }
    }

    /// Announces `what` to every node's listener when (and if) this transaction commits.
    pub(super) fn notify(&self, what: String) {
        let mut notices = self.notices.borrow_mut();
        if !notices.contains(&what) {
            notices.push(what);
        }
    }

    /// The item, its row locked until the transaction ends.
    pub(super) fn load(&self, id: &ItemId) -> Result<Option<Item>, Failure> {
        self.doc(
            "SELECT doc FROM items WHERE id = $1 FOR UPDATE",
            &[&id.as_bytes().as_slice()],
        )
    }

    /// A community's retention and suppression settings (defaults until set), read in
    /// the transaction: another node may have just changed them.
    pub(super) fn policy(&self, community: &CommunityId) -> Result<CommunityPolicy, Failure> {
        if let Some(p) = self.policies.borrow().get(community) {
            return Ok(p.clone());
        }
        let policy: CommunityPolicy = self
            .doc(
                "SELECT doc FROM policies WHERE community = $1",
                &[&community.as_str()],
            )?
            .unwrap_or_default();
        self.policies
            .borrow_mut()
            .insert(community.clone(), policy.clone());
        Ok(policy)
    }

    /// Serializes the transactions that read and write one subject's removal history
    /// and author rules, on every node, until this one ends.
    pub(super) fn lock_subject(&self, subject: &SubjectId) -> Result<(), Failure> {
        if !self.locked.borrow_mut().insert(*subject) {
            return Ok(());
        }
        self.rows(
            "SELECT pg_advisory_xact_lock($1)",
            &[&super::pipeline::advisory_word(subject)],
        )?;
        Ok(())
    }

    /// The subject's key, share-locked so an erasure waits for this transaction.
    pub(super) fn subject_key(&self, subject: &SubjectId) -> Result<Option<Key>, Failure> {
        if let Some(Some(key)) = self.keys.borrow().get(subject) {
            return Ok(Some(key.clone()));
        }
        let rows = self.rows(
            "SELECT key FROM subject_keys WHERE subject = $1 FOR SHARE",
            &[&subject.as_bytes().as_slice()],
        )?;
        let key = rows.first().map(key_of).transpose()?;
        self.keys.borrow_mut().insert(*subject, key.clone());
        Ok(key)
    }

    /// The subject's key, created in this transaction if it has none: it commits with
    /// the first data sealed with it, or not at all.
    pub(super) fn key_or_create(&self, subject: &SubjectId) -> Result<Key, Failure> {
        // Known missing when this transaction just read it (`submit.rs`).
        let mut known_missing = matches!(self.keys.borrow().get(subject), Some(None));
        loop {
            if !known_missing {
                if let Some(key) = self.subject_key(subject)? {
                    return Ok(key);
                }
            }
            known_missing = false;
            let fresh = Key::random();
            let made = self.rows(
                "INSERT INTO subject_keys (subject, key) VALUES ($1, $2) \
                 ON CONFLICT (subject) DO NOTHING RETURNING subject",
                &[&subject.as_bytes().as_slice(), &fresh.expose().as_slice()],
            )?;
            if !made.is_empty() {
                self.keys.borrow_mut().insert(*subject, Some(fresh.clone()));
                return Ok(fresh);
            }
            // Another transaction made one meanwhile: read it.
        }
    }

    pub(super) fn active_rule(&self, key: &[u8]) -> Result<Option<StoredRule>, Failure> {
        if let Some(known) = self.rules.borrow().get(key) {
            return Ok(known.clone());
        }
        let rule: Option<StoredRule> = self.doc(
            "SELECT doc FROM rules_active WHERE key = $1 FOR UPDATE",
            &[&key],
        )?;
        self.rules.borrow_mut().insert(key.to_vec(), rule.clone());
        Ok(rule)
    }

    /// Seals whatever personal data `item` holds in plain: with its subject's key, or,
    /// for an erased subject, by dropping it.
    pub(super) fn seal_item(&self, item: &mut Item, key: Option<&Key>) -> Result<(), Failure> {
        item.author_id.seal(key, &author_context(&item.id))?;
        let (id, revision) = (item.id, item.revision);
        if let Some(appeal) = &mut item.appeal {
            appeal
                .statement
                .seal(key, &context("appeal", &id, revision))?;
        }
        // A report's comment is its reporter's personal data, sealed under their key
        // (created in this transaction if needed): erasing the reporter shreds it.
        for report in &mut item.reports {
            let Some(comment) = report.comment.as_mut().filter(|c| c.plain().is_some()) else {
                continue;
            };
            let key = match &report.reporter {
                Some(s) => Some(self.key_or_create(s)?),
                None => None,
            };
            comment.seal(key.as_ref(), &report_context(&id, &report.id))?;
        }
        Ok(())
    }

    /// Writes `after` with its new events, and everything that follows from its new
    /// state as `domain::consequences` derives it.
    pub(super) fn write_item(
        &self,
        before: Option<&Item>,
        after: &mut Item,
        mut events: Vec<Event>,
    ) -> Result<(), Failure> {
        let now = events.last().map_or_else(Timestamp::now, |e| e.at);
        let needs = needs(before, after);
        self.prefetch(after, needs)?;
        let key = match &after.subject {
            Some(s) => {
                // The lock guards the author's removals, which this change may not touch
                // (`Holding` takes it before reading them); the key's row lock is what
                // keeps an erasure out.
                if needs.author {
                    self.lock_subject(s)?;
                }
                self.subject_key(s)?
            }
            None => None,
        };
        self.seal_item(after, key.as_ref())?;
        for event in &mut events {
            after.last_seq += 1;
            event.seq = after.last_seq;
        }
        let derived = {
            let held = Holding {
                tx: self,
                item: after,
                key: key.as_ref(),
            };
            let change = Transition {
                before,
                after,
                events: &events,
            };
            consequences(&change, &held, now)?
        };
        after.text_due_at = derived.text_due_at;

        let id = after.id.as_bytes().to_vec();
        for event in &events {
            self.defer_row(
                &rows::EVENTS,
                &[],
                vec![
                    Box::new(id.clone()),
                    Box::new(to_i64(event.seq)?),
                    Box::new(encode(event)?),
                ],
            );
        }
        for record in &derived.decisions {
            let mut key = record.item_id.as_bytes().to_vec();
            key.extend_from_slice(&record.seq.to_be_bytes());
            self.defer_row(
                &rows::DECISIONS,
                &key,
                vec![
                    Box::new(record.item_id.as_bytes().to_vec()),
                    Box::new(to_i64(record.seq)?),
                    Box::new(record.at.millis()),
                    Box::new(encode(record)?),
                ],
            );
        }
        let entry = QueueEntry::of(after);
        self.defer_row(
            &rows::ITEMS,
            &id,
            vec![
                Box::new(id.clone()),
                Box::new(after.community.as_str().to_string()),
                Box::new(after.content_id.as_str().to_string()),
                Box::new(encode(&*after)?),
                Box::new(entry.as_ref().map(|e| i16::from(e.queue.tag()))),
                Box::new(entry.as_ref().map(|e| rank_to_i64(e.rank))),
                Box::new(after.lease.as_ref().map(|l| l.expires_at.millis())),
                Box::new(after.text_due_at.map(|t| t.millis())),
            ],
        );
        for (subject, history) in &derived.histories {
            self.removals.borrow_mut().insert(*subject, history.clone());
            self.defer_row(
                &rows::REMOVALS,
                subject.as_bytes(),
                vec![
                    Box::new(subject.as_bytes().to_vec()),
                    Box::new(encode(history)?),
                ],
            );
        }
        if let Some(tally) = derived.operations {
            self.ops.borrow_mut().push(tally);
        }
        // Reporters hold data in the item (a report): listed like authors, so erasure and
        // export find it.
        for reporter in after.reports.iter().filter_map(|r| r.reporter) {
            self.defer_row(
                &rows::SUBJECTS,
                &[],
                vec![
                    Box::new(reporter.as_bytes().to_vec()),
                    Box::new(after.id.as_bytes().to_vec()),
                ],
            );
        }
        for (subject, record) in &derived.reporters {
            self.defer_row(
                &rows::REPORTERS,
                subject.as_bytes(),
                vec![
                    Box::new(subject.as_bytes().to_vec()),
                    Box::new(encode(record)?),
                ],
            );
        }
        self.outbox.borrow_mut().extend(derived.outbox);
        for change in derived.rules {
            let key = match change.owner {
                RuleOwner::Content(item) => content_rule_key(&item, change.cause),
                RuleOwner::Author(subject) => author_rule_key(&subject, change.cause),
            };
            let edit = match change.edit {
                RuleEdit::Set(wanted, subject) => RuleChange::Set(wanted, subject),
                RuleEdit::End(state) => RuleChange::End(state),
            };
            self.change_rule(&key, edit, now)?;
        }
        Ok(())
    }

    pub(super) fn write_revision(
        &self,
        id: &ItemId,
        revision: &mut Revision,
        key: Option<&Key>,
    ) -> Result<(), Failure> {
        let n = revision.revision;
        revision.text.seal(key, &context("text", id, n))?;
        if let Some(c) = &mut revision.context {
            c.seal(key, &context("context", id, n))?;
        }
        self.put_revision(id, revision)
    }

    pub(super) fn put_revision(&self, id: &ItemId, revision: &Revision) -> Result<(), Failure> {
        let mut key = id.as_bytes().to_vec();
        key.extend_from_slice(&revision.revision.to_be_bytes());
        self.defer_row(
            &rows::REVISIONS,
            &key,
            vec![
                Box::new(id.as_bytes().to_vec()),
                Box::new(i64::from(revision.revision)),
                Box::new(encode(revision)?),
            ],
        );
        Ok(())
    }

    pub(super) fn revisions(&self, id: &ItemId) -> Result<Vec<Revision>, Failure> {
        self.rows(
            "SELECT doc FROM revisions WHERE item_id = $1 ORDER BY revision",
            &[&id.as_bytes().as_slice()],
        )?
        .iter()
        .map(|r| decode(r.try_get::<_, &[u8]>(0).map_err(internal)?))
        .collect()
    }

    pub(super) fn audit(&self, record: &AuditRecord) -> Result<(), Failure> {
        self.defer(
            "INSERT INTO audit (doc) VALUES ($1)",
            vec![Box::new(encode(record)?)],
        );
        Ok(())
    }
}

pub(super) fn key_of(row: &Row) -> Result<Key, Failure> {
    key_from(row.try_get(0).map_err(internal)?)
}

pub(super) fn key_from(bytes: &[u8]) -> Result<Key, Failure> {
    let bytes: [u8; crate::domain::privacy::crypto::KEY_LEN] = bytes
        .try_into()
        .map_err(|_| internal("malformed subject key"))?;
    Ok(Key::from_bytes(bytes))
}

/// What `consequences` may read, through the item's transaction.
struct Holding<'t, 'a> {
    tx: &'t PgTx<'a>,
    item: &'t Item,
    key: Option<&'t Key>,
}

impl Held for Holding<'_, '_> {
    type Error = Failure;

    fn policy(&self) -> Result<CommunityPolicy, Failure> {
        self.tx.policy(&self.item.community)
    }

    /// Those `prefetch` did not read are read (and locked) together: one round trip.
    fn content_rules(&self, item: &ItemId) -> Result<Vec<(Cause, Current)>, Failure> {
        let keys: Vec<Vec<u8>> = Cause::CONTENT
            .iter()
            .map(|cause| content_rule_key(item, *cause))
            .collect();
        self.tx.lock_rules(&keys)?;
        let mut active = Vec::new();
        for (cause, key) in Cause::CONTENT.into_iter().zip(&keys) {
            if let Some(r) = self.tx.active_rule(key)? {
                active.push((cause, r.current()));
            }
        }
        Ok(active)
    }

    fn author(&self, subject: &SubjectId) -> Result<AuthorHeld, Failure> {
        self.tx.lock_subject(subject)?;
        let known = self.tx.removals.borrow().get(subject).cloned();
        let history: RemovalHistory = match known {
            Some(history) => history,
            None => self
                .tx
                .doc(
                    "SELECT doc FROM removals WHERE subject = $1",
                    &[&subject.as_bytes().as_slice()],
                )?
                .unwrap_or_default(),
        };
        let rule = self
            .tx
            .active_rule(&author_rule_key(subject, Cause::AuthorRemovals))?
            .map(|r| r.current());
        Ok(AuthorHeld { history, rule })
    }

    /// Under the subject's advisory lock (as an author's history), so two items resolving
    /// reports of one reporter at once take turns on the record.
    fn reporter(&self, subject: &SubjectId) -> Result<ReporterRecord, Failure> {
        self.tx.lock_subject(subject)?;
        Ok(self
            .tx
            .doc(
                "SELECT doc FROM reporters WHERE subject = $1",
                &[&subject.as_bytes().as_slice()],
            )?
            .unwrap_or_default())
    }

    fn author_id(&self) -> Result<Option<AuthorId>, Failure> {
        Ok(self
            .item
            .author_id
            .open(self.key, &author_context(&self.item.id))
            .into_plain())
    }
}
