//! Reports over many items: an author's record in a community (for the moderator
//! deciding one of their items), statements of reasons (DSA Art. 17) and transparency
//! reports, built from decision records that hold no personal data.
//!
//! "The author" is an item's subject (see `domain::privacy`): the pseudonym of an author
//! within one community, so a record never crosses communities. An erased author has no
//! subject and so no record, and their items no longer count towards anyone's.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::event::{Actor, Event, EventKind};
use crate::domain::item::{AppealResult, DecisionAction, Outcome};
use crate::domain::privacy::redact;
use crate::domain::transparency::{DecisionCursor, DecisionRecord, Report, Statement};
use crate::failure::Failure;
use crate::ids::{CommunityId, ContentId, ItemId};
use crate::moderation::items::{self, Access};
use crate::store::Store;
use crate::verdict::Category;

/// Items of one author examined at most; past that the answer says `truncated`.
const MAX_ITEMS: usize = 500;

/// One decision on another item of the same author.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriorDecision {
    pub item_id: ItemId,
    pub content_id: ContentId,
    /// `auto_decided`, `decided` or `reversed`.
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<DecisionAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealResult>,
    pub actor: Actor,
    pub at: Timestamp,
    /// The moderator's reason, personal data masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The strongest harm category of the item's current verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorHistory {
    pub item_id: ItemId,
    /// Decisions by outcome, over every decision found (not only those listed).
    pub counts: BTreeMap<&'static str, u64>,
    pub decisions: Vec<PriorDecision>,
    /// More items of the author exist than one answer examines.
    pub truncated: bool,
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

/// The decisions on the other items of `id`'s author in its community, newest first, at
/// most `limit`. Blocking.
pub fn author_history(
    store: &dyn Store,
    id: &ItemId,
    access: &Access<'_>,
    limit: usize,
) -> Result<AuthorHistory, Failure> {
    let item = items::find(store, id, access)?;
    let mut history = AuthorHistory {
        item_id: *id,
        counts: BTreeMap::new(),
        decisions: Vec::new(),
        truncated: false,
    };
    let Some(subject) = item.subject else {
        return Ok(history);
    };
    let mut others = store.items_of_subject(&subject, MAX_ITEMS + 1)?;
    history.truncated = others.len() > MAX_ITEMS;
    others.truncate(MAX_ITEMS);
    for other in others.into_iter().filter(|o| o != id) {
        let Some(other) = store.item(&other)? else {
            continue;
        };
        // The index lists items that hold any of the author's data; count only those
        // whose current revision is theirs.
        if other.subject != Some(subject) || other.community != item.community {
            continue;
        }
        let category = other.verdict.top_category();
        for e in decisions_of(store.events(&other.id)?) {
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
    history.decisions.truncate(limit);
    Ok(history)
}

/// Statements per page of `GET /v1/statements`.
const BATCH: usize = 100;
/// Records one statements page examines at most (the rest resume from the cursor).
const MAX_SCAN: usize = 10_000;

fn sees(communities: Option<&[CommunityId]>, r: &DecisionRecord) -> bool {
    communities.is_none_or(|l| l.contains(&r.community))
}

/// The statement of reasons of the item's latest restrictive decision. Blocking.
pub fn item_statement(
    store: &dyn Store,
    id: &ItemId,
    access: &Access<'_>,
) -> Result<Statement, Failure> {
    items::find(store, id, access)?;
    store
        .item_decisions(id)?
        .iter()
        .rev()
        .find_map(Statement::of)
        .ok_or_else(|| Failure::not_found("statement (no restrictive decision)"))
}

/// Statements of restrictive decisions made in `[from, to)` in `communities` (`None`:
/// all), oldest first, a page after `cursor`, and where the next page starts. Blocking.
pub fn statements(
    store: &dyn Store,
    communities: Option<&[CommunityId]>,
    from: Timestamp,
    to: Timestamp,
    cursor: Option<DecisionCursor>,
) -> Result<(Vec<Statement>, Option<DecisionCursor>), Failure> {
    let mut out = Vec::new();
    let mut after = cursor;
    let mut scanned = 0;
    loop {
        let page = store.decisions(from, to, after, 1000)?;
        let full = page.len() == 1000;
        for (c, record) in page {
            scanned += 1;
            after = Some(c);
            if sees(communities, &record) {
                if let Some(st) = Statement::of(&record) {
                    out.push(st);
                }
            }
            if out.len() == BATCH || scanned == MAX_SCAN {
                return Ok((out, after));
            }
        }
        if !full {
            return Ok((out, None));
        }
    }
}

/// The transparency report of decisions made in `[from, to)` in `communities`. Blocking.
pub fn transparency_report(
    store: &dyn Store,
    communities: Option<&[CommunityId]>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Report, Failure> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let page = store.decisions(from, to, after, 1000)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        records.extend(
            page.into_iter()
                .map(|(_, r)| r)
                .filter(|r| sees(communities, r)),
        );
    }
    Ok(Report::of(&records, from, to, communities))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::Remarks;
    use crate::domain::item::QueueName;
    use crate::domain::item::{DecisionAction, Outcome};
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
