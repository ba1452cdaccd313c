//! What an item's change leads to beyond the item and its events: when retention drops
//! its text, the decision records transparency reports are built from, and the
//! suppression-rule changes and author removal histories its new state calls for.
//!
//! [`consequences`] is the one place these rules live. It is a pure function of the
//! change ([`Transition`]) and what is held now ([`Held`]: the community's policy, the
//! item's active rules, its authors' removal histories), read through a narrow view so
//! a backend reads only what the rules ask for, inside the item's own transaction. A
//! backend persists the [`Derived`] it gets back in that transaction and decides nothing
//! itself; a second backend gets the same behaviour by calling the same function.
//! [`needs`] says ahead what a change may ask for, for a backend that fetches in advance.
//!
//! ```text
//!   backend transaction: load item ─► transition (domain::item) ─► number events
//!        ─► consequences(transition, held) ─► write item, events, Derived
//! ```
//!
//! The item's content rules follow its *rule state* (outcome, status, queue, labels,
//! verdict: what [`SuppressionPolicy::content_rules`] reads): a change that leaves it as
//! it was — a claim, a release, an expired lease, an erasure, a retention sweep — leaves
//! the content rules alone and reads neither them nor the policy. So a new policy reaches
//! an item's content rules with its next change of rule state (a decision, an edit, an
//! escalation, an appeal), not with a claim.

use std::cell::OnceCell;

use crate::clock::Timestamp;
use crate::domain::community::CommunityPolicy;
use crate::domain::event::Event;
use crate::domain::item::{Item, Outcome, Status};
use crate::domain::notice::ReporterRecord;
use crate::domain::operations::{self, OpsKey, OpsTally};
use crate::domain::privacy::SubjectId;
use crate::domain::suppress::{
    diff, Cause, Current, RemovalHistory, RuleState, Scope, Subject, SubjectKind, SubjectRef,
    SuppressionPolicy, Wanted,
};
use crate::domain::transparency::DecisionRecord;
use crate::domain::webhook::{outbox_events, OutboxEvent};
use crate::failure::Failure;
use crate::ids::{AuthorId, ItemId};

/// One change of one item: its state before (none for a new item) and after, and the
/// events describing it, numbered.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub before: Option<&'a Item>,
    pub after: &'a Item,
    pub events: &'a [Event],
}

impl Transition<'_> {
    /// When the change happened: its last event's time (or `fallback` without events).
    pub fn at(&self, fallback: Timestamp) -> Timestamp {
        self.events.last().map_or(fallback, |e| e.at)
    }
}

/// What the consequences of a change depend on besides the change: read by the backend
/// on demand, in the change's own atomic step.
pub trait Held {
    /// A backend's own error (a transaction conflict, say), able to carry a [`Failure`].
    type Error: From<Failure>;

    /// The changed item's community's policy (the default until one is set), as it is in
    /// the change's atomic step: asked at most once per change.
    fn policy(&self) -> Result<CommunityPolicy, Self::Error>;

    /// The item's active content rules, by cause.
    fn content_rules(&self, item: &ItemId) -> Result<Vec<(Cause, Current)>, Self::Error>;

    /// An author's removal history in a community and their active author-removals rule.
    fn author(&self, subject: &SubjectId) -> Result<AuthorHeld, Self::Error>;

    /// The changed item's author id in plain (`None` once erased): a new author rule
    /// names its subject by it.
    fn author_id(&self) -> Result<Option<AuthorId>, Self::Error>;

    /// A reporter's record (see `notice`), default when none is held.
    fn reporter(&self, subject: &SubjectId) -> Result<ReporterRecord, Self::Error>;
}

/// An author's state that author rules follow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorHeld {
    pub history: RemovalHistory,
    pub rule: Option<Current>,
}

/// Whose rule it is: an item's content, or an author (by subject) in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOwner {
    Content(ItemId),
    Author(SubjectId),
}

/// What to do to one rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleEdit {
    /// Create it, or update it in place (the same rule id), as `Wanted` says, about
    /// `Subject`.
    Set(Wanted, Subject),
    /// End the active rule with this state.
    End(RuleState),
}

/// One rule change: a change-log entry to write, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleChange {
    pub owner: RuleOwner,
    pub cause: Cause,
    pub edit: RuleEdit,
}

/// Everything a change leads to, for the backend to persist with the item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    /// When retention drops the text: set while the item is decided and its text held.
    pub text_due_at: Option<Timestamp>,
    /// One record per decision, appeal, reversal or undo among the events.
    pub decisions: Vec<DecisionRecord>,
    /// Rule changes in change-log order.
    pub rules: Vec<RuleChange>,
    /// Removal histories to store (an empty one may be stored or dropped).
    pub histories: Vec<(SubjectId, RemovalHistory)>,
    /// Reporters' records to store: their reports' outcomes changed.
    pub reporters: Vec<(SubjectId, ReporterRecord)>,
    /// Events for the platform, to append to the webhook outbox in this order.
    pub outbox: Vec<OutboxEvent>,
    /// What the change adds to the operations dashboard's tally for its community and
    /// hour: the backend adds it ([`OpsTally::merge`]) to the stored tally of that key.
    pub operations: Option<(OpsKey, OpsTally)>,
}

/// What [`consequences`] may ask [`Held`] for about a change from `before` to `after`,
/// for a backend that reads ahead: the policy, the item's content rules, the author's
/// removal history and rule. Exact in the "no" direction ([`consequences`] decides by
/// the same tests); a backend must still answer whatever is asked, so a wrong guess
/// costs it a read, never a wrong result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub policy: bool,
    pub content_rules: bool,
    pub author: bool,
}

/// See [`Needs`].
pub fn needs(before: Option<&Item>, after: &Item) -> Needs {
    let content_rules = rule_state_changed(before, after);
    let author = author_change(before, after).is_some();
    Needs {
        policy: content_rules || author || retention_needs_policy(after),
        content_rules,
        author,
    }
}

/// Whether the item's content rules may have to change: a new item, or a change of what
/// [`SuppressionPolicy::content_rules`] reads. Compared under a policy with every
/// content derivation on, so that equal answers there are equal under any policy (a
/// policy only picks the scopes of, or leaves out, what that one derives).
fn rule_state_changed(before: Option<&Item>, after: &Item) -> bool {
    let Some(before) = before else {
        return true;
    };
    let every = SuppressionPolicy {
        removed: Scope::ALL.to_vec(),
        under_review: Scope::ALL.to_vec(),
        labelled: Scope::ALL.to_vec(),
        sensitive_data: Scope::ALL.to_vec(),
        ..SuppressionPolicy::default()
    };
    every.content_rules(before) != every.content_rules(after)
}

/// The consequences of `change` at `now` (see the module docs).
pub fn consequences<H: Held>(
    change: &Transition<'_>,
    held: &H,
    now: Timestamp,
) -> Result<Derived, H::Error> {
    let after = change.after;
    let policy = Policy {
        held,
        read: OnceCell::new(),
    };
    let decisions = change
        .events
        .iter()
        .filter_map(|e| DecisionRecord::of(after, e))
        .collect();
    // The policy only for a new date: a date once set stays (see `retention_due`).
    let text_due_at = match after.text_due_at {
        Some(due) if after.status == Status::Decided && after.text_removed.is_none() => Some(due),
        _ if retention_needs_policy(after) => retention_due(after, policy.get()?, now),
        _ => None,
    };
    let mut derived = Derived {
        text_due_at,
        decisions,
        rules: Vec::new(),
        histories: Vec::new(),
        reporters: Vec::new(),
        outbox: outbox_events(after, change.events),
        operations: operations::tally(change.before, after, change.events),
    };
    if rule_state_changed(change.before, after) {
        content_rules(after, policy.get()?, held, &mut derived)?;
    }
    author_rules(change, &policy, held, now, &mut derived)?;
    reporter_records(change, held, &mut derived)?;
    Ok(derived)
}

/// The policy, asked of [`Held`] the first time it is needed, if ever.
struct Policy<'h, H> {
    held: &'h H,
    read: OnceCell<CommunityPolicy>,
}

impl<H: Held> Policy<'_, H> {
    fn get(&self) -> Result<&CommunityPolicy, H::Error> {
        if let Some(p) = self.read.get() {
            return Ok(p);
        }
        let p = self.held.policy()?;
        Ok(self.read.get_or_init(|| p))
    }
}

/// Reputation: a report resolved with a counted outcome enters its reporter's record; a
/// report reopened (its decision undone) leaves it. Only reports whose state changed in
/// this step are looked at, so each outcome is counted once.
fn reporter_records<H: Held>(
    change: &Transition<'_>,
    held: &H,
    derived: &mut Derived,
) -> Result<(), H::Error> {
    let mut records: Vec<(SubjectId, ReporterRecord)> = Vec::new();
    for report in &change.after.reports {
        let Some(reporter) = report.reporter else {
            continue;
        };
        let before = change
            .before
            .and_then(|b| b.reports.iter().find(|r| r.id == report.id));
        let was = before
            .and_then(|r| r.resolution.as_ref())
            .map(|r| r.outcome);
        let now = report.resolution.as_ref().map(|r| r.outcome);
        if was == now {
            continue;
        }
        let at = match records.iter().position(|(s, _)| *s == reporter) {
            Some(i) => i,
            None => {
                records.push((reporter, held.reporter(&reporter)?));
                records.len() - 1
            }
        };
        let record = &mut records[at].1;
        match now.and_then(|o| o.counted()) {
            Some(upheld) => record.count(&report.id, upheld),
            None => record.uncount(&report.id),
        }
    }
    derived.reporters = records;
    Ok(())
}

/// Whether [`retention_due`] reads the policy for `item`: only to set a new date.
fn retention_needs_policy(item: &Item) -> bool {
    item.status == Status::Decided && item.text_removed.is_none() && item.text_due_at.is_none()
}

/// Retention: a decided item's text is due `retention_days` after the decision; a date
/// once set stays (a later appeal's decision does not extend it).
pub fn retention_due(item: &Item, policy: &CommunityPolicy, now: Timestamp) -> Option<Timestamp> {
    if item.status != Status::Decided || item.text_removed.is_some() {
        return None;
    }
    Some(
        item.text_due_at
            .unwrap_or_else(|| now.plus_seconds(policy.retention_days.saturating_mul(86_400))),
    )
}

/// Brings the item's content rules in line with its state.
fn content_rules<H: Held>(
    item: &Item,
    policy: &CommunityPolicy,
    held: &H,
    derived: &mut Derived,
) -> Result<(), H::Error> {
    let active = held.content_rules(&item.id)?;
    let wanted = policy.suppression.content_rules(item);
    if active.is_empty() && wanted.is_empty() {
        return Ok(());
    }
    let subject = Subject {
        kind: SubjectKind::Content,
        community: item.community.clone(),
        id: SubjectRef::try_from(item.content_id.to_string()).map_err(Failure::internal)?,
    };
    let mut changes = diff(&active, &wanted, &Cause::CONTENT);
    // Endings first: a rule that replaces another follows it in the log.
    changes.sort_by_key(|(_, w)| w.is_some());
    for (cause, change) in changes {
        let edit = match change {
            Some(w) => RuleEdit::Set(w, subject.clone()),
            None => RuleEdit::End(cause.ending()),
        };
        derived.rules.push(RuleChange {
            owner: RuleOwner::Content(item.id),
            cause,
            edit,
        });
    }
    Ok(())
}

/// Whose removal a change takes back and whose it adds (`(was, is)`), or `None` when
/// it changes no author's removals.
fn author_change(
    before: Option<&Item>,
    after: &Item,
) -> Option<(Option<SubjectId>, Option<SubjectId>)> {
    let removed = |i: &Item| i.outcome == Some(Outcome::Remove);
    let was_removed = before.is_some_and(removed);
    // An erasure (the subject gone, the outcome unchanged) leaves author rules to run
    // their course: it removes data, it does not undo decisions.
    if was_removed == removed(after)
        && (after.subject.is_none() || before.and_then(|b| b.subject) == after.subject)
    {
        return None;
    }
    let was = before.filter(|b| removed(b)).and_then(|b| b.subject);
    let is = Some(after).filter(|a| removed(a)).and_then(|a| a.subject);
    (was != is).then_some((was, is))
}

/// Keeps authors' removal histories and author rules in line with a change of outcome.
fn author_rules<H: Held>(
    change: &Transition<'_>,
    policy: &Policy<'_, H>,
    held: &H,
    now: Timestamp,
    derived: &mut Derived,
) -> Result<(), H::Error> {
    let after = change.after;
    let Some((was, is)) = author_change(change.before, after) else {
        return Ok(());
    };
    let policy = &policy.get()?.suppression;
    if let Some(subject) = was {
        // Undone: the removal no longer counts; the rule goes if the rest do not reach
        // the threshold.
        let state = held.author(&subject)?;
        let mut history = state.history;
        history.undo(after.id);
        if policy.author_rule(&history, now).is_none() && state.rule.is_some() {
            derived.rules.push(RuleChange {
                owner: RuleOwner::Author(subject),
                cause: Cause::AuthorRemovals,
                edit: RuleEdit::End(RuleState::Revoked),
            });
        }
        derived.histories.push((subject, history));
    }
    let Some(subject) = is else { return Ok(()) };
    // Only a new removal needs the author id in plain (for the rule's subject).
    let Some(author) = held.author_id()? else {
        return Ok(());
    };
    let state = held.author(&subject)?;
    let mut history = state.history;
    history.add(after.id, now, &policy.author);
    let active: Vec<(Cause, Current)> = state
        .rule
        .map(|r| (Cause::AuthorRemovals, r))
        .into_iter()
        .collect();
    let wanted: Vec<Wanted> = policy.author_rule(&history, now).into_iter().collect();
    for (cause, change) in diff(&active, &wanted, &[Cause::AuthorRemovals]) {
        // Adding a removal never ends an author rule; only a new or longer one.
        if let Some(w) = change {
            let subject_ref =
                SubjectRef::try_from(author.to_string()).map_err(Failure::internal)?;
            derived.rules.push(RuleChange {
                owner: RuleOwner::Author(subject),
                cause,
                edit: RuleEdit::Set(
                    w,
                    Subject {
                        kind: SubjectKind::Author,
                        community: after.community.clone(),
                        id: subject_ref,
                    },
                ),
            });
        }
    }
    derived.histories.push((subject, history));
    Ok(())
}

#[cfg(test)]
mod tests;
