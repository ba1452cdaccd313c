//! Response shapes. The field names here are the contract clients rely on (see the README
//! and `/openapi.json`, which is generated from these types); fields may be added, never
//! renamed. Views render what a service returned; they never read the store.
//!
//! Every answer is a named type, even a one-field wrapper, so the API document describes
//! exactly what the handler writes.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{ApiKey, Role};
use crate::clock::Timestamp;
use crate::domain::event::Event;
use crate::domain::item::{AppealResult, Item, Outcome, QueueName, Status};
use crate::domain::privacy::{redact, Removal};
use crate::domain::queue::priority_at;
use crate::domain::suppress::Rule;
use crate::domain::transparency::Statement;
use crate::ids::{AuthorId, CommunityId, ContentId, ItemId, KeyId};
use crate::moderation::feed::Suppressed;
use crate::moderation::items::ItemRecord;
use crate::verdict::{Action, Verdict};

/// Whether personal data in an item view is masked (the default) or shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pii {
    Masked,
    Revealed,
}

/// An item as moderators and platforms see it: where it is, what it says, its verdict.
/// Emails, phone numbers and other `pii` spans in the text, the context and the appeal
/// statement are masked (`[email]`) unless revealed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Item)]
pub struct ItemView {
    pub item_id: ItemId,
    pub community: CommunityId,
    pub content_id: ContentId,
    /// `null` once the author's data was erased.
    #[schema(required = true)]
    pub author_id: Option<AuthorId>,
    pub revision: u32,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueName>,
    /// What Warden did on submission of this revision.
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Current priority (pending items; see the README's formula).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enqueued_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_holder: Option<KeyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealView>,
    /// Present while the last decision can still be undone (`POST …/undo`): by whom and
    /// until when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<UndoView>,
    /// `null` once retention or an erasure removed it (see `text_removed`).
    #[schema(required = true)]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_removed: Option<Removal>,
    /// As submitted (free-form), personal data masked unless revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
    pub verdict: Verdict,
    pub pii: Pii,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Appeal)]
pub struct AppealView {
    /// The author's statement; `null` once removed.
    #[schema(required = true)]
    pub statement: Option<String>,
    pub at: Timestamp,
    pub by: KeyId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<AppealResult>,
}

/// Who may undo the last decision, and until when.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Undo)]
pub struct UndoView {
    /// The key that decided.
    pub by: KeyId,
    /// When the lease the decision was made under runs out.
    pub until: Timestamp,
}

impl ItemView {
    /// The view of an item as read whole at `now`, personal data masked unless `pii`
    /// says revealed.
    pub fn render(record: ItemRecord, now: Timestamp, pii: Pii) -> ItemView {
        let ItemRecord { item, revision } = record;
        let show = |text: String| match pii {
            Pii::Masked => redact::mask(&text),
            Pii::Revealed => text,
        };
        let context = revision.context.and_then(|c| c.into_plain()).map(|mut c| {
            if pii == Pii::Masked {
                c.values_mut().for_each(redact::mask_json);
            }
            c
        });
        let undo = item.undo.as_ref().and_then(|u| {
            let until = item.undo_until(&u.by, now)?;
            Some(UndoView {
                by: u.by.clone(),
                until,
            })
        });
        let priority = match (item.status, item.enqueued_at) {
            (Status::Pending, Some(since)) => Some(priority_at(item.priority, since, now)),
            _ => None,
        };
        ItemView {
            item_id: item.id,
            community: item.community,
            content_id: item.content_id,
            author_id: item.author_id.into_plain(),
            revision: item.revision,
            status: item.status,
            queue: item.queue,
            action: item.action,
            outcome: item.outcome,
            labels: item.labels,
            priority,
            enqueued_at: item.enqueued_at,
            lease_holder: item.lease.as_ref().map(|l| l.holder.clone()),
            lease_expires_at: item.lease.as_ref().map(|l| l.expires_at),
            appeal: item.appeal.map(|a| AppealView {
                statement: a.statement.into_plain().map(show),
                at: a.at,
                by: a.by,
                result: a.result,
            }),
            undo,
            text: revision.text.into_plain().map(|t| show(t.into())),
            text_removed: item.text_removed,
            context,
            verdict: item.verdict,
            pii,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

/// `POST /v1/content` (and each batch result).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SubmitResult)]
pub struct SubmitView {
    pub item_id: ItemId,
    pub revision: u32,
    /// What Warden did: `allow`, `label`, `remove` (decided) or `review` (queued).
    pub action: Action,
    pub verdict: Verdict,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// `false` when the same text was already stored: nothing changed.
    pub changed: bool,
}

impl SubmitView {
    pub fn new(item: Item, changed: bool) -> SubmitView {
        SubmitView {
            item_id: item.id,
            revision: item.revision,
            action: item.action,
            verdict: item.verdict,
            status: item.status,
            queue: item.queue,
            outcome: item.outcome,
            labels: item.labels,
            changed,
        }
    }
}

/// A key without its hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Key)]
pub struct KeyView {
    pub id: KeyId,
    pub role: Role,
    #[schema(value_type = crate::auth::Scope)]
    pub communities: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// The secret: only in the response that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl KeyView {
    pub fn new(key: &ApiKey, secret: Option<String>) -> KeyView {
        KeyView {
            id: key.id.clone(),
            role: key.role,
            communities: key.scope.to_strings(),
            name: key.name.clone(),
            created_at: key.created_at,
            revoked_at: key.revoked_at,
            key: secret,
        }
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: Alive,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Alive {
    Ok,
}

/// `GET /readyz` when every check passes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    pub status: ReadyStatus,
    /// Each readiness check by name, `true` when it passes.
    pub checks: BTreeMap<&'static str, bool>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadyStatus {
    Ready,
}

/// A page of a queue, or the items a claim leased.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<ItemView>,
    /// The cursor of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/content:batch`: one result per item, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResults {
    pub results: Vec<SubmitView>,
}

/// `GET /v1/items/{id}/events`: the item's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemEvents {
    pub item_id: ItemId,
    pub events: Vec<Event>,
}

/// `GET /v1/items/{id}/suppressions`: the rules the item produced, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRules {
    pub item_id: ItemId,
    pub rules: Vec<Rule>,
}

/// `GET /v1/keys`: keys, never secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

/// `POST /v1/suppressions:check`: the subjects suppressed in the scope asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub suppressed: Vec<Suppressed>,
}

/// `GET /v1/statements`: a batch of statements of reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementPage {
    pub statements: Vec<Statement>,
    /// The cursor of the next batch, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
