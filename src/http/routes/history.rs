//! An author's record in a community, for the moderator deciding one of their items:
//! the decisions on the author's other items there, newest first.
//!
//! "The author" is the item's subject (see `privacy`): the pseudonym of an author within
//! one community, so a record never crosses communities. An erased author has no subject
//! and so no record, and their items no longer count towards anyone's.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::Auditor;
use crate::clock::Timestamp;
use crate::domain::event::{Actor, Event, EventKind};
use crate::domain::item::{AppealResult, DecisionAction, Outcome};
use crate::domain::privacy::redact;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::routes::items::{item_id, visible};
use crate::http::{blocking, AppState};
use crate::ids::{ContentId, ItemId};
use crate::verdict::Category;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
/// Items of one author examined at most; past that the answer says `truncated`.
const MAX_ITEMS: usize = 500;

/// One decision on another item of the same author.
#[derive(Debug, Serialize)]
struct PriorDecision {
    item_id: ItemId,
    content_id: ContentId,
    /// `auto_decided`, `decided` or `reversed`.
    kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<DecisionAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appeal: Option<AppealResult>,
    actor: Actor,
    at: Timestamp,
    /// The moderator's reason, personal data masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<String>,
    /// The strongest harm category of the item's current verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<Category>,
}

#[derive(Debug, Serialize)]
struct History {
    item_id: ItemId,
    /// Decisions by outcome, over every decision found (not only those listed).
    counts: BTreeMap<&'static str, u64>,
    decisions: Vec<PriorDecision>,
    /// More items of the author exist than one answer examines.
    truncated: bool,
}

/// The decisions in one item's history that still stand as decisions: an `undone`
/// event takes back the decision before it.
fn decisions_of(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        match e.kind {
            EventKind::AutoDecided | EventKind::Decided | EventKind::Reversed => out.push(e),
            // An undone escalation took back no outcome.
            EventKind::Undone if e.previous_outcome.is_some() => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// `GET /v1/items/{id}/author-history?limit=`: prior decisions on the same author's other
/// items in the item's community (admins and moderators in scope).
pub async fn author_history(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let mut params = QueryParams::parse(&req)?;
    let limit: u32 = params.take("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    params.finish()?;
    let s = state.clone();
    let history = blocking(move || {
        let item = visible(&s, &auth, &id)?;
        let mut history = History {
            item_id: id,
            counts: BTreeMap::new(),
            decisions: Vec::new(),
            truncated: false,
        };
        let Some(subject) = item.subject else {
            return Ok(history);
        };
        let mut others = s.store.items_of_subject(&subject, MAX_ITEMS + 1)?;
        history.truncated = others.len() > MAX_ITEMS;
        others.truncate(MAX_ITEMS);
        for other in others.into_iter().filter(|o| *o != id) {
            let Some(other) = s.store.item(&other)? else {
                continue;
            };
            // The index lists items that hold any of the author's data; count only those
            // whose current revision is theirs.
            if other.subject != Some(subject) || other.community != item.community {
                continue;
            }
            let category = other.verdict.top_category();
            for e in decisions_of(s.store.events(&other.id)?) {
                if let Some(outcome) = e.outcome {
                    *history.counts.entry(outcome.as_str()).or_default() += 1;
                }
                history.decisions.push(PriorDecision {
                    item_id: other.id,
                    content_id: other.content_id.clone(),
                    kind: e.kind,
                    action: e.action,
                    outcome: e.outcome,
                    previous_outcome: e.previous_outcome,
                    appeal: e.appeal,
                    actor: e.actor,
                    at: e.at,
                    reason: e.reason.as_deref().map(redact::mask),
                    labels: e.labels,
                    category,
                });
            }
        }
        history
            .decisions
            .sort_by(|a, b| b.at.cmp(&a.at).then(a.item_id.cmp(&b.item_id)));
        history.decisions.truncate(limit as usize);
        Ok(history)
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::Remarks;
    use crate::domain::item::QueueName;
    use crate::ids::KeyId;

    #[test]
    fn an_undone_decision_is_not_part_of_the_record() {
        let key = KeyId::random();
        let t = Timestamp::from_millis(1_000);
        let remarks = Remarks {
            reason: "r".into(),
            ..Remarks::default()
        };
        let decided =
            |outcome| Event::decided(&key, t, DecisionAction::Remove, outcome, None, &remarks);
        let undone = Event::undone(
            &key,
            t,
            DecisionAction::Remove,
            Some(Outcome::Remove),
            QueueName::Review,
            t,
            None,
        );
        let escalated = Event::escalated(&key, t, &remarks);
        let undone_escalation = Event::undone(
            &key,
            t,
            DecisionAction::Escalate,
            None,
            QueueName::Review,
            t,
            None,
        );
        let kept = decisions_of(vec![
            decided(Outcome::Allow),
            escalated,
            undone_escalation,
            decided(Outcome::Remove),
            undone,
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].outcome, Some(Outcome::Allow));
    }
}
