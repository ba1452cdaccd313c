//! Items and their lifecycle: what was submitted (revisions), where an item is (a queue,
//! leased to a moderator, or decided), and the transitions between those states. Every
//! transition returns the [`Event`]s that describe it; the store writes both together.
//!
//! ```text
//!  submit ──► auto_decided (allow | label | remove) ──appeal──► appeals queue
//!    │                                                              │
//!    └──────► review queue ──claim──► leased ──decide──► decided ◄──┘
//!                 ▲  ▲                  │ │                 (upheld or reversed)
//!                 │  └──release/expire──┘ └──escalate──► escalated queue
//!                 │                     ▲
//!                 │                     └── undo (the decider, within the lease)
//! ```
//!
//! **Undo.** A moderator's decision (escalation included) made under their own lease can
//! be taken back by them while that lease would still have been running, and only if
//! nothing else happened to the item since (no later event: a claim, an appeal, an
//! erasure, a reveal). The item returns to exactly where it was — its queue, its age,
//! its outcome and labels, an appeal it settled pending again — leased to them until the
//! original expiry. The suppression rules, author removal counts and retention the
//! decision caused follow from the restored state in the same store step.
//!
//! A new revision (edited text) re-enters this diagram from the start: the lease, the
//! appeal and the previous outcome belong to the old text.
//!
//! **User reports** (`notices.rs`, rules in `notice`) ride along: a report on an allowed
//! or labelled item may send it to review (`reported`), the decision that settles it
//! resolves the open reports (`report_resolved` events right after the decision's own,
//! so an undo that takes the decision back reopens them), and a new revision supersedes
//! them.
//!
//! Transitions are pure functions of the item, so the store may retry them.
//!
//! Personal data in an item (the author id, an appeal statement) and in a revision (text,
//! context) is held as [`Personal`]: plain only between the request and the store, which
//! seals it under the author's key (see `privacy`).

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::bulk::BulkId;
use crate::domain::event::{Event, Remarks};
use crate::domain::notice::Report;
use crate::domain::privacy::{Personal, Removal, SubjectId};
use crate::domain::queue;
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ContentId, ContentText, ItemId, KeyId};
use crate::verdict::{Action, Verdict};
use crate::Code;

mod notices;
mod ownership;

pub use self::notices::NewReport;
pub use self::ownership::{ItemWrite, SubmissionEffect};

/// The three human queues.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    Review,
    Escalated,
    Appeals,
}

impl QueueName {
    pub const ALL: [QueueName; 3] = [QueueName::Review, QueueName::Escalated, QueueName::Appeals];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Review => "review",
            QueueName::Escalated => "escalated",
            QueueName::Appeals => "appeals",
        }
    }

    /// One byte for index keys.
    pub fn tag(self) -> u8 {
        match self {
            QueueName::Review => 1,
            QueueName::Escalated => 2,
            QueueName::Appeals => 3,
        }
    }
}

/// Where an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In a queue, possibly leased to a moderator.
    Pending,
    Decided,
}

/// What happens to the content, as the platform sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allow,
    Label,
    Remove,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Label => "label",
            Outcome::Remove => "remove",
        }
    }
}

/// A moderator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Approve,
    Label,
    Remove,
    Escalate,
}

impl DecisionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Approve => "approve",
            DecisionAction::Label => "label",
            DecisionAction::Remove => "remove",
            DecisionAction::Escalate => "escalate",
        }
    }

    fn outcome(self) -> Option<Outcome> {
        match self {
            DecisionAction::Approve => Some(Outcome::Allow),
            DecisionAction::Label => Some(Outcome::Label),
            DecisionAction::Remove => Some(Outcome::Remove),
            DecisionAction::Escalate => None,
        }
    }
}

/// How an appeal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealResult {
    Upheld,
    Reversed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub holder: KeyId,
    pub expires_at: Timestamp,
}

/// What a decision changed, kept so its maker can take it back (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoPoint {
    /// The moderator who decided, under their own lease.
    pub by: KeyId,
    /// The `seq` of the decision's event: any later event ends the chance to undo.
    pub seq: u64,
    /// When the lease the decision was made under would have run out.
    pub until: Timestamp,
    pub action: DecisionAction,
    /// The state before the decision.
    pub queue: QueueName,
    pub enqueued_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Whether the decision settled a pending appeal.
    #[serde(default)]
    pub settled_appeal: bool,
    /// How many `report_resolved` events followed the decision's own (`seq` names the
    /// last of them): an undo reopens those reports.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reports_resolved: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appeal {
    /// The author's statement: personal data, sealed by the store.
    pub statement: Personal<String>,
    pub at: Timestamp,
    pub by: KeyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<AppealResult>,
}

/// One piece of content and where it stands. The text lives in its [`Revision`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub community: CommunityId,
    pub content_id: ContentId,
    /// The pseudonym of the current revision's author (see `privacy`): names the key
    /// that seals their data and their index entries. `None` once erased.
    pub subject: Option<SubjectId>,
    /// The author's id: personal data, sealed by the store; removed by an erasure.
    pub author_id: Personal<AuthorId>,
    /// The current revision, from 1.
    pub revision: u32,
    /// A keyed digest of the current revision's text (keyed with the subject's key, so
    /// it cannot confirm a guessed text once the key is gone); `None` once the text is.
    #[serde(
        default,
        deserialize_with = "empty_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub text_digest: Option<String>,
    /// The current revision's verdict.
    pub verdict: Verdict,
    /// What Warden did on submission of the current revision.
    pub action: Action,
    pub status: Status,
    /// Set exactly when pending.
    pub queue: Option<QueueName>,
    /// When it entered its current queue (the age in the priority formula).
    pub enqueued_at: Option<Timestamp>,
    /// Base priority in milli-points (see `queue`), without the age bonus.
    pub priority: u32,
    pub lease: Option<Lease>,
    /// The effective outcome; kept while an appeal is pending.
    pub outcome: Option<Outcome>,
    pub labels: Vec<String>,
    pub appeal: Option<Appeal>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the current revision was submitted.
    pub submitted_at: Timestamp,
    /// When retention drops the text: set while the item is decided (see `consequences`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_due_at: Option<Timestamp>,
    /// Why and when the current revision's text was dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_removed: Option<Removal>,
    /// The `seq` of the item's last event.
    pub last_seq: u64,
    /// The last moderator decision, while it might still be undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<UndoPoint>,
    /// User reports on the item, oldest first (see `notice`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<Report>,
    /// When it was first claimed since it entered its current queue: the operations
    /// dashboard's time to first claim counts only that claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_claimed_at: Option<Timestamp>,
}

/// Items stored before the digest was optional say `""` for "no digest".
fn empty_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// One submitted version of an item's content. Never overwritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub revision: u32,
    /// Whose text it is (`None` once erased).
    pub subject: Option<SubjectId>,
    /// Personal data: sealed in storage, removed by retention or erasure.
    pub text: Personal<ContentText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Personal<serde_json::Map<String, serde_json::Value>>>,
    pub verdict: Verdict,
    pub action: Action,
    pub submitted_at: Timestamp,
    pub submitted_by: KeyId,
}

/// Content scored and ready to be stored.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The id the item gets if `(community, content_id)` is new.
    pub new_id: ItemId,
    pub community: CommunityId,
    pub content_id: ContentId,
    pub author_id: AuthorId,
    /// The caller says the content changed hands: a new author is then a new owner
    /// (see [`Item::resubmit`]) rather than a conflict.
    pub ownership_change: bool,
    pub text: ContentText,
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
    pub verdict: Verdict,
    /// What Warden does: the policy's action mapped through the community's action table.
    pub action: Action,
    /// Labels applied when `action` is `label`.
    pub labels: Vec<String>,
    pub actor: KeyId,
    pub at: Timestamp,
}

impl Submission {
    fn revision(&self, revision: u32, subject: SubjectId) -> Revision {
        Revision {
            revision,
            subject: Some(subject),
            text: Personal::Plain(self.text.clone()),
            context: self.context.clone().map(Personal::Plain),
            verdict: self.verdict.clone(),
            action: self.action,
            submitted_at: self.at,
            submitted_by: self.actor.clone(),
        }
    }
}

/// What the store did with a submission.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub item: Item,
    /// `false` when the same text was already the current revision: nothing changed.
    pub changed: bool,
}

impl Item {
    /// A new item from its first submission, by `subject`, whose text has the keyed
    /// digest `digest`.
    pub fn create(
        sub: &Submission,
        subject: SubjectId,
        digest: String,
    ) -> (Item, Revision, Vec<Event>) {
        let mut item = Item {
            id: sub.new_id,
            community: sub.community.clone(),
            content_id: sub.content_id.clone(),
            subject: Some(subject),
            author_id: Personal::Plain(sub.author_id.clone()),
            revision: 0,
            text_digest: None,
            verdict: sub.verdict.clone(),
            action: sub.action,
            status: Status::Pending,
            queue: None,
            enqueued_at: None,
            priority: 0,
            lease: None,
            outcome: None,
            labels: Vec::new(),
            appeal: None,
            created_at: sub.at,
            updated_at: sub.at,
            submitted_at: sub.at,
            text_due_at: None,
            text_removed: None,
            last_seq: 0,
            undo: None,
            reports: Vec::new(),
            first_claimed_at: None,
        };
        let (revision, events) = item.revise(sub, subject, digest);
        (item, revision, events)
    }

    /// Whether the current revision's text has this keyed digest (by the same author).
    pub fn is_current_text(&self, subject: &SubjectId, digest: &str) -> bool {
        self.subject.as_ref() == Some(subject) && self.text_digest.as_deref() == Some(digest)
    }

    /// A new revision: re-scored text enters the lifecycle from the start.
    pub fn revise(
        &mut self,
        sub: &Submission,
        subject: SubjectId,
        digest: String,
    ) -> (Revision, Vec<Event>) {
        self.revision += 1;
        self.text_digest = Some(digest);
        self.subject = Some(subject);
        self.author_id = Personal::Plain(sub.author_id.clone());
        self.submitted_at = sub.at;
        self.text_due_at = None;
        self.text_removed = None;
        self.verdict = sub.verdict.clone();
        self.action = sub.action;
        self.lease = None;
        self.appeal = None;
        self.labels = Vec::new();
        self.outcome = None;
        self.undo = None;
        self.updated_at = sub.at;
        let outcome = match sub.action {
            Action::Allow => Some(Outcome::Allow),
            Action::Label => Some(Outcome::Label),
            Action::Remove => Some(Outcome::Remove),
            Action::Review => None,
        };
        let mut events = Vec::with_capacity(2);
        match outcome {
            None => {
                self.enqueue(QueueName::Review, sub.at);
                self.priority = queue::base_priority(&sub.verdict);
                events.push(Event::submitted(
                    &sub.actor,
                    sub.at,
                    self.revision,
                    sub.verdict.action,
                    sub.action,
                    Some(QueueName::Review),
                ));
            }
            Some(outcome) => {
                self.settle(outcome, sub.labels.clone());
                events.push(Event::submitted(
                    &sub.actor,
                    sub.at,
                    self.revision,
                    sub.verdict.action,
                    sub.action,
                    None,
                ));
                events.push(Event::auto_decided(
                    sub.at,
                    outcome,
                    sub.labels.clone(),
                    &sub.verdict,
                ));
            }
        }
        (sub.revision(self.revision, subject), events)
    }

    fn enqueue(&mut self, queue: QueueName, at: Timestamp) {
        self.status = Status::Pending;
        self.queue = Some(queue);
        self.enqueued_at = Some(at);
        self.lease = None;
        self.first_claimed_at = None;
    }

    fn settle(&mut self, outcome: Outcome, labels: Vec<String>) {
        self.status = Status::Decided;
        self.queue = None;
        self.enqueued_at = None;
        self.lease = None;
        self.outcome = Some(outcome);
        self.labels = labels;
    }

    fn pending_queue(&self) -> Result<QueueName, Failure> {
        match (self.status, self.queue) {
            (Status::Pending, Some(q)) => Ok(q),
            _ => Err(Failure::invalid_state("the item is not in a queue")),
        }
    }

    /// Leases the item to `holder` until `expires_at`, if it is waiting in `queue`.
    pub fn claim(
        &mut self,
        queue: QueueName,
        holder: &KeyId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Vec<Event>, Failure> {
        if self.pending_queue()? != queue {
            return Err(Failure::invalid_state("the item is in another queue"));
        }
        let mut events = Vec::with_capacity(2);
        if let Some(lease) = &self.lease {
            if lease.expires_at > now {
                return Err(Failure::lease_conflict("the item is leased"));
            }
            events.push(Event::expired(now, queue));
        }
        self.lease = Some(Lease {
            holder: holder.clone(),
            expires_at,
        });
        self.first_claimed_at.get_or_insert(now);
        self.updated_at = now;
        events.push(Event::claimed(holder, now, expires_at));
        Ok(events)
    }

    /// Gives a lease back before it expires (the holder, or an admin).
    pub fn release(
        &mut self,
        actor: &KeyId,
        admin: bool,
        now: Timestamp,
    ) -> Result<Vec<Event>, Failure> {
        let queue = self.pending_queue()?;
        match &self.lease {
            None => return Err(Failure::lease_conflict("the item is not leased")),
            Some(l) if l.holder != *actor && !admin => {
                return Err(Failure::lease_conflict(
                    "the item is leased by another moderator",
                ))
            }
            // As with a decision: a lease that ran out is no longer the caller's to give
            // back (the item is already claimable), and recording a `released` event
            // would misstate who had it.
            Some(l) if l.expires_at <= now && !admin => {
                return Err(Failure::lease_conflict(
                    "your lease has expired: claim the item again",
                ))
            }
            Some(_) => {}
        }
        self.lease = None;
        self.updated_at = now;
        Ok(vec![Event::released(actor, now, queue)])
    }

    /// Returns the item to its queue if its lease has run out.
    pub fn expire(&mut self, now: Timestamp) -> Result<Vec<Event>, Failure> {
        let queue = self.pending_queue()?;
        match &self.lease {
            Some(l) if l.expires_at <= now => {}
            _ => return Err(Failure::invalid_state("no expired lease")),
        }
        self.lease = None;
        self.updated_at = now;
        Ok(vec![Event::expired(now, queue)])
    }

    /// A moderator's decision: only the lease holder, or an admin, may decide.
    pub fn decide(
        &mut self,
        actor: &KeyId,
        admin: bool,
        action: DecisionAction,
        remarks: &Remarks,
        now: Timestamp,
    ) -> Result<Vec<Event>, Failure> {
        let queue = self.pending_queue()?;
        // Only a decision made under the decider's own live lease can be undone: the
        // undo returns that lease.
        let own_lease = self
            .lease
            .as_ref()
            .filter(|l| l.holder == *actor && l.expires_at > now)
            .map(|l| l.expires_at);
        match &self.lease {
            Some(l) if l.holder == *actor && l.expires_at > now => {}
            _ if admin => {}
            Some(l) if l.holder == *actor => {
                return Err(Failure::lease_conflict(
                    "your lease has expired: claim the item again",
                ))
            }
            Some(l) if l.expires_at > now => {
                return Err(Failure::lease_conflict(
                    "the item is leased by another moderator",
                ))
            }
            _ => return Err(Failure::lease_conflict("claim the item before deciding it")),
        }
        if action == DecisionAction::Label && remarks.labels.is_empty() {
            return Err(Failure::unprocessable(
                "`labels` must name at least one label when the action is `label`",
            ));
        }
        if action == DecisionAction::Escalate && queue == QueueName::Escalated {
            return Err(Failure::invalid_state("the item is already escalated"));
        }
        let appeal_pending = self.appeal.as_ref().is_some_and(|a| a.result.is_none());
        self.undo = match (own_lease, self.enqueued_at) {
            (Some(until), Some(enqueued_at)) => Some(UndoPoint {
                by: actor.clone(),
                // The decision's event is the next one; `report_resolved` events may
                // follow it (set below).
                seq: self.last_seq + 1,
                until,
                action,
                queue,
                enqueued_at,
                outcome: self.outcome,
                labels: self.labels.clone(),
                settled_appeal: appeal_pending,
                reports_resolved: 0,
            }),
            _ => None,
        };
        self.updated_at = now;
        let Some(outcome) = action.outcome() else {
            self.enqueue(QueueName::Escalated, now);
            return Ok(vec![Event::escalated(actor, now, remarks)]);
        };
        let labels = if outcome == Outcome::Label {
            remarks.labels.clone()
        } else {
            Vec::new()
        };
        let event = match (appeal_pending, self.outcome) {
            (true, Some(previous)) if previous != outcome => {
                Event::reversed(actor, now, action, previous, outcome, remarks)
            }
            (true, _) => Event::decided(
                actor,
                now,
                action,
                outcome,
                Some(AppealResult::Upheld),
                remarks,
            ),
            (false, _) => Event::decided(actor, now, action, outcome, None, remarks),
        };
        if let Some(appeal) = self.appeal.as_mut().filter(|_| appeal_pending) {
            appeal.result = Some(event.appeal.unwrap_or(AppealResult::Upheld));
        }
        self.settle(outcome, labels);
        let decision_seq = self.last_seq + 1;
        let mut events = vec![event];
        events.extend(self.resolve_reports(actor, now, decision_seq));
        // The undo point names the step's last event: any later one ends the chance.
        if let Some(undo) = &mut self.undo {
            undo.seq = self.last_seq + events.len() as u64;
            undo.reports_resolved = (events.len() - 1) as u32;
        }
        Ok(events)
    }

    /// Until when `actor` may still undo the last decision at `now`, if they may.
    pub fn undo_until(&self, actor: &KeyId, now: Timestamp) -> Option<Timestamp> {
        self.undo
            .as_ref()
            .filter(|u| u.by == *actor && u.seq == self.last_seq && u.until > now)
            .map(|u| u.until)
    }

    /// Takes back the last decision (see the module docs): only its maker, only while
    /// the lease it was made under would still have been running, only if nothing
    /// happened to the item since.
    pub fn undo(&mut self, actor: &KeyId, now: Timestamp) -> Result<Vec<Event>, Failure> {
        let Some(point) = self.undo.clone().filter(|u| u.seq == self.last_seq) else {
            return Err(Failure::invalid_state(
                "nothing to undo: the item's last event is not a decision made under a lease",
            ));
        };
        if point.by != *actor {
            return Err(Failure::lease_conflict(
                "only the moderator who made the decision may undo it",
            ));
        }
        if point.until <= now {
            return Err(Failure::lease_conflict(
                "the lease the decision was made under has run out: it can no longer be undone",
            ));
        }
        let undone_outcome = if self.status == Status::Decided {
            self.outcome
        } else {
            None
        };
        self.status = Status::Pending;
        self.queue = Some(point.queue);
        self.enqueued_at = Some(point.enqueued_at);
        self.lease = Some(Lease {
            holder: actor.clone(),
            expires_at: point.until,
        });
        self.outcome = point.outcome;
        self.labels = point.labels;
        if let Some(appeal) = self.appeal.as_mut().filter(|_| point.settled_appeal) {
            appeal.result = None;
        }
        self.reopen_reports(point.seq - u64::from(point.reports_resolved));
        self.undo = None;
        self.updated_at = now;
        Ok(vec![Event::undone(
            actor,
            now,
            point.action,
            undone_outcome,
            point.queue,
            point.until,
            point.outcome,
        )])
    }

    /// The author contests a `label` or `remove` outcome; once per revision.
    pub fn appeal(
        &mut self,
        actor: &KeyId,
        statement: String,
        now: Timestamp,
    ) -> Result<Vec<Event>, Failure> {
        if self.status != Status::Decided {
            return Err(Failure::invalid_state(
                "only a decided item can be appealed",
            ));
        }
        if !matches!(self.outcome, Some(Outcome::Label | Outcome::Remove)) {
            return Err(Failure::invalid_state(
                "only a labeled or removed item can be appealed",
            ));
        }
        if self.appeal.is_some() {
            return Err(Failure::invalid_state(
                "this revision has already been appealed",
            ));
        }
        self.appeal = Some(Appeal {
            statement: Personal::Plain(statement),
            at: now,
            by: actor.clone(),
            result: None,
        });
        self.status = Status::Pending;
        self.queue = Some(QueueName::Appeals);
        self.enqueued_at = Some(now);
        self.first_claimed_at = None;
        self.updated_at = now;
        Ok(vec![Event::appealed(actor, now)])
    }

    /// One item of a bulk operation (see `bulk`): a waiting item is decided as if the
    /// caller held its lease, unless another moderator's lease is running and the caller
    /// is not an admin; a decided item gets the new outcome, in a `decided` event that
    /// names the previous one. No events when the item already has the outcome (and
    /// labels). Every event carries `bulk`; none can be undone with `undo`.
    pub fn bulk_decide(
        &mut self,
        actor: &KeyId,
        admin: bool,
        action: DecisionAction,
        remarks: &Remarks,
        bulk: &BulkId,
        now: Timestamp,
    ) -> Result<Vec<Event>, Failure> {
        let mut events = match self.status {
            Status::Pending => {
                if let Some(l) = &self.lease {
                    if l.holder != *actor && l.expires_at > now && !admin {
                        return Err(Failure::lease_conflict(
                            "the item is leased by another moderator",
                        ));
                    }
                }
                let events = self.decide(actor, true, action, remarks, now)?;
                self.undo = None;
                events
            }
            Status::Decided => {
                let Some(outcome) = action.outcome() else {
                    return Err(Failure::invalid_state(
                        "only a waiting item can be escalated",
                    ));
                };
                let labels = if outcome == Outcome::Label {
                    remarks.labels.clone()
                } else {
                    Vec::new()
                };
                if self.outcome == Some(outcome) && self.labels == labels {
                    return Ok(Vec::new());
                }
                if action == DecisionAction::Label && labels.is_empty() {
                    return Err(Failure::unprocessable(
                        "`labels` must name at least one label when the action is `label`",
                    ));
                }
                let previous = self.outcome;
                self.undo = None;
                self.updated_at = now;
                self.settle(outcome, labels);
                let mut event = Event::decided(actor, now, action, outcome, None, remarks);
                event.previous_outcome = previous;
                vec![event]
            }
        };
        for e in &mut events {
            e.bulk_id = Some(bulk.clone());
        }
        Ok(events)
    }
}

/// Whether a failure only means "someone else changed this item first".
pub(crate) fn is_lost_race(f: &Failure) -> bool {
    matches!(f.code(), Code::InvalidState | Code::LeaseConflict)
}

#[cfg(test)]
mod tests;
