//! The append-only event log: one [`Event`] per thing that happened to an item, with who
//! did it and when. Events are written in the same atomic write as the state change they
//! describe (see `store`), so an item's state can always be rebuilt from its history
//! (`history::check_history`).
//!
//! Each kind has a named constructor, so the fields a kind carries are decided in one
//! place:
//!
//! ```
//! use warden::clock::Timestamp;
//! use warden::domain::event::{Actor, Event, EventKind};
//! use warden::domain::item::QueueName;
//!
//! let e = Event::expired(Timestamp::from_millis(0), QueueName::Review);
//! assert_eq!(e.kind, EventKind::Expired);
//! assert_eq!(e.actor, Actor::System);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::domain::bulk::BulkId;
use crate::domain::item::{AppealResult, DecisionAction, Outcome, QueueName};
use crate::domain::notice::{ReportId, ReportOutcome, ReportReason};
use crate::ids::KeyId;
use crate::verdict::{Action, Category, EngineInfo, ModelInfo, Verdict};

/// What happened. The names are API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A new item, or a new revision of one (edited text, re-scored).
    Submitted,
    /// The policy decided without a human.
    AutoDecided,
    Claimed,
    Released,
    /// A lease ran out; the item went back to its queue.
    Expired,
    Decided,
    Escalated,
    Appealed,
    /// A decision on an appeal changed the outcome.
    Reversed,
    /// The moderator who made a decision took it back while their lease would still
    /// have been running: the item is leased to them again, as before the decision.
    Undone,
    /// Someone asked to see the personal data redaction hides (`?reveal=pii`).
    PiiRevealed,
    /// A subject's data in the item was erased: the author's (text, context, statement,
    /// author id), or a reporter's (their report's pseudonym and comment).
    Erased,
    /// The community's retention period ran out: the text is gone, the record stays.
    TextExpired,
    /// A re-submission said the content changed hands (`ownership_change`): the revision
    /// in the `submitted` event that follows is another author's. Which authors is not
    /// recorded here (personal data); the revisions keep their own.
    OwnershipChanged,
    /// A user reported the item (see `notice`); `queue` is set when the report sent it
    /// to review.
    Reported,
    /// A report was resolved: `report_outcome` says how.
    ReportResolved,
}

/// Who did it: an API key, or Warden itself (auto-decisions, lease expiry, retention).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    System,
    Key(KeyId),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::System => f.write_str("system"),
            Actor::Key(id) => f.write_str(id.as_str()),
        }
    }
}

impl TryFrom<String> for Actor {
    type Error = String;
    fn try_from(s: String) -> Result<Actor, String> {
        if s == "system" {
            Ok(Actor::System)
        } else {
            Ok(Actor::Key(s.parse()?))
        }
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> String {
        a.to_string()
    }
}

/// One entry of an item's history. Fields other than `seq`, `kind`, `actor` and `at` are
/// present only for the kinds that carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the item's history, from 1, without gaps; assigned by the store.
    pub seq: u64,
    pub kind: EventKind,
    pub actor: Actor,
    pub at: Timestamp,
    /// `submitted`: the revision created; `ownership_changed`: the new author's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// `submitted`: what the policy said; the action Warden took follows in `action_taken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_action: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_taken: Option<Action>,
    /// `decided`, `reversed`, `escalated`: the moderator's action; `undone`: the action
    /// taken back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DecisionAction>,
    /// `auto_decided`, `decided`, `reversed`: the resulting outcome; `undone`: the outcome
    /// in force again (set while an appeal waits, else absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// `reversed`: the outcome before; `undone`: the outcome taken back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_outcome: Option<Outcome>,
    /// `decided` on an appeal: `upheld` (a reversal is its own kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealResult>,
    /// The queue the item entered (`submitted` to review, `escalated`, `appealed`, and
    /// `released`/`expired`/`undone` back to its queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueName>,
    /// `claimed`, `undone`: until when the item is leased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `auto_decided`: the category scores, engine and model behind the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<BTreeMap<Category, f32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// `reported`, `report_resolved`: which report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<ReportId>,
    /// `reported`, `report_resolved`: the report's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_reason: Option<ReportReason>,
    /// `report_resolved`: how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_outcome: Option<ReportOutcome>,
    /// `decided`, `reversed`, `escalated`: the bulk operation the decision was part of
    /// (see `bulk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<BulkId>,
}

/// What a moderator wrote with a decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Remarks {
    pub reason: String,
    pub labels: Vec<String>,
    pub note: Option<String>,
}

impl Event {
    fn base(kind: EventKind, actor: Actor, at: Timestamp) -> Event {
        Event {
            seq: 0,
            kind,
            actor,
            at,
            revision: None,
            policy_action: None,
            action_taken: None,
            action: None,
            outcome: None,
            previous_outcome: None,
            appeal: None,
            queue: None,
            lease_expires_at: None,
            reason: None,
            labels: Vec::new(),
            note: None,
            scores: None,
            engine: None,
            model: None,
            report_id: None,
            report_reason: None,
            report_outcome: None,
            bulk_id: None,
        }
    }

    fn with_remarks(mut self, remarks: &Remarks) -> Event {
        self.reason = Some(remarks.reason.clone());
        self.labels = remarks.labels.clone();
        self.note = remarks.note.clone();
        self
    }

    /// A new item or revision; `queue` is set when it went to human review.
    pub fn submitted(
        actor: &KeyId,
        at: Timestamp,
        revision: u32,
        policy_action: Action,
        action_taken: Action,
        queue: Option<QueueName>,
    ) -> Event {
        Event {
            revision: Some(revision),
            policy_action: Some(policy_action),
            action_taken: Some(action_taken),
            queue,
            ..Event::base(EventKind::Submitted, Actor::Key(actor.clone()), at)
        }
    }

    pub fn auto_decided(
        at: Timestamp,
        outcome: Outcome,
        labels: Vec<String>,
        verdict: &Verdict,
    ) -> Event {
        Event {
            outcome: Some(outcome),
            labels,
            scores: Some(verdict.categories.clone()),
            engine: Some(verdict.engine.clone()),
            model: verdict.model.clone(),
            ..Event::base(EventKind::AutoDecided, Actor::System, at)
        }
    }

    pub fn claimed(actor: &KeyId, at: Timestamp, expires_at: Timestamp) -> Event {
        Event {
            lease_expires_at: Some(expires_at),
            ..Event::base(EventKind::Claimed, Actor::Key(actor.clone()), at)
        }
    }

    pub fn released(actor: &KeyId, at: Timestamp, queue: QueueName) -> Event {
        Event {
            queue: Some(queue),
            ..Event::base(EventKind::Released, Actor::Key(actor.clone()), at)
        }
    }

    pub fn expired(at: Timestamp, queue: QueueName) -> Event {
        Event {
            queue: Some(queue),
            ..Event::base(EventKind::Expired, Actor::System, at)
        }
    }

    pub fn decided(
        actor: &KeyId,
        at: Timestamp,
        action: DecisionAction,
        outcome: Outcome,
        appeal: Option<AppealResult>,
        remarks: &Remarks,
    ) -> Event {
        Event {
            action: Some(action),
            outcome: Some(outcome),
            appeal,
            ..Event::base(EventKind::Decided, Actor::Key(actor.clone()), at)
        }
        .with_remarks(remarks)
    }

    pub fn escalated(actor: &KeyId, at: Timestamp, remarks: &Remarks) -> Event {
        Event {
            action: Some(DecisionAction::Escalate),
            queue: Some(QueueName::Escalated),
            ..Event::base(EventKind::Escalated, Actor::Key(actor.clone()), at)
        }
        .with_remarks(remarks)
    }

    pub fn appealed(actor: &KeyId, at: Timestamp) -> Event {
        Event {
            queue: Some(QueueName::Appeals),
            ..Event::base(EventKind::Appealed, Actor::Key(actor.clone()), at)
        }
    }

    /// `actor` took back their decision `action` (whose outcome was `undone_outcome`,
    /// none for an escalation): the item is back in `queue`, leased to them until
    /// `lease_expires_at`, with `outcome` in force again (an appealed outcome).
    pub fn undone(
        actor: &KeyId,
        at: Timestamp,
        action: DecisionAction,
        undone_outcome: Option<Outcome>,
        queue: QueueName,
        lease_expires_at: Timestamp,
        outcome: Option<Outcome>,
    ) -> Event {
        Event {
            action: Some(action),
            outcome,
            previous_outcome: undone_outcome,
            queue: Some(queue),
            lease_expires_at: Some(lease_expires_at),
            ..Event::base(EventKind::Undone, Actor::Key(actor.clone()), at)
        }
    }

    /// A key looked at the unredacted item.
    pub fn pii_revealed(actor: &KeyId, at: Timestamp) -> Event {
        Event::base(EventKind::PiiRevealed, Actor::Key(actor.clone()), at)
    }

    /// The item's author data was erased at a key's request.
    pub fn erased(actor: &KeyId, at: Timestamp) -> Event {
        Event::base(EventKind::Erased, Actor::Key(actor.clone()), at)
    }

    /// The platform said the content now belongs to another author; `revision` is the
    /// first revision by the new one.
    pub fn ownership_changed(actor: &KeyId, at: Timestamp, revision: u32) -> Event {
        Event {
            revision: Some(revision),
            ..Event::base(EventKind::OwnershipChanged, Actor::Key(actor.clone()), at)
        }
    }

    /// Retention dropped the item's text.
    pub fn text_expired(at: Timestamp) -> Event {
        Event::base(EventKind::TextExpired, Actor::System, at)
    }

    pub fn reversed(
        actor: &KeyId,
        at: Timestamp,
        action: DecisionAction,
        previous: Outcome,
        outcome: Outcome,
        remarks: &Remarks,
    ) -> Event {
        Event {
            action: Some(action),
            outcome: Some(outcome),
            previous_outcome: Some(previous),
            appeal: Some(AppealResult::Reversed),
            ..Event::base(EventKind::Reversed, Actor::Key(actor.clone()), at)
        }
        .with_remarks(remarks)
    }

    /// A user report; `queue` when it sent the item to review. Who reported is not in
    /// the event (personal data): the report holds their pseudonym.
    pub fn reported(
        actor: &KeyId,
        at: Timestamp,
        report: &ReportId,
        reason: ReportReason,
        queue: Option<QueueName>,
    ) -> Event {
        Event {
            report_id: Some(report.clone()),
            report_reason: Some(reason),
            queue,
            ..Event::base(EventKind::Reported, Actor::Key(actor.clone()), at)
        }
    }

    /// A report resolved by `actor` (a decision), or by Warden (`None`).
    pub fn report_resolved(
        actor: Option<&KeyId>,
        at: Timestamp,
        report: &ReportId,
        reason: ReportReason,
        outcome: ReportOutcome,
    ) -> Event {
        let actor = actor.map_or(Actor::System, |k| Actor::Key(k.clone()));
        Event {
            report_id: Some(report.clone()),
            report_reason: Some(reason),
            report_outcome: Some(outcome),
            ..Event::base(EventKind::ReportResolved, actor, at)
        }
    }
}
