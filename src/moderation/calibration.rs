//! The engine's live precision from moderators' decisions, and per-community threshold
//! suggestions (the rules are in `domain::calibration`).
//!
//! The examples are the community's items with a decision record in the window (an
//! automatic decision, a moderator's, an appeal), read with their records; at most
//! [`MAX_ITEMS`] of them, the earliest decided first (`truncated` says so).

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::domain::calibration::{
    precision, suggest_category, CategorySuggestion, Example, PrecisionRow, Targets, MIN_DECISIONS,
};
use crate::domain::community::CommunityPolicy;
use crate::failure::Failure;
use crate::ids::{CommunityId, ItemId};
use crate::policy::Thresholds;
use crate::store::Store;
use crate::verdict::Category;

/// Items one report reads at most.
pub const MAX_ITEMS: usize = 50_000;

/// The community's items decided in `[from, to)`, at most [`MAX_ITEMS`] (and whether
/// there were more). Blocking.
pub fn decided_items(
    store: &dyn Store,
    community: &CommunityId,
    from: Timestamp,
    to: Timestamp,
) -> Result<(Vec<ItemId>, bool), Failure> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut after = None;
    loop {
        let page = store.decisions(from, to, after, 1000)?;
        let full = page.len() == 1000;
        for (cursor, record) in page {
            after = Some(cursor);
            if record.community == *community && seen.insert(record.item_id) {
                if order.len() == MAX_ITEMS {
                    return Ok((order, true));
                }
                order.push(record.item_id);
            }
        }
        if !full {
            return Ok((order, false));
        }
    }
}

/// The examples of the community's items decided in `[from, to)`. Blocking.
pub fn examples(
    store: &dyn Store,
    community: &CommunityId,
    from: Timestamp,
    to: Timestamp,
) -> Result<(Vec<Example>, bool), Failure> {
    let (ids, truncated) = decided_items(store, community, from, to)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(item) = store.item(&id)? else {
            continue;
        };
        out.push(Example::of(&item, &store.item_decisions(&id)?));
    }
    Ok((out, truncated))
}

/// `GET /v1/reports/precision`.
#[derive(Debug, Serialize)]
pub struct PrecisionReport {
    pub community: CommunityId,
    pub from: Timestamp,
    pub to: Timestamp,
    pub items: usize,
    pub truncated: bool,
    pub rows: Vec<PrecisionRow>,
}

/// The precision report of `community` over `[from, to)`. Blocking.
pub fn precision_report(
    store: &dyn Store,
    community: &CommunityId,
    from: Timestamp,
    to: Timestamp,
) -> Result<PrecisionReport, Failure> {
    let (examples, truncated) = examples(store, community, from, to)?;
    Ok(PrecisionReport {
        community: community.clone(),
        from,
        to,
        items: examples.len(),
        truncated,
        rows: precision(&examples),
    })
}

/// `GET /v1/communities/{id}/policy:suggest`.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    /// Name it in the policy `PUT` (`?suggestion_id=`) and the audit log records that
    /// the policy came from this suggestion. A digest of the community and the proposed
    /// thresholds: the same proposal always has the same id.
    pub suggestion_id: String,
    pub community: CommunityId,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Moderator-decided items the suggestion rests on.
    pub decisions: usize,
    pub min_decisions: usize,
    pub truncated: bool,
    pub targets: Targets,
    pub categories: Vec<CategorySuggestion>,
    /// The policy in force with the proposed thresholds: what to `PUT` to apply it.
    pub policy: CommunityPolicy,
}

/// The id of a suggestion of `thresholds` for `community`.
pub fn suggestion_id(
    community: &CommunityId,
    thresholds: &std::collections::BTreeMap<Category, Thresholds>,
) -> String {
    let mut h = Sha256::new();
    h.update(community.as_str().as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(thresholds).unwrap_or_default());
    format!("sug_{}", &hex::encode(h.finalize())[..16])
}

/// Suggests thresholds for `community`, whose policy is `policy`, from the items
/// moderators decided in `[from, to)`; `unprocessable` under [`MIN_DECISIONS`]. Changes
/// nothing. Blocking.
pub fn suggest(
    store: &dyn Store,
    community: &CommunityId,
    policy: &CommunityPolicy,
    targets: Targets,
    from: Timestamp,
    to: Timestamp,
) -> Result<Suggestion, Failure> {
    let (examples, truncated) = examples(store, community, from, to)?;
    let decided: Vec<&Example> = examples.iter().filter(|e| e.human.is_some()).collect();
    if decided.len() < MIN_DECISIONS {
        return Err(Failure::unprocessable(format!(
            "a suggestion needs at least {MIN_DECISIONS} items decided by moderators in the \
             window; community `{community}` has {}",
            decided.len()
        )));
    }
    let mut proposed = policy.clone();
    let mut categories = Vec::new();
    for category in Category::HARM {
        let of: Vec<&Example> = decided
            .iter()
            .copied()
            .filter(|e| e.category == Some(category))
            .collect();
        let current = policy.thresholds.get(&category).copied();
        let s = suggest_category(category, &of, current, targets);
        if let Some(t) = s.proposed.filter(|_| s.proposed != current) {
            proposed.thresholds.insert(category, t);
        }
        categories.push(s);
    }
    Ok(Suggestion {
        suggestion_id: suggestion_id(community, &proposed.thresholds),
        community: community.clone(),
        from,
        to,
        decisions: decided.len(),
        min_decisions: MIN_DECISIONS,
        truncated,
        targets,
        categories,
        policy: proposed,
    })
}
