//! Label export (`warden export-labels`, `GET /v1/communities/{id}/labels`): the items
//! moderators decided, with their text, the verdict's scores and the outcome moderators
//! left standing, as JSON lines for retraining the classifier.
//!
//! **This is processing of personal data** (the texts, and moderators' reasons, which
//! may quote them): the operator must have a lawful basis for using them to train a
//! model. What the export keeps to: only items whose text is still held (within the
//! community's retention, never an erased author's: erasure and retention remove the
//! text, and such items are skipped), only the current revision, no author id and no
//! context. Each export writes an audit record (`labels.export`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditActor, AuditRecord};
use crate::domain::event::EventKind;
use crate::domain::item::{Outcome, Status};
use crate::failure::Failure;
use crate::ids::{CommunityId, ContentId, ItemId};
use crate::moderation::calibration::decided_items;
use crate::store::Store;
use crate::verdict::{Action, Category, ModelInfo};

/// One exported item.
#[derive(Debug, Clone, Serialize)]
pub struct LabelRecord {
    pub item_id: ItemId,
    pub community: CommunityId,
    pub content_id: ContentId,
    pub revision: u32,
    pub text: String,
    pub scores: BTreeMap<Category, f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// What Warden did on submission.
    pub engine_action: Action,
    /// The outcome moderators left standing.
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The moderator's reason for that outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub decided_at: Timestamp,
}

/// The community's items moderators decided since `since` whose text is still held,
/// and an audit record of the export by `actor`. Blocking.
pub fn export(
    store: &dyn Store,
    community: &CommunityId,
    since: Timestamp,
    now: Timestamp,
    actor: AuditActor,
) -> Result<Vec<LabelRecord>, Failure> {
    let (ids, _) = decided_items(store, community, since, now)?;
    let mut out = Vec::new();
    for id in ids {
        let Some(item) = store.item(&id)? else {
            continue;
        };
        if item.status != Status::Decided || item.subject.is_none() || item.text_removed.is_some() {
            continue;
        }
        // The standing moderator decision on the current revision: an undo takes back
        // the decision before it.
        let mut standing = Vec::new();
        for e in store.events(&id)? {
            if e.at < item.submitted_at {
                continue;
            }
            match e.kind {
                EventKind::Decided | EventKind::Reversed => standing.push(e),
                EventKind::Undone if e.previous_outcome.is_some() => {
                    standing.pop();
                }
                EventKind::Submitted => standing.clear(),
                _ => {}
            }
        }
        let Some(decision) = standing.pop() else {
            continue;
        };
        let Some(revision) = store.revision(&id, item.revision)? else {
            continue;
        };
        let Some(text) = revision.text.into_plain() else {
            continue;
        };
        let Some(outcome) = item.outcome else {
            continue;
        };
        out.push(LabelRecord {
            item_id: item.id,
            community: item.community.clone(),
            content_id: item.content_id.clone(),
            revision: item.revision,
            text: text.as_str().to_string(),
            scores: item.verdict.categories.clone(),
            model: item.verdict.model.clone(),
            engine_action: item.action,
            outcome,
            labels: item.labels.clone(),
            reason: decision.reason,
            decided_at: decision.at,
        });
    }
    let audit = AuditRecord::new(now, actor, AuditAction::LabelsExport, community.as_str())
        .about(community)
        .detail(format!("{} items decided since {since}", out.len()));
    store.put_audit(&audit)?;
    Ok(out)
}
