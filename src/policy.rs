//! Policy: turns category scores into an action.
//!
//! A policy is data (per-category thresholds), so a community can replace the default
//! without code. The default removes what scores like a high-severity match (≥ 0.9),
//! sends what scores like a medium one (≥ 0.6) to review and allows the rest, except
//! `self_harm`, which is never removed automatically: a person at risk needs a human.
//!
//! ```
//! use std::collections::BTreeMap;
//! use warden::{Action, Category, Policy};
//!
//! let policy = Policy::default();
//! let scores = BTreeMap::from([(Category::Insult, 0.95)]);
//! assert_eq!(policy.decide(&scores), Action::Remove);
//! let scores = BTreeMap::from([(Category::SelfHarm, 0.95)]);
//! assert_eq!(policy.decide(&scores), Action::Review);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::verdict::{Action, Category};

/// Score thresholds for one category; an action applies when the score is at or above
/// its threshold, and the strongest applicable action wins.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub label: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub review: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub remove: Option<f32>,
}

impl Thresholds {
    const DEFAULT: Thresholds = Thresholds {
        label: None,
        review: Some(0.6),
        remove: Some(0.9),
    };

    fn action(&self, score: f32) -> Action {
        let reached = |t: Option<f32>| t.is_some_and(|t| score >= t);
        if reached(self.remove) {
            Action::Remove
        } else if reached(self.review) {
            Action::Review
        } else if reached(self.label) {
            Action::Label
        } else {
            Action::Allow
        }
    }
}

/// Per-category thresholds. See the module docs for the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Thresholds by category; a category not listed is never acted on.
    pub thresholds: BTreeMap<Category, Thresholds>,
    /// The engine's safety nets (all on by default).
    #[serde(default)]
    pub guards: Guards,
}

/// Safety nets the engine applies after the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Guards {
    /// The identity guard: a removal that only the classifier asked for, on a text that
    /// names an identity, becomes `review` when the text without its identity words would
    /// not be acted on (see [`Engine`](crate::Engine)). On by default; turning it off lets
    /// the classifier remove content on its own even where an identity word drove it.
    #[serde(default = "on")]
    pub identity_counterfactual: bool,
    /// The slur guard: a removal carried by a plain (not obfuscated) slur stands only when
    /// the classifier reads the sentence as hostile both as written and with the slur
    /// replaced by a neutral noun; otherwise it becomes `review`, since the word may be a
    /// homonym ("Offa's Dyke") or a reclaimed in-group use, and only a person can tell
    /// (see [`Engine`](crate::Engine)). The slur still scores and is never allowed unseen.
    /// On by default; turning it off removes every high-severity slur automatically,
    /// whatever the sentence around it.
    #[serde(default = "on")]
    pub slur_context: bool,
}

fn on() -> bool {
    true
}

impl Default for Guards {
    fn default() -> Guards {
        Guards {
            identity_counterfactual: true,
            slur_context: true,
        }
    }
}

impl Default for Policy {
    fn default() -> Policy {
        let thresholds = Category::HARM
            .into_iter()
            .map(|c| {
                let t = match c {
                    Category::SelfHarm => Thresholds {
                        remove: None,
                        ..Thresholds::DEFAULT
                    },
                    _ => Thresholds::DEFAULT,
                };
                (c, t)
            })
            .collect();
        Policy {
            thresholds,
            guards: Guards::default(),
        }
    }
}

impl Policy {
    /// The strongest action any category's score calls for.
    pub fn decide(&self, scores: &BTreeMap<Category, f32>) -> Action {
        scores
            .iter()
            .filter_map(|(c, &score)| self.thresholds.get(c).map(|t| t.action(score)))
            .max()
            .unwrap_or(Action::Allow)
    }

    /// Checks that thresholds are in 0..=1 and ordered label ≤ review ≤ remove.
    pub fn validate(&self) -> Result<()> {
        for (category, t) in &self.thresholds {
            let field = |name: &str| format!("thresholds.{category}.{name}");
            let mut previous: Option<(f32, &str)> = None;
            for (name, value) in [
                ("label", t.label),
                ("review", t.review),
                ("remove", t.remove),
            ] {
                let Some(value) = value else { continue };
                if !(0.0..=1.0).contains(&value) {
                    return Err(Error::invalid_field(field(name), "must be between 0 and 1"));
                }
                if let Some((before, before_name)) = previous {
                    if value < before {
                        return Err(Error::invalid_field(
                            field(name),
                            format!("must not be below `{before_name}` ({before})"),
                        ));
                    }
                }
                previous = Some((value, name));
            }
            if *category == Category::Pii {
                return Err(Error::invalid_field(
                    "thresholds.pii",
                    "personal data is never a violation",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Severity;

    macro_rules! t {
        ($name:ident, $scores:expr, $expected:expr) => {
            #[test]
            fn $name() {
                let scores: BTreeMap<Category, f32> = $scores.into_iter().collect();
                assert_eq!(Policy::default().decide(&scores), $expected);
            }
        };
    }

    t!(nothing, [], Action::Allow);
    t!(
        low,
        [(Category::Profanity, Severity::Low.score())],
        Action::Allow
    );
    t!(
        medium,
        [(Category::Profanity, Severity::Medium.score())],
        Action::Review
    );
    t!(
        high,
        [(Category::IdentityAttack, Severity::High.score())],
        Action::Remove
    );
    t!(
        strongest_wins,
        [(Category::Insult, 0.7), (Category::Threat, 0.97)],
        Action::Remove
    );
    t!(
        self_harm_is_reviewed,
        [(Category::SelfHarm, 1.0)],
        Action::Review
    );
    t!(pii_never_acts, [(Category::Pii, 1.0)], Action::Allow);

    #[test]
    fn validation() {
        let mut p = Policy::default();
        assert!(p.validate().is_ok());
        p.thresholds.insert(
            Category::Insult,
            Thresholds {
                label: Some(0.5),
                review: Some(0.4),
                remove: None,
            },
        );
        let err = p.validate().unwrap_err();
        assert_eq!(err.code(), crate::Code::InvalidField);
        assert!(err.to_string().contains("thresholds.insult.review"));
    }

    #[test]
    fn label_threshold() {
        let mut p = Policy::default();
        p.thresholds.insert(
            Category::Sexual,
            Thresholds {
                label: Some(0.3),
                review: None,
                remove: None,
            },
        );
        let scores = BTreeMap::from([(Category::Sexual, 0.5)]);
        assert_eq!(p.decide(&scores), Action::Label);
    }
}
