//! The engine's live precision, measured by moderators, and threshold suggestions.
//!
//! Every item is a labelled example once moderators have had their say: what the engine
//! did on submission ([`Example::engine`]: allow, label, remove, or review) against the
//! outcome moderators left standing on that revision ([`Example::human`]: a review
//! decision, an appeal's result, a bulk decision; an undone decision no longer counts).
//!
//! # Precision (`GET /v1/reports/precision`)
//!
//! Per category (the item's strongest), engine action and model version:
//!
//! * **automatic `remove` / `label`**: agreed unless moderators later reversed it to
//!   something milder (on appeal, or in a bulk decision). An automatic decision nobody
//!   contested counts as agreed: this is the precision moderators *could* observe, an
//!   upper bound that tightens as more decisions are contested.
//! * **`review`** (review precision): among the items moderators decided, the share they
//!   labelled or removed, i.e. how often sending the item to a human was warranted.
//! * **automatic `allow`**: an item moderators later labelled or removed (a bulk
//!   decision, a report) is a *known miss*; precision is the share not missed.
//!
//! Each estimate comes with a 95 % Wilson score interval ([`wilson`]), which stays
//! inside 0..1 and is honest for small counts.
//!
//! # Threshold suggestions (`GET /v1/communities/{id}/policy:suggest`)
//!
//! [`suggest_category`] works only from items moderators decided, attributing each to its
//! strongest category, and proposes per category:
//!
//! * `remove`: the **lowest** observed score `t` at which, among decided items scoring
//!   `≥ t`, the share moderators removed reaches the precision target (default 0.98)
//!   with at least one removal; none when no score reaches it (removals stay with
//!   moderators). Lowest, because it removes the most while keeping the target.
//! * `review`: the **highest** observed score `t` at which the items scoring `≥ t` still
//!   hold the review-recall target (default 0.95) of everything moderators labelled or
//!   removed; at most `remove`.
//! * `label`: the observed score `t`, at most `review`, at which "scores `≥ t`" best
//!   predicts what moderators labelled or removed, by F1 (the harmonic mean of its
//!   precision and recall over the decided items; the higher `t` on a tie, so fewer
//!   automatic labels). Items from `label` up to `review` are labelled without a human,
//!   so `label` is worth lowering below `review` only when the band catches more
//!   violations than it mislabels; with a high review-recall target it often lands on
//!   `review` itself (no label band). Kept as it is when moderators labelled and removed
//!   nothing, lowered to `review` if above it.
//!
//! With the expected precision, recall and volume at each proposal (for `review`: items
//! that would wait for review; for `label`: items that would be labelled
//! automatically), over the same decided items. A category with fewer than
//! [`MIN_CATEGORY_DECISIONS`] decided items keeps its thresholds; a community with fewer
//! than [`MIN_DECISIONS`] gets no suggestion at all.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::event::EventKind;
use crate::domain::item::{Item, Outcome};
use crate::domain::transparency::DecisionRecord;
use crate::policy::Thresholds;
use crate::verdict::{Action, Category};

/// Moderator-decided items a community needs before Warden suggests thresholds.
pub const MIN_DECISIONS: usize = 50;
/// Moderator-decided items a category needs before its thresholds are proposed.
pub const MIN_CATEGORY_DECISIONS: usize = 20;
/// The normal quantile of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One item as a labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The strongest harm category of the verdict, if any scored.
    pub category: Option<Category>,
    /// Its score (0 without a category).
    pub score: f32,
    /// `name@version` of the classifier, or `patterns` when none scored.
    pub model: String,
    /// What Warden did on submission.
    pub engine: Action,
    /// The outcome moderators left standing, if they decided.
    pub human: Option<Outcome>,
}

impl Example {
    /// The example of `item`'s current revision, from its decision records.
    pub fn of(item: &Item, records: &[DecisionRecord]) -> Example {
        let mut decisions: Vec<Outcome> = Vec::new();
        for r in records
            .iter()
            .filter(|r| r.submitted_at == item.submitted_at && !r.automated)
        {
            match r.kind {
                EventKind::Decided | EventKind::Reversed => decisions.extend(r.outcome),
                EventKind::Undone if r.previous_outcome.is_some() => {
                    decisions.pop();
                }
                _ => {}
            }
        }
        let category = item.verdict.top_category();
        Example {
            category,
            score: category.map_or(0.0, |c| item.verdict.category(c)),
            model: item
                .verdict
                .model
                .as_ref()
                .map_or("patterns".to_string(), |m| {
                    format!("{}@{}", m.name, m.version)
                }),
            engine: item.action,
            human: decisions.last().copied(),
        }
    }

    fn violation(&self) -> bool {
        matches!(self.human, Some(Outcome::Label | Outcome::Remove))
    }

    /// Whether moderators agreed with what the engine did (see the module docs); `None`
    /// when there is nothing to agree with (a review item not decided yet).
    pub fn agreed(&self) -> Option<bool> {
        match (self.engine, self.human) {
            (Action::Review, None) => None,
            (Action::Review, Some(_)) => Some(self.violation()),
            (Action::Remove, h) => Some(matches!(h, None | Some(Outcome::Remove))),
            (Action::Label, h) => Some(!matches!(h, Some(Outcome::Allow))),
            (Action::Allow, _) => Some(!self.violation()),
        }
    }
}

/// A proportion with its 95 % Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// `successes` of `n` with its 95 % Wilson interval; `None` when `n` is 0.
pub fn wilson(successes: u64, n: u64) -> Option<Estimate> {
    if n == 0 {
        return None;
    }
    let (n, p) = (n as f64, successes as f64 / n as f64);
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(Estimate {
        value: p,
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

/// One row of the precision report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrecisionRow {
    /// The strongest category, or `none`.
    pub category: String,
    /// What the engine did.
    pub action: Action,
    pub model: String,
    /// Items the engine did this to.
    pub items: u64,
    /// Of those, items moderators decided.
    pub decided: u64,
    /// Items moderators agreed with (see the module docs).
    pub agreed: u64,
    /// Automatic allows moderators later labelled or removed.
    pub known_misses: u64,
    /// `agreed` over the items it is measured on (for `review`: the decided ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Estimate>,
}

/// The precision report's rows, by category, action and model.
pub fn precision(examples: &[Example]) -> Vec<PrecisionRow> {
    let mut rows: BTreeMap<(String, String, String), PrecisionRow> = BTreeMap::new();
    for e in examples {
        let category = e.category.map_or("none", |c| c.as_str()).to_string();
        let key = (
            category.clone(),
            e.engine.as_str().to_string(),
            e.model.clone(),
        );
        let row = rows.entry(key).or_insert_with(|| PrecisionRow {
            category,
            action: e.engine,
            model: e.model.clone(),
            items: 0,
            decided: 0,
            agreed: 0,
            known_misses: 0,
            precision: None,
        });
        row.items += 1;
        row.decided += u64::from(e.human.is_some());
        row.agreed += u64::from(e.agreed() == Some(true));
        row.known_misses += u64::from(e.engine == Action::Allow && e.violation());
    }
    rows.into_values()
        .map(|mut r| {
            let n = if r.action == Action::Review {
                r.decided
            } else {
                r.items
            };
            r.precision = wilson(r.agreed, n);
            r
        })
        .collect()
}

/// What a suggestion aims for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = SuggestionTargets)]
pub struct Targets {
    /// Share of automatic removals moderators would have removed too.
    pub remove_precision: f64,
    /// Share of what moderators labelled or removed that still reaches review or above.
    pub review_recall: f64,
}

impl Default for Targets {
    fn default() -> Targets {
        Targets {
            remove_precision: 0.98,
            review_recall: 0.95,
        }
    }
}

/// The expected effect of one threshold over the decided items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ExpectedEffect)]
pub struct Expected {
    pub threshold: f32,
    /// Decided items that would get this action (for review: wait in the queue, i.e.
    /// score at or above `review` and below `remove`).
    pub items: u64,
    /// Their share of the category's decided items.
    pub share: f64,
    /// For remove: the share moderators removed; for review and label: the share they
    /// labelled or removed (`null` when no item would get the action).
    #[schema(required = true)]
    pub precision: Option<f64>,
    /// For remove: the share of moderators' removals it catches; for review and label:
    /// the share of their labels and removals at that threshold or above (`null` when
    /// they made none).
    #[schema(required = true)]
    pub recall: Option<f64>,
}

/// The proposal for one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CategorySuggestion {
    pub category: Category,
    /// Decided items it rests on.
    pub decisions: u64,
    pub removals: u64,
    /// Labels and removals.
    pub violations: u64,
    /// The thresholds in force (`null`: the category is not acted on).
    #[schema(required = true)]
    pub current: Option<Thresholds>,
    /// The thresholds proposed: `current`, or `null` as it is, when too few items were
    /// decided (see `note`).
    #[schema(required = true)]
    pub proposed: Option<Thresholds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Expected>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Expected>,
    /// At the proposed `label`: the items labelled automatically (scoring from `label`
    /// up to `review`, or to `remove` without one), the share of them moderators
    /// labelled or removed, and the share of everything they labelled or removed that
    /// scores `label` or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Expected>,
    /// Why nothing (or less) is proposed, when that is so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The proposal for `category` from the decided examples attributed to it (see the
/// module docs); `current` are its thresholds now.
pub fn suggest_category(
    category: Category,
    decided: &[&Example],
    current: Option<Thresholds>,
    targets: Targets,
) -> CategorySuggestion {
    let n = decided.len() as u64;
    let removed = |e: &Example| e.human == Some(Outcome::Remove);
    let removals = decided.iter().filter(|e| removed(e)).count() as u64;
    let violations = decided.iter().filter(|e| e.violation()).count() as u64;
    let mut out = CategorySuggestion {
        category,
        decisions: n,
        removals,
        violations,
        current,
        proposed: current,
        remove: None,
        review: None,
        label: None,
        note: None,
    };
    if decided.len() < MIN_CATEGORY_DECISIONS {
        out.note = Some(format!(
            "fewer than {MIN_CATEGORY_DECISIONS} decided items: thresholds kept"
        ));
        return out;
    }
    let mut scores: Vec<f32> = decided.iter().map(|e| e.score).collect();
    scores.sort_by(f32::total_cmp);
    scores.dedup();
    let at_or_above = |t: f32, pred: &dyn Fn(&Example) -> bool| {
        decided.iter().filter(|e| e.score >= t && pred(e)).count() as u64
    };
    // `self_harm` is never removed automatically unless the community already chose to:
    // a person at risk needs a human (see `policy`).
    let may_remove = category != Category::SelfHarm || current.is_some_and(|c| c.remove.is_some());
    let remove = scores.iter().copied().filter(|_| may_remove).find(|&t| {
        let tp = at_or_above(t, &removed);
        let all = at_or_above(t, &|_| true);
        tp > 0 && tp as f64 >= targets.remove_precision * all as f64
    });
    let review = if violations == 0 {
        current.and_then(|c| c.review)
    } else {
        scores.iter().rev().copied().find(|&t| {
            at_or_above(t, &|e| e.violation()) as f64 >= targets.review_recall * violations as f64
        })
    };
    let review = match (review, remove) {
        (Some(r), Some(m)) if r > m => Some(m),
        (r, _) => r,
    };
    let label = if violations == 0 {
        current.and_then(|c| c.label).map(|l| match review {
            Some(r) if l > r => r,
            _ => l,
        })
    } else {
        best_f1_threshold(&scores, review.or(remove), &|t| {
            let tp = at_or_above(t, &|e| e.violation());
            let flagged = at_or_above(t, &|_| true);
            // F1 = 2·tp / (2·tp + fp + fn) = 2·tp / (flagged + violations).
            2.0 * tp as f64 / (flagged + violations) as f64
        })
    };
    if let Some(t) = remove {
        let items = at_or_above(t, &|_| true);
        let tp = at_or_above(t, &removed);
        out.remove = Some(Expected {
            threshold: t,
            items,
            share: items as f64 / n as f64,
            precision: ratio(tp, items),
            recall: ratio(tp, removals),
        });
    }
    if let Some(t) = review {
        let below_remove = |e: &Example| remove.is_none_or(|m| e.score < m);
        let queued = at_or_above(t, &below_remove);
        let queued_violations = at_or_above(t, &|e| below_remove(e) && e.violation());
        out.review = Some(Expected {
            threshold: t,
            items: queued,
            share: queued as f64 / n as f64,
            precision: ratio(queued_violations, queued),
            recall: ratio(at_or_above(t, &|e| e.violation()), violations),
        });
    }
    if let Some(t) = label {
        let upper = review.or(remove);
        let in_band = |e: &Example| upper.is_none_or(|u| e.score < u);
        let labelled = at_or_above(t, &in_band);
        out.label = Some(Expected {
            threshold: t,
            items: labelled,
            share: labelled as f64 / n as f64,
            precision: ratio(at_or_above(t, &|e| in_band(e) && e.violation()), labelled),
            recall: ratio(at_or_above(t, &|e| e.violation()), violations),
        });
    }
    if remove.is_none() {
        out.note = Some(format!(
            "no score reaches the removal precision target of {}: removals stay with \
             moderators",
            targets.remove_precision
        ));
    }
    out.proposed = Some(Thresholds {
        label,
        review,
        remove,
    });
    out
}

/// The observed score at most `cap` with the highest `f1` (the highest score on a tie);
/// `None` when no score is at most `cap`. `scores` ascend.
fn best_f1_threshold(scores: &[f32], cap: Option<f32>, f1: &dyn Fn(f32) -> f64) -> Option<f32> {
    let mut best: Option<(f32, f64)> = None;
    for &t in scores.iter().filter(|&&t| cap.is_none_or(|c| t <= c)) {
        let value = f1(t);
        if best.is_none_or(|(_, b)| value >= b) {
            best = Some((t, value));
        }
    }
    best.map(|(t, _)| t)
}

#[cfg(test)]
mod tests;
