//! The sled backend's item transaction: one sled transaction over every tree, in which
//! an item's new state, its events, its index entries and what `domain::consequences`
//! derives from it are written together.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};

use super::keys::*;
use super::*;
use crate::domain::consequences::{
    consequences, AuthorHeld, Held, RuleEdit, RuleOwner, Transition,
};
use crate::domain::notice::ReporterRecord;
use crate::domain::privacy::Key;
use crate::domain::privacy::Personal;
use crate::domain::suppress::{Cause, Current, RemovalHistory, RuleId, RuleState, Subject, Wanted};
pub(super) use crate::store::record::StoredRule;

/// What to do to one rule.
pub(super) enum RuleChange {
    /// Create it, or update it in place (same `rule_id`), as `Wanted` says, about
    /// `Subject`.
    Set(Wanted, Subject),
    /// End the active rule with this state.
    End(RuleState),
}

/// One transaction over every tree.
pub(super) struct Tx<'a> {
    pub(super) t: &'a [TransactionalTree],
    pub(super) store: &'a SledStore,
    /// The last change-log seq this transaction assigned.
    pub(super) last_rule: std::cell::Cell<Option<u64>>,
}

impl Tx<'_> {
    pub(super) fn tree(&self, i: usize) -> &TransactionalTree {
        &self.t[i]
    }

    pub(super) fn get<T: DeserializeOwned>(
        &self,
        tree: usize,
        key: &[u8],
    ) -> ConflictableTransactionResult<Option<T>, Failure> {
        match self.tree(tree).get(key)? {
            None => Ok(None),
            Some(bytes) => decode(&bytes).map(Some).or_abort(),
        }
    }

    /// Moves an item's valueless index entry in `tree` (its retention date, its lease
    /// expiry) from `old` to `new`; `None` is no entry.
    fn move_marker(
        &self,
        tree: usize,
        old: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> ConflictableTransactionResult<(), Failure> {
        if old != new {
            if let Some(old) = old {
                self.tree(tree).remove(old)?;
            }
            if let Some(new) = new {
                self.tree(tree).insert(new, &[][..])?;
            }
        }
        Ok(())
    }

    pub(super) fn put<T: Serialize>(
        &self,
        tree: usize,
        key: &[u8],
        value: &T,
    ) -> ConflictableTransactionResult<(), Failure> {
        let bytes = encode(value).or_abort()?;
        self.tree(tree).insert(key, bytes)?;
        Ok(())
    }

    pub(super) fn load(&self, id: &ItemId) -> ConflictableTransactionResult<Option<Item>, Failure> {
        self.get(ITEMS, id.as_bytes())
    }

    /// A community's retention and suppression settings (defaults until set). Read
    /// through the transaction: a plain sled read inside one would deadlock.
    pub(super) fn policy(
        &self,
        community: &CommunityId,
    ) -> ConflictableTransactionResult<Arc<CommunityPolicy>, Failure> {
        if let Some(p) = self.store.cached_policy(community) {
            return Ok(p);
        }
        let policy: CommunityPolicy = self
            .get(POLICIES, community.as_str().as_bytes())?
            .unwrap_or_default();
        let policy = Arc::new(policy);
        let mut cache = self
            .store
            .policies
            .write()
            .unwrap_or_else(|e| e.into_inner());
        Ok(cache.entry(community.clone()).or_insert(policy).clone())
    }

    /// The next webhook outbox seq. Transactions run one at a time, so outbox order is
    /// commit order, and an item's events keep theirs.
    pub(super) fn next_outbox_seq(&self) -> ConflictableTransactionResult<u64, Failure> {
        let last = match self.tree(META).get(OUTBOX_SEQ)? {
            Some(v) => read_u64(&v).or_abort()?,
            None => 0,
        };
        self.tree(META)
            .insert(OUTBOX_SEQ, &(last + 1).to_be_bytes()[..])?;
        Ok(last + 1)
    }

    pub(super) fn next_rule_seq(&self) -> ConflictableTransactionResult<u64, Failure> {
        let last = match self.last_rule.get() {
            Some(seq) => seq,
            None => match self.tree(META).get(RULE_SEQ)? {
                Some(v) => read_u64(&v).or_abort()?,
                None => 0,
            },
        };
        let seq = last + 1;
        self.tree(META).insert(RULE_SEQ, &seq.to_be_bytes()[..])?;
        self.last_rule.set(Some(seq));
        Ok(seq)
    }

    pub(super) fn active_rule(
        &self,
        key: &[u8],
    ) -> ConflictableTransactionResult<Option<StoredRule>, Failure> {
        self.get(RULES_ACTIVE, key)
    }

    /// Lists a change-log entry under the item its reason names.
    pub(super) fn index_by_item(
        &self,
        stored: &StoredRule,
    ) -> ConflictableTransactionResult<(), Failure> {
        if let Some(item) = &stored.reason.item_id {
            let key = child_key(item, &stored.seq.to_be_bytes());
            self.tree(RULES_BY_ITEM).insert(key, &[][..])?;
        }
        Ok(())
    }

    /// Applies one rule change: a change-log entry, the active index, the expiry index.
    pub(super) fn change_rule(
        &self,
        key: &[u8],
        change: RuleChange,
        now: Timestamp,
    ) -> ConflictableTransactionResult<(), Failure> {
        let current = self.active_rule(key)?;
        let expiry_key = |r: &StoredRule| r.expires_at.map(|t| timed_key(t, key));
        if let Some(old) = current.as_ref().and_then(expiry_key) {
            self.tree(RULE_EXPIRY).remove(old)?;
        }
        match change {
            RuleChange::Set(wanted, subject) => {
                let seq = self.next_rule_seq()?;
                let (rule_id, created_at) = match &current {
                    Some(c) => (c.rule_id.clone(), c.created_at),
                    None => (RuleId::created_at_seq(seq), now),
                };
                let mut id = Personal::Plain(subject.id);
                id.seal(Some(self.store.vault.log_key()), RULE_SUBJECT)
                    .or_abort()?;
                let stored = StoredRule {
                    seq,
                    rule_id,
                    kind: subject.kind,
                    community: subject.community,
                    id,
                    scopes: wanted.scopes,
                    reason: wanted.reason,
                    created_at,
                    expires_at: wanted.expires_at,
                    state: RuleState::Active,
                    changed_at: now,
                };
                self.put(RULE_LOG, &seq.to_be_bytes(), &stored)?;
                self.index_by_item(&stored)?;
                self.put(RULES_ACTIVE, key, &stored)?;
                if let Some(k) = expiry_key(&stored) {
                    self.tree(RULE_EXPIRY).insert(k, &[][..])?;
                }
            }
            RuleChange::End(state) => {
                let Some(mut stored) = current else {
                    return Ok(());
                };
                stored.seq = self.next_rule_seq()?;
                stored.state = state;
                stored.changed_at = now;
                self.put(RULE_LOG, &stored.seq.to_be_bytes(), &stored)?;
                self.index_by_item(&stored)?;
                self.tree(RULES_ACTIVE).remove(key)?;
            }
        }
        Ok(())
    }

    /// Seals whatever personal data `item` holds in plain: with its subject's key, or,
    /// for an erased subject, by dropping it.
    pub(super) fn seal_item(
        &self,
        item: &mut Item,
        key: Option<&Key>,
    ) -> ConflictableTransactionResult<(), Failure> {
        item.author_id
            .seal(key, &author_context(&item.id))
            .or_abort()?;
        let (id, revision) = (item.id, item.revision);
        if let Some(appeal) = &mut item.appeal {
            appeal
                .statement
                .seal(key, &context("appeal", &id, revision))
                .or_abort()?;
        }
        // A report's comment is its reporter's personal data, sealed under their key
        // (created, durably, before this commits): erasing the reporter shreds it.
        for report in &mut item.reports {
            let Some(comment) = report.comment.as_mut().filter(|c| c.plain().is_some()) else {
                continue;
            };
            let key = match &report.reporter {
                Some(s) => Some(self.store.vault.key_or_create(s).or_abort()?),
                None => None,
            };
            comment
                .seal(key.as_deref(), &report_context(&id, &report.id))
                .or_abort()?;
        }
        Ok(())
    }

    pub(super) fn subject_key(
        &self,
        subject: Option<&SubjectId>,
    ) -> ConflictableTransactionResult<Option<Arc<Key>>, Failure> {
        match subject {
            Some(s) => self.store.vault.key(s).or_abort(),
            None => Ok(None),
        }
    }

    /// Writes `after` with its new events, and everything that follows from its new
    /// state as `domain::consequences` derives it: index entries, retention, suppression
    /// rules, removal histories, transparency records.
    pub(super) fn write_item(
        &self,
        before: Option<&Item>,
        after: &mut Item,
        mut events: Vec<Event>,
    ) -> ConflictableTransactionResult<(), Failure> {
        let now = events.last().map_or_else(Timestamp::now, |e| e.at);
        let key = self.subject_key(after.subject.as_ref())?;
        self.seal_item(after, key.as_deref())?;
        for event in &mut events {
            after.last_seq += 1;
            event.seq = after.last_seq;
        }
        let derived = {
            let held = Holding {
                tx: self,
                item: after,
                key: key.as_deref(),
            };
            let change = Transition {
                before,
                after,
                events: &events,
            };
            consequences(&change, &held, now).map_err(|e| e.0)?
        };
        after.text_due_at = derived.text_due_at;

        for event in &events {
            self.put(
                EVENTS,
                &child_key(&after.id, &event.seq.to_be_bytes()),
                event,
            )?;
        }
        for record in &derived.decisions {
            let at_key = child_key(&record.item_id, &record.seq.to_be_bytes());
            self.put(DECISIONS, &timed_key(record.at, &at_key), record)?;
            self.put(DECISIONS_BY_ITEM, &at_key, record)?;
        }
        if let Some((key, delta)) = &derived.operations {
            let key = super::reads::ops_key(key);
            let mut stored: OpsTally = self.get(OPERATIONS, &key)?.unwrap_or_default();
            stored.merge(delta);
            self.put(OPERATIONS, &key, &stored)?;
        }
        self.move_marker(
            RETENTION,
            before.and_then(retention_key),
            retention_key(after),
        )?;

        self.put(ITEMS, &after.id.as_bytes()[..], &*after)?;

        let old = before.and_then(QueueEntry::of);
        let new = QueueEntry::of(after);
        if old != new {
            if let Some(old) = &old {
                self.tree(QUEUE).remove(global_key(old))?;
                self.tree(QUEUE_BY_COMMUNITY).remove(community_key(old))?;
            }
            if let Some(new) = &new {
                self.tree(QUEUE)
                    .insert(global_key(new), new.community.as_str().as_bytes())?;
                self.tree(QUEUE_BY_COMMUNITY)
                    .insert(community_key(new), &[][..])?;
            }
        }
        self.move_marker(LEASES, before.and_then(lease_key), lease_key(after))?;

        for (subject, history) in &derived.histories {
            self.put(REMOVALS, subject.as_bytes(), history)?;
        }
        // Reporters hold data in the item (a report): listed like authors, so erasure and
        // export find it, and their keys are not taken for orphans.
        for reporter in after.reports.iter().filter_map(|r| r.reporter) {
            let mut skey = reporter.as_bytes().to_vec();
            skey.extend_from_slice(after.id.as_bytes());
            self.tree(SUBJECTS).insert(skey, &[][..])?;
        }
        for (subject, record) in &derived.reporters {
            self.put(REPORTERS, subject.as_bytes(), record)?;
        }
        for event in &derived.outbox {
            let seq = self.next_outbox_seq()?;
            self.put(OUTBOX, &seq.to_be_bytes(), event)?;
        }
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
    ) -> ConflictableTransactionResult<(), Failure> {
        let n = revision.revision;
        revision
            .text
            .seal(key, &context("text", id, n))
            .or_abort()?;
        if let Some(c) = &mut revision.context {
            c.seal(key, &context("context", id, n)).or_abort()?;
        }
        self.put(REVISIONS, &child_key(id, &n.to_be_bytes()), &*revision)
    }

    /// An audit record under `seq` (from `generate_id`, taken before the transaction:
    /// sled's own calls deadlock inside one).
    pub(super) fn audit(
        &self,
        seq: u64,
        record: &AuditRecord,
    ) -> ConflictableTransactionResult<(), Failure> {
        self.put(AUDIT, &seq.to_be_bytes(), record)
    }
}

/// What `consequences` may read, through the item's transaction.
struct Holding<'t, 'a> {
    tx: &'t Tx<'a>,
    item: &'t Item,
    key: Option<&'t Key>,
}

/// A transaction error able to carry a refusal (`Held::Error`).
pub(super) struct TxError(ConflictableTransactionError<Failure>);

impl From<Failure> for TxError {
    fn from(f: Failure) -> TxError {
        TxError(ConflictableTransactionError::Abort(f))
    }
}

impl From<ConflictableTransactionError<Failure>> for TxError {
    fn from(e: ConflictableTransactionError<Failure>) -> TxError {
        TxError(e)
    }
}

impl Held for Holding<'_, '_> {
    type Error = TxError;

    fn policy(&self) -> Result<CommunityPolicy, TxError> {
        let policy: Arc<CommunityPolicy> = self.tx.policy(&self.item.community)?;
        Ok(CommunityPolicy::clone(&policy))
    }

    fn content_rules(&self, item: &ItemId) -> Result<Vec<(Cause, Current)>, TxError> {
        let mut active = Vec::new();
        for cause in Cause::CONTENT {
            if let Some(r) = self.tx.active_rule(&content_rule_key(item, cause))? {
                active.push((cause, r.current()));
            }
        }
        Ok(active)
    }

    fn author(&self, subject: &SubjectId) -> Result<AuthorHeld, TxError> {
        let history: RemovalHistory = self
            .tx
            .get(REMOVALS, subject.as_bytes())?
            .unwrap_or_default();
        let rule = self
            .tx
            .active_rule(&author_rule_key(subject, Cause::AuthorRemovals))?
            .map(|r| r.current());
        Ok(AuthorHeld { history, rule })
    }

    fn reporter(&self, subject: &SubjectId) -> Result<ReporterRecord, TxError> {
        Ok(self
            .tx
            .get(REPORTERS, subject.as_bytes())?
            .unwrap_or_default())
    }

    fn author_id(&self) -> Result<Option<AuthorId>, TxError> {
        Ok(self
            .item
            .author_id
            .open(self.key, &author_context(&self.item.id))
            .into_plain())
    }
}
