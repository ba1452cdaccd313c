//! Durable state of the moderation service behind one narrow, domain-level interface,
//! [`Store`]: items and their revisions, the queue and lease indexes, the append-only
//! event log, API keys, community policies and wordlists, and an audit log of
//! configuration changes.
//!
//! The contract every backend keeps:
//!
//! * **Atomic**: an item's new state, its new events and its index entries are written in
//!   one atomic step ([`Store::update`], [`Store::submit`]), so a crash never leaves a
//!   state change without its event or the other way round. Transitions themselves are
//!   pure functions in `item`, run inside that step (and possibly re-run).
//! * **Durable on request**: writes reach disk when [`Store::flush`] returns;
//!   [`GroupCommit`] batches concurrent writers onto one flush, and the API answers 2xx
//!   only after it.
//! * **Personal data sealed here**: submitted text, context, appeal statements and author
//!   ids are sealed with their subject's key (see `privacy`) by the store and opened by it
//!   ([`Store::revision`], [`Store::open_item`]); nothing else sees them in storage.
//! * **Derived state in the same step, decided elsewhere**: what an item's change leads to
//!   (retention dates, suppression-rule changes and their change-log entries, removal
//!   histories, transparency records) is what the pure
//!   [`consequences`](crate::domain::consequences::consequences) returns; a backend reads
//!   what it asks for and persists what it returns in the item's own atomic step, and
//!   decides no policy itself.
//! * **Operations tallies** (see `domain::operations`) are part of what `consequences`
//!   returns: the backend adds each change's tally to the stored one for its key in the
//!   same step, so the dashboard reads sums, never the event log.
//! * **Score feedback** (see `domain::feedback`) is appended on its own: it holds no text
//!   and no personal data, and touches nothing else.
//! * **User reports** live in their item and change with it; reporters are subjects like
//!   authors (pseudonym, key, `items_of_subject`), and their records change in the item's
//!   step ([`Store::reporter`]).
//! * **Webhook outbox**: the events a change leads to are appended in the change's own
//!   atomic step, numbered without gaps in commit order ([`Store::outbox`]); deliveries
//!   and their fan-out cursor move together ([`Store::put_deliveries`]).
//!
//! Two backends: [`SledStore`], embedded, for one node; [`PgStore`], PostgreSQL, for any
//! number of nodes sharing one database. Both pass the same contract suite
//! (`tests/store/`).

mod commit;
mod export;
mod postgres;
mod record;
mod sled;
mod vault;

use std::collections::BTreeSet;

pub use self::commit::GroupCommit;
pub use self::postgres::{copy_from_sled, Copied, Migrated, PgStore, SCHEMA_VERSION};
pub use self::sled::SledStore;
pub(crate) use self::vault::Vault;

use crate::auth::ApiKey;
use crate::clock::Timestamp;
use crate::domain::audit::AuditRecord;
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Event;
use crate::domain::feedback::ScoreFeedback;
use crate::domain::history::check_history;
use crate::domain::item::{is_lost_race, Item, QueueName, Revision, Submission, Submitted};
use crate::domain::notice::ReporterRecord;
use crate::domain::operations::{OpsKey, OpsTally};
use crate::domain::privacy::{ExportItem, Receipt, SubjectId};
use crate::domain::queue::{CommunityFilter, Cursor, QueueEntry};
use crate::domain::queue_samples::{QueueSample, SampleTier};
use crate::domain::suppress::{Rule, RuleId};
use crate::domain::transparency::{DecisionCursor, DecisionRecord};
use crate::domain::webhook::{Delivery, OutboxEvent, Webhook, WebhookId};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ContentId, ItemId, KeyId};
use crate::Code;

/// A change to one item: mutates it and returns the events describing the change, or
/// refuses. Must be a pure function of the item: a backend may call it more than once.
pub type Change<'a> = dyn Fn(&mut Item) -> Result<Vec<Event>, Failure> + 'a;

/// One change's answer in [`Store::update_many_opened`]: the item with its personal data
/// opened beside its current revision, or the change's refusal.
pub type Opened = Result<(Item, Option<Revision>), Failure>;

/// One claimer's answer in [`Store::claim_many_opened`]: its items as
/// [`Store::claim_opened`] gives them, or its own refusal.
pub type ClaimedOpened = Result<Vec<(Item, Option<Revision>)>, Failure>;

/// The refusal of change `i` of one [`Store::update_many_opened`] step when an earlier
/// change of the step names the same item, else `None`.
pub fn changed_twice(changes: &[(ItemId, &Change<'_>)], i: usize) -> Option<Failure> {
    let id = changes.get(i).map(|(id, _)| id)?;
    changes[..i]
        .iter()
        .any(|(other, _)| other == id)
        .then(|| Failure::invalid_state("the item is changed twice in one step"))
}

/// What changed in the store, told to the nodes that share it (see [`Store::subscribe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// The suppression change log grew: every entry up to the seq, when one is given, is
    /// committed (so a node that already applied that far has nothing to read).
    Rules(Option<u64>),
    /// An API key was created or replaced.
    Keys,
    /// A community's policy or wordlist changed.
    Community(CommunityId),
    /// Changes may have been missed: re-read everything cached.
    Resync,
}

/// The moderation service's storage. All methods block; call them off the async
/// executor. Storage failures are `internal` failures.
pub trait Store: Send + Sync {
    /// Stores a batch of scored submissions in one atomic step: a new item for a new
    /// `(community, content_id)`, a new revision when the text changed, nothing when it
    /// did not. Results are in input order.
    fn submit(&self, batch: &[Submission]) -> Result<Vec<Submitted>, Failure>;

    /// The id of the item holding `content_id` in `community`, if there is one.
    fn item_by_content(
        &self,
        community: &CommunityId,
        content_id: &ContentId,
    ) -> Result<Option<ItemId>, Failure>;

    /// The item as stored: its author id and appeal statement sealed.
    fn item(&self, id: &ItemId) -> Result<Option<Item>, Failure>;

    /// The items of `ids` that exist, as [`item`](Store::item) reads them, in any order.
    /// For readers of many items at once (the queue sampler reads up to 20,000): a
    /// backend with round trips answers in one; the default reads them one by one.
    fn items(&self, ids: &[ItemId]) -> Result<Vec<Item>, Failure> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.extend(self.item(id)?);
        }
        Ok(found)
    }

    /// Opens the item's personal data (author id, appeal statement) for a response:
    /// plain, or removed when erased.
    fn open_item(&self, item: &mut Item) -> Result<(), Failure>;

    /// A revision, its text and context opened (or removed).
    fn revision(&self, id: &ItemId, revision: u32) -> Result<Option<Revision>, Failure>;

    /// The item's history, oldest first.
    fn events(&self, id: &ItemId) -> Result<Vec<Event>, Failure>;

    /// Applies `change` to the item and writes the item, its events (numbered here) and its
    /// index entries atomically. `not_found` if there is no such item.
    fn update(&self, id: &ItemId, change: &Change<'_>) -> Result<Item, Failure>;

    /// As [`Store::update`], returning the item with its personal data opened
    /// ([`Store::open_item`]) beside its current revision ([`Store::revision`]). The
    /// default reads them after the change; a backend whose reads are round trips may
    /// bring them back with the change.
    fn update_opened(
        &self,
        id: &ItemId,
        change: &Change<'_>,
    ) -> Result<(Item, Option<Revision>), Failure> {
        let item = self.update(id, change)?;
        opened(self, item)
    }

    /// Applies each change to its item as [`Store::update_opened`] does, all in one atomic
    /// step where the backend can (one transaction): answers in input order, each the
    /// changed item opened beside its current revision, or that change's own refusal. A
    /// change that refuses (or names no item: `not_found`) leaves its item unchanged and
    /// the others are written; an item named twice is refused (`invalid_state`) the second
    /// time, so each change sees the item as stored. The outer error is a store failure
    /// of the whole step, which then wrote nothing. For writers of many changes at once
    /// (`moderation::changes` gathers concurrent requests' decisions); the default
    /// writes them one by one and answers each.
    fn update_many_opened(
        &self,
        changes: &[(ItemId, &Change<'_>)],
    ) -> Result<Vec<Opened>, Failure> {
        Ok(changes
            .iter()
            .enumerate()
            .map(|(i, (id, change))| match changed_twice(changes, i) {
                Some(refusal) => Err(refusal),
                None => self.update_opened(id, change),
            })
            .collect())
    }

    /// Applies `change` (a claim) to up to `limit` waiting items of `queue`, highest
    /// priority first, each written as [`Store::update`] writes it; an item whose change
    /// refuses because it was taken meanwhile is skipped. Two callers never both get one
    /// item. The default reads the queue and updates item by item; a backend with row
    /// locks may do better.
    fn claim(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        limit: usize,
        change: &Change<'_>,
    ) -> Result<Vec<Item>, Failure> {
        let mut claimed = Vec::with_capacity(limit);
        let mut after = None;
        while claimed.len() < limit {
            let want = limit - claimed.len() + 16;
            let page = self.queue(queue, communities, after, want)?;
            for entry in &page {
                match self.update(&entry.item_id, change) {
                    Ok(item) => {
                        claimed.push(item);
                        if claimed.len() == limit {
                            break;
                        }
                    }
                    Err(f) if is_lost_race(&f) || f.code() == Code::NotFound => {}
                    Err(f) => return Err(f),
                }
            }
            if page.len() < want {
                break;
            }
            after = page.last().map(QueueEntry::cursor);
        }
        Ok(claimed)
    }

    /// [`Store::claim`], each claimed item as a view shows it: its personal data opened
    /// ([`Store::open_item`]) beside its current revision ([`Store::revision`]). The
    /// default reads them after the claim; a backend whose reads are round trips may bring
    /// them back with the claim.
    fn claim_opened(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        limit: usize,
        change: &Change<'_>,
    ) -> Result<Vec<(Item, Option<Revision>)>, Failure> {
        let claimed = self.claim(queue, communities, limit, change)?;
        claimed.into_iter().map(|item| opened(self, item)).collect()
    }

    /// Several claimers' claims of `queue` in `communities`, each `(limit, change)`, in
    /// one atomic step where the backend can (one transaction): the highest-priority
    /// waiting items go to the first claimer, up to its limit, the next ones to the
    /// second, and so on; answers in input order, each as [`Store::claim_opened`] gives
    /// it. The outer error is a store failure of the whole step, which then claimed
    /// nothing. For claimers gathered from concurrent requests (`moderation::claims`);
    /// the default claims for each in turn, a step each, and answers each.
    fn claim_many_opened(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        claims: &[(usize, &Change<'_>)],
    ) -> Result<Vec<ClaimedOpened>, Failure> {
        Ok(claims
            .iter()
            .map(|(limit, change)| self.claim_opened(queue, communities, *limit, change))
            .collect())
    }

    /// Up to `limit` claimable items of `queue` after `after`, highest priority first.
    fn queue(
        &self,
        queue: QueueName,
        communities: &CommunityFilter<'_>,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, Failure>;

    /// How many items wait (unleased) in `queue`.
    fn queue_depth(&self, queue: QueueName) -> Result<u64, Failure>;

    /// Items whose lease ended at or before `now`, soonest first.
    fn leases_due(&self, now: Timestamp, limit: usize) -> Result<Vec<ItemId>, Failure>;

    /// Item ids in storage order, for maintenance and checks.
    fn item_ids(&self, after: Option<ItemId>, limit: usize) -> Result<Vec<ItemId>, Failure>;

    fn keys(&self) -> Result<Vec<ApiKey>, Failure>;

    /// Creates or replaces a key (revocation is a replace), with its audit record.
    fn put_key(&self, key: &ApiKey, audit: &AuditRecord) -> Result<(), Failure>;

    fn policy(&self, community: &CommunityId) -> Result<Option<CommunityPolicy>, Failure>;

    fn put_policy(
        &self,
        community: &CommunityId,
        policy: &CommunityPolicy,
        audit: &AuditRecord,
    ) -> Result<(), Failure>;

    fn wordlist(&self, community: &CommunityId) -> Result<Option<CommunityWordlist>, Failure>;

    fn put_wordlist(
        &self,
        community: &CommunityId,
        wordlist: &CommunityWordlist,
        audit: &AuditRecord,
    ) -> Result<(), Failure>;

    /// Up to `limit` audit records with a sequence number above `after`, oldest first,
    /// with their sequence numbers (increasing, not necessarily contiguous).
    fn audit_log(&self, after: u64, limit: usize) -> Result<Vec<(u64, AuditRecord)>, Failure>;

    /// Appends to the audit log (exports).
    fn put_audit(&self, record: &AuditRecord) -> Result<(), Failure>;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), Failure>;

    /// Whether every write is durable when its call returns (a database that commits
    /// synchronously), so that [`flush`](Store::flush) has nothing to do.
    fn commits_are_durable(&self) -> bool {
        false
    }

    /// The newest suppression change-log seq committed (not necessarily durable).
    fn rule_seq(&self) -> u64;

    /// A change-log seq every entry up to which is committed, at least as new as every
    /// entry this process wrote: what the group commit announces after each flush. A
    /// shared store answers from memory (other nodes' entries reach this node through
    /// [`Store::subscribe`]), so a flush costs it no read; by default [`Store::rule_seq`].
    fn rule_seq_here(&self) -> u64 {
        self.rule_seq()
    }

    /// Up to `limit` change-log entries with seq > `after`, in order.
    fn rule_log(&self, after: u64, limit: usize) -> Result<Vec<Rule>, Failure>;

    /// The rules active now (their latest entries).
    fn active_rules(&self) -> Result<Vec<Rule>, Failure>;

    /// Every change-log entry whose reason names the item (its content rules, and an
    /// author rule its removal created or extended), oldest first.
    fn item_rules(&self, id: &ItemId) -> Result<Vec<Rule>, Failure>;

    /// Ends rules whose `expires_at` is at or before `now` (an `expired` entry each).
    fn expire_rules(&self, now: Timestamp, limit: usize) -> Result<usize, Failure>;

    /// Drops the text of items whose retention ran out by `now`, keeping the records.
    fn sweep_retention(&self, now: Timestamp, limit: usize) -> Result<usize, Failure>;

    /// Up to `limit` items holding data of `subject` (an author in a community), in no
    /// particular order. None once the subject was erased.
    fn items_of_subject(&self, subject: &SubjectId, limit: usize) -> Result<Vec<ItemId>, Failure>;

    /// The communities holding data about `author`.
    fn author_communities(&self, author: &AuthorId) -> Result<Vec<CommunityId>, Failure>;

    /// Erases an author's data in a community (GDPR Art. 17): text, context, statements
    /// and identifiers go, anonymized decision records stay, the author's key is
    /// destroyed, an erasure suppression rule is emitted. Durable when it returns.
    fn erase(
        &self,
        community: &CommunityId,
        author: &AuthorId,
        actor: &KeyId,
        now: Timestamp,
    ) -> Result<Receipt, Failure>;

    /// Everything held about an author in a community (GDPR Art. 15), opened.
    fn export(
        &self,
        community: &CommunityId,
        author: &AuthorId,
    ) -> Result<Vec<ExportItem>, Failure>;

    /// Decision records with `from <= at < to`, after `after`, oldest first.
    fn decisions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<DecisionCursor>,
        limit: usize,
    ) -> Result<Vec<(DecisionCursor, DecisionRecord)>, Failure>;

    /// An item's decision records, oldest first.
    fn item_decisions(&self, id: &ItemId) -> Result<Vec<DecisionRecord>, Failure>;

    /// The operations tallies (see `domain::operations`) whose hour starts in
    /// `[from, to)`, by hour then community. Each is the sum of the
    /// [`Derived::operations`](crate::domain::consequences::Derived) of every change
    /// committed with that key: a backend adds each change's tally to the stored one in
    /// the change's own atomic step.
    fn operations(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(OpsKey, OpsTally)>, Failure>;

    /// Stores queue samples (see `domain::queue_samples`) in `tier`, replacing any of the
    /// same time, community and queue there (the tiers are separate: an hourly row never
    /// replaces a periodic sample of the same time). Outside item transactions; durable
    /// with the next flush.
    fn put_queue_samples(&self, tier: SampleTier, samples: &[QueueSample]) -> Result<(), Failure>;

    /// The queue samples of `tier` whose time is in `[from, to)`, by time, then
    /// community, then queue.
    fn queue_samples(
        &self,
        tier: SampleTier,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<QueueSample>, Failure>;

    /// Deletes the queue samples of `tier` whose time is before `before` (retention);
    /// returns how many.
    fn drop_queue_samples(&self, tier: SampleTier, before: Timestamp) -> Result<usize, Failure>;

    /// Appends a score feedback record (see `domain::feedback`); returns its id, which increases.
    fn put_score_feedback(&self, feedback: &ScoreFeedback) -> Result<u64, Failure>;

    /// Up to `limit` score feedback records of `community` (`None`: those naming none)
    /// with ids after `after`, oldest first.
    fn score_feedback(
        &self,
        community: Option<&CommunityId>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, ScoreFeedback)>, Failure>;

    // User reports (`domain::notice`). Reports live in their item (`Item::reports`) and
    // change through `update`; in that step a backend also seals each plain report
    // comment under its reporter's key (created if needed), lists the item under the
    // reporter's subject (`items_of_subject`), and stores `Derived::reporters`.

    /// A user's pseudonym in a community: the same [`SubjectId`] as an author with that
    /// id there, so a person's content and reports are one subject for erasure and
    /// export. Deterministic for a data directory; no I/O.
    fn pseudonym(&self, community: &CommunityId, user: &AuthorId) -> SubjectId;

    /// A reporter's record, `None` when nothing is held (never trusted, no counted
    /// outcome). Erasure of the subject deletes it.
    fn reporter(&self, subject: &SubjectId) -> Result<Option<ReporterRecord>, Failure>;

    /// Sets a reporter's trusted mark (creating the record if needed, keeping its
    /// outcomes) and appends `audit`, in one atomic step.
    fn set_trusted(
        &self,
        subject: &SubjectId,
        trusted: bool,
        audit: &AuditRecord,
    ) -> Result<(), Failure>;

    // Webhooks (`domain::webhook`). `update`, `submit` and `erase` append
    // `Derived::outbox` (erase: one `subject.erased` event per call) to the outbox in
    // their own atomic step, numbered 1, 2, … without gaps in commit order.

    /// Every webhook ever created (deleted ones have `deleted_at`), secrets opened.
    fn webhooks(&self) -> Result<Vec<Webhook>, Failure>;

    /// Creates or replaces a webhook (deletion is a replace), sealing its secret, with
    /// its audit record, atomically.
    fn put_webhook(&self, webhook: &Webhook, audit: &AuditRecord) -> Result<(), Failure>;

    /// The last outbox seq committed (0 when empty).
    fn outbox_seq(&self) -> Result<u64, Failure>;

    /// Up to `limit` outbox events with seq > `after`, in order.
    fn outbox(&self, after: u64, limit: usize) -> Result<Vec<(u64, OutboxEvent)>, Failure>;

    /// The last outbox seq turned into deliveries ([`Store::put_deliveries`]); 0 at first.
    fn fanout_cursor(&self) -> Result<u64, Failure>;

    /// Creates or replaces deliveries (keyed by webhook and seq) and, with `fanned_out`,
    /// sets the fan-out cursor and deletes the outbox entries from the old cursor up to
    /// it (the deliveries carry their events), all in one atomic step. A pending delivery
    /// is listed by [`Store::pending_deliveries`], others are not.
    fn put_deliveries(
        &self,
        deliveries: &[Delivery],
        fanned_out: Option<u64>,
    ) -> Result<(), Failure>;

    /// Up to `limit` of a webhook's deliveries with seq > `after`, by seq.
    fn deliveries(
        &self,
        webhook: &WebhookId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Delivery>, Failure>;

    /// Up to `limit` pending deliveries of every webhook, by seq (then webhook id).
    fn pending_deliveries(&self, limit: usize) -> Result<Vec<Delivery>, Failure>;

    /// Whether the storage answers now (readiness). Blocking.
    fn ping(&self) -> Result<(), Failure> {
        Ok(())
    }

    /// Changes made by this and, for a shared backend, every other node, as they
    /// commit; `None` for a backend only this process writes. Only a wake-up: read the
    /// store for what changed.
    fn subscribe(&self) -> Option<std::sync::mpsc::Receiver<Changed>> {
        None
    }

    /// Runs `job` (one pass of a worker every node runs, such as webhook delivery) unless
    /// another node is running it now: `None` when skipped. A backend only this process
    /// writes just runs it. Blocking.
    fn exclusively(
        &self,
        _worker: Worker,
        job: &mut dyn FnMut() -> Result<usize, Failure>,
    ) -> Result<Option<usize>, Failure> {
        job().map(Some)
    }
}

/// An item as a response shows it: its personal data opened ([`Store::open_item`]) beside
/// its current revision ([`Store::revision`]); what the `*_opened` defaults read after
/// their change.
fn opened<S: Store + ?Sized>(
    store: &S,
    mut item: Item,
) -> Result<(Item, Option<Revision>), Failure> {
    let revision = store.revision(&item.id, item.revision)?;
    store.open_item(&mut item)?;
    Ok((item, revision))
}

/// The workers every node runs that must not run on two nodes at once
/// ([`Store::exclusively`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// Fanning the webhook outbox out and attempting deliveries: two nodes attempting
    /// one delivery at once would send it twice.
    WebhookDelivery,
    /// Sampling queue depth and age (`moderation::operations::sample_queues`): one
    /// node's samples per period are enough.
    QueueSampler,
}

/// What [`verify`] found.
#[derive(Debug, Default)]
pub struct Verification {
    pub items: u64,
    pub events: u64,
    /// Suppression change-log entries.
    pub rules: u64,
    pub problems: Vec<String>,
}

/// Checks the whole store: every item's state is what its event log replays to, the
/// queue and lease indexes hold exactly the items that belong in them, and the
/// suppression change log is gap-free and replays to the active rules.
pub fn verify(store: &dyn Store) -> Result<Verification, Failure> {
    let mut report = Verification::default();
    let mut waiting = BTreeSet::new();
    let mut leased = BTreeSet::new();
    let mut after = None;
    loop {
        let ids = store.item_ids(after, 1000)?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        for id in ids {
            let Some(item) = store.item(&id)? else {
                report.problems.push(format!("{id}: listed but missing"));
                continue;
            };
            let events = store.events(&id)?;
            report.items += 1;
            report.events += events.len() as u64;
            if let Err(why) = check_history(&item, &events) {
                report.problems.push(format!("{id}: {why}"));
            }
            if store.revision(&id, item.revision)?.is_none() {
                report
                    .problems
                    .push(format!("{id}: revision {} missing", item.revision));
            }
            if let Some(entry) = QueueEntry::of(&item) {
                waiting.insert((entry.queue, entry.item_id));
            }
            if item.lease.is_some() {
                leased.insert(id);
            }
        }
        after = Some(last);
    }
    let mut indexed = BTreeSet::new();
    for queue in QueueName::ALL {
        let mut cursor = None;
        loop {
            let page = store.queue(queue, &CommunityFilter::All, cursor, 1000)?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.cursor());
            indexed.extend(page.iter().map(|e| (e.queue, e.item_id)));
        }
    }
    for missing in waiting.difference(&indexed) {
        report
            .problems
            .push(format!("{}: waiting but not in the queue index", missing.1));
    }
    for extra in indexed.difference(&waiting) {
        report
            .problems
            .push(format!("{}: in the queue index but not waiting", extra.1));
    }
    let lease_index: BTreeSet<ItemId> = store
        .leases_due(Timestamp::from_millis(i64::MAX / 2), usize::MAX)?
        .into_iter()
        .collect();
    if lease_index != leased {
        report.problems.push(format!(
            "lease index has {} entries, {} items are leased",
            lease_index.len(),
            leased.len()
        ));
    }
    verify_rules(store, &mut report)?;
    Ok(report)
}

fn verify_rules(store: &dyn Store, report: &mut Verification) -> Result<(), Failure> {
    use std::collections::BTreeMap;
    let mut latest: BTreeMap<RuleId, Rule> = BTreeMap::new();
    let mut by_item: BTreeMap<ItemId, Vec<u64>> = BTreeMap::new();
    let mut seq = 0;
    loop {
        let batch = store.rule_log(seq, 1000)?;
        if batch.is_empty() {
            break;
        }
        for rule in batch {
            if rule.seq != seq + 1 {
                report
                    .problems
                    .push(format!("rule log: seq {} follows {seq}", rule.seq));
            }
            seq = rule.seq;
            if let Some(item) = &rule.reason.item_id {
                by_item.entry(*item).or_default().push(rule.seq);
            }
            latest.insert(rule.rule_id.clone(), rule);
        }
    }
    report.rules = seq;
    if store.rule_seq() != seq {
        report.problems.push(format!(
            "rule log ends at {seq}, the counter says {}",
            store.rule_seq()
        ));
    }
    let replayed: BTreeSet<(RuleId, u64)> = latest
        .into_values()
        .filter(|r| r.state == crate::domain::suppress::RuleState::Active)
        .map(|r| (r.rule_id, r.seq))
        .collect();
    let active: BTreeSet<(RuleId, u64)> = store
        .active_rules()?
        .into_iter()
        .map(|r| (r.rule_id, r.seq))
        .collect();
    if replayed != active {
        report.problems.push(format!(
            "{} rules active by the log, {} in the active index",
            replayed.len(),
            active.len()
        ));
    }
    // The per-item index must name exactly the log entries whose reason names the item.
    for (item, seqs) in by_item {
        let indexed: Vec<u64> = store.item_rules(&item)?.iter().map(|r| r.seq).collect();
        if indexed != seqs {
            report.problems.push(format!(
                "item {item}: {} rule log entries, {} in rules_by_item",
                seqs.len(),
                indexed.len()
            ));
        }
    }
    Ok(())
}
