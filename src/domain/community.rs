//! Per-community rules: the policy (thresholds per category, and what Warden does for each
//! action the policy picks) and the custom wordlist (block and allow terms), with an
//! in-memory cache of the compiled rules so a change is effective on the next request.
//!
//! A community that never set anything uses the engine's default policy and wordlists.
//!
//! # What each action does
//!
//! The policy turns scores into one of `allow`, `label`, `review`, `remove`; the action
//! table (`actions` in the policy document) says what Warden then does with the item, by
//! default the same thing:
//!
//! * `remove`, `label`, `allow`: decided automatically (event `auto_decided`), the item
//!   never enters a queue (it can still be appealed if labeled or removed);
//! * `review`: into the `review` queue for a human.
//!
//! Mapping `remove` to `review` makes every removal wait for a human; mapping `allow` to
//! `review` pre-moderates everything.
//!
//! The policy also says how long text is kept after a final decision (`retention_days`,
//! default 30) and which suppression rules decisions lead to (`suppression`, see
//! `suppress`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::notice::ReportPolicy;
use crate::domain::suppress::SuppressionPolicy;
use crate::engine::Engine;
use crate::failure::Failure;
use crate::patterns::{MatchMode, PatternSet, Term};
use crate::policy::{Guards, Policy, Thresholds};
use crate::verdict::{Action, Category, Severity, Source, Verdict};

/// What Warden does for each action the policy can pick.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActionMap {
    pub allow: Action,
    pub label: Action,
    pub review: Action,
    pub remove: Action,
}

impl Default for ActionMap {
    fn default() -> ActionMap {
        ActionMap {
            allow: Action::Allow,
            label: Action::Label,
            review: Action::Review,
            remove: Action::Remove,
        }
    }
}

impl ActionMap {
    pub fn apply(&self, action: Action) -> Action {
        match action {
            Action::Allow => self.allow,
            Action::Label => self.label,
            Action::Review => self.review,
            Action::Remove => self.remove,
        }
    }
}

/// A community's policy document (`GET`/`PUT /v1/communities/{id}/policy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityPolicy {
    /// Thresholds by category (each 0..1, ordered `label` ≤ `review` ≤ `remove`), as in a
    /// [`Policy`]; a category not listed is never acted on.
    pub thresholds: BTreeMap<Category, Thresholds>,
    #[serde(default)]
    pub actions: ActionMap,
    /// Days a text is kept after its final decision; then only the verdict, the decision
    /// and the event metadata remain. 0 drops it at the next retention sweep. Applies to
    /// decisions made after the change.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Which suppression rules decisions lead to; an empty list turns a derivation off.
    #[serde(default)]
    pub suppression: SuppressionPolicy,
    /// The engine's safety nets (the identity guard is on by default), as in a [`Policy`].
    #[serde(default)]
    pub guards: Guards,
    /// User reports: routing threshold and per-reporter rate limit (see `notice`).
    /// Shown only once set: a policy document read back is the one written.
    #[serde(default, skip_serializing_if = "ReportPolicy::is_default")]
    pub reports: ReportPolicy,
}

/// Text is kept 30 days after the final decision unless the community says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

fn default_retention_days() -> u32 {
    DEFAULT_RETENTION_DAYS
}

impl Default for CommunityPolicy {
    fn default() -> CommunityPolicy {
        CommunityPolicy::from_policy(Policy::default())
    }
}

impl CommunityPolicy {
    pub fn from_policy(policy: Policy) -> CommunityPolicy {
        CommunityPolicy {
            thresholds: policy.thresholds,
            actions: ActionMap::default(),
            retention_days: DEFAULT_RETENTION_DAYS,
            suppression: SuppressionPolicy::default(),
            guards: policy.guards,
            reports: ReportPolicy::default(),
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            thresholds: self.thresholds.clone(),
            guards: self.guards,
        }
    }

    /// Thresholds in 0..=1 and ordered, as [`Policy::validate`] checks.
    pub fn validate(&self) -> Result<(), Failure> {
        self.policy()
            .validate()
            .map_err(|e| Failure::unprocessable(e.to_string()))?;
        if self.retention_days > 36_500 {
            return Err(Failure::unprocessable(
                "`retention_days` must be at most 36500",
            ));
        }
        self.reports.validate()?;
        self.suppression.validate()
    }

    /// The labels an automatic `label` carries: the categories whose score reached one
    /// of their thresholds.
    pub fn labels_for(&self, verdict: &Verdict) -> Vec<String> {
        self.thresholds
            .iter()
            .filter(|(c, t)| {
                let score = verdict.category(**c);
                [t.label, t.review, t.remove]
                    .into_iter()
                    .flatten()
                    .any(|threshold| score >= threshold)
            })
            .map(|(c, _)| c.to_string())
            .collect()
    }
}

/// A custom block term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockTerm {
    pub text: String,
    pub category: Category,
    pub severity: Severity,
    #[serde(default)]
    pub mode: MatchMode,
}

/// A community's own terms (`PUT /v1/communities/{id}/wordlist`), on top of the shipped
/// lists: `block` adds terms, `allow` protects words that contain a listed term.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityWordlist {
    #[serde(default)]
    pub block: Vec<BlockTerm>,
    #[serde(default)]
    pub allow: Vec<String>,
}

/// Limits that keep a wordlist cheap to compile.
const MAX_TERMS: usize = 10_000;
const MAX_TERM_CHARS: usize = 100;

impl CommunityWordlist {
    pub fn validate(&self) -> Result<(), Failure> {
        if self.block.len() > MAX_TERMS || self.allow.len() > MAX_TERMS {
            return Err(Failure::unprocessable(format!(
                "at most {MAX_TERMS} block and {MAX_TERMS} allow terms"
            )));
        }
        let check = |field: String, text: &str| {
            let n = text.trim().chars().count();
            if n == 0 || n > MAX_TERM_CHARS || text.chars().any(char::is_control) {
                return Err(Failure::unprocessable(format!(
                    "`{field}` must be 1 to {MAX_TERM_CHARS} characters without control characters"
                )));
            }
            Ok(())
        };
        for (i, term) in self.block.iter().enumerate() {
            check(format!("block[{i}].text"), &term.text)?;
            if matches!(term.category, Category::Pii | Category::Toxicity) {
                return Err(Failure::unprocessable(format!(
                    "`block[{i}].category`: `{}` cannot come from a wordlist",
                    term.category
                )));
            }
        }
        for (i, word) in self.allow.iter().enumerate() {
            check(format!("allow[{i}]"), word)?;
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.block.is_empty() && self.allow.is_empty()
    }

    pub(crate) fn terms(&self) -> Vec<Term> {
        self.block
            .iter()
            .map(|t| Term {
                text: t.text.trim().to_string(),
                category: t.category,
                severity: t.severity,
                mode: t.mode,
                lang: "custom".to_string(),
                source: Source::Custom,
            })
            .collect()
    }

    pub(crate) fn allow_words(&self) -> Vec<String> {
        self.allow.iter().map(|w| w.trim().to_string()).collect()
    }
}

/// A community's compiled rules.
pub struct Rules {
    pub policy: CommunityPolicy,
    pub(crate) compiled: Policy,
    /// `None`: the engine's own patterns (and then `policy` is the engine's too).
    pub(crate) patterns: Option<Arc<PatternSet>>,
}

impl Rules {
    /// Scores `text` under these rules. CPU-bound: call it off the async executor.
    pub fn score(&self, engine: &Engine, text: &str) -> Verdict {
        match &self.patterns {
            Some(patterns) => engine.score_with(text, patterns, &self.compiled),
            None => engine.score(text),
        }
    }

    /// Scores several texts under these rules, in order. The one place to hand the engine
    /// a batch (the classifier's batch entry point goes here).
    pub fn score_all(&self, engine: &Engine, texts: &[&str]) -> Vec<Verdict> {
        match &self.patterns {
            Some(patterns) => engine.score_batch_with(texts, patterns, &self.compiled),
            None => engine.score_batch(texts),
        }
    }

    /// [`score_all`](Self::score_all), the classifier reading text `i` in at most
    /// `windows[i]` windows (see [`Engine::score_batch_limited`]).
    pub fn score_all_limited(
        &self,
        engine: &Engine,
        texts: &[&str],
        windows: &[usize],
    ) -> Vec<Verdict> {
        let patterns = self.patterns.as_deref();
        let patterns = patterns.unwrap_or_else(|| engine.patterns());
        engine.score_batch_limited(texts, patterns, &self.compiled, windows)
    }

    /// What Warden does with content given its verdict, and the labels if it labels.
    pub fn action_for(&self, verdict: &Verdict) -> (Action, Vec<String>) {
        let action = self.policy.actions.apply(verdict.action);
        let labels = if action == Action::Label {
            self.policy.labels_for(verdict)
        } else {
            Vec::new()
        };
        (action, labels)
    }
}
