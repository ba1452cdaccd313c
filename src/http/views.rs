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
use crate::domain::notice::{Report, ReportId, ReportReason, ReporterRecord};
use crate::domain::privacy::{redact, Personal, Removal, SubjectId};
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
    /// User reports on the item (absent when there are none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports: Option<ReportsView>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An item's user reports: counts, and each report with its comment masked like the
/// text (shown when revealed), its reporter's accuracy and trusted mark, never the
/// reporter's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsView {
    pub count: usize,
    pub open: usize,
    /// Open reports by reason.
    pub reasons: BTreeMap<ReportReason, usize>,
    /// The open reports' total weight, in reports of a new reporter (see `notice`).
    pub open_weight: f64,
    pub trusted: bool,
    pub items: Vec<ReportView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub report_id: ReportId,
    pub reason: ReportReason,
    pub revision: u32,
    /// `null` when none was given, or it was dropped (retention, erasure).
    #[schema(required = true)]
    pub comment: Option<String>,
    pub at: Timestamp,
    pub trusted: bool,
    /// The weight the report carried, 0..1 (a trusted flagger's is 1000).
    pub weight: f64,
    /// The reporter's smoothed accuracy now, in this community (`null` once erased).
    #[schema(required = true)]
    pub reporter_accuracy: Option<f64>,
    /// `open`, or how it was resolved.
    #[schema(value_type = String)]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
}

impl ReportsView {
    fn render(
        reports: Vec<Report>,
        reporters: &[(SubjectId, ReporterRecord)],
        show: impl Fn(String) -> String,
    ) -> Option<ReportsView> {
        if reports.is_empty() {
            return None;
        }
        let open: Vec<&Report> = reports.iter().filter(|r| r.is_open()).collect();
        let mut reasons = BTreeMap::new();
        for r in &open {
            *reasons.entry(r.reason).or_insert(0) += 1;
        }
        let weight: u64 = open.iter().map(|r| u64::from(r.weight)).sum();
        let (count, open_count) = (reports.len(), open.len());
        let trusted = open.iter().any(|r| r.trusted);
        let items = reports
            .into_iter()
            .map(|r| {
                let accuracy = r.reporter.map(|s| {
                    reporters
                        .iter()
                        .find(|(k, _)| *k == s)
                        .map_or(ReporterRecord::default().reputation(), |(_, rec)| {
                            rec.reputation()
                        })
                });
                ReportView {
                    report_id: r.id,
                    reason: r.reason,
                    revision: r.revision,
                    comment: r.comment.and_then(Personal::into_plain).map(&show),
                    at: r.at,
                    trusted: r.trusted,
                    weight: f64::from(r.weight) / 1000.0,
                    reporter_accuracy: accuracy.map(|a| (a * 1000.0).round() / 1000.0),
                    status: r.resolution.as_ref().map_or("open", |x| x.outcome.as_str()),
                    resolved_at: r.resolution.map(|x| x.at),
                }
            })
            .collect();
        Some(ReportsView {
            count,
            open: open_count,
            reasons,
            open_weight: weight as f64 / 1000.0,
            trusted,
            items,
        })
    }
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
        let ItemRecord {
            mut item,
            revision,
            reporters,
        } = record;
        let show = |text: String| match pii {
            Pii::Masked => redact::mask(&text),
            Pii::Revealed => text,
        };
        let reports = ReportsView::render(std::mem::take(&mut item.reports), &reporters, show);
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
            reports,
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
