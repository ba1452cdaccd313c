//! The engine: runs the detectors over a text and turns their findings into a [`Verdict`]
//! through a [`Policy`].
//!
//! # How scores combine
//!
//! * A pattern finding scores its category by severity ([`Severity::score`]: low 0.40,
//!   medium 0.75, high 0.95); a category's pattern score is its strongest finding.
//! * The classifier's probability `p` for a category is put on the same scale with the
//!   threshold `t` chosen for it on validation: `0.6·p/t` below `t`, and
//!   `0.6 + 0.4·(p − t)/(1 − t)` from `t` up, so the model's operating point is exactly the
//!   default policy's review threshold and only confident scores reach removal (0.9).
//! * A category's score is the higher of the two, with one exception: profanity and
//!   insult words are context-dependent ("fuck yes, we won!"), so when the classifier
//!   judges the whole text non-toxic (toxicity below its threshold) their pattern score is
//!   capped at the low-severity score — recorded, never acted on by the default policy.
//!   Slurs, threats, sexual terms and self-harm phrases are never discounted: a
//!   high-severity slur raises `identity_attack` whatever the model says.
//! * `toxicity` is the classifier's toxicity score, or the strongest other category
//!   except `self_harm`, whichever is higher.
//! * The classifier's toxic spans are reported as matches with `source: "model"` when it
//!   judges the text toxic.
//! * Special categories of personal data (health, religion, …) are found by their own
//!   list ([`SensitiveSet`](crate::patterns::SensitiveSet)) and reported in `sensitive`: they never score, never match
//!   and never change the action.
//!
//! ```
//! use warden::{Action, Engine};
//!
//! let engine = Engine::builder().build().unwrap();
//! let verdict = engine.score("have a nice day");
//! assert_eq!(verdict.action, Action::Allow);
//! assert!(!verdict.flagged);
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::model::{Classifier, ModelOptions, ModelScores};
use crate::patterns::{PatternSet, Wordlists};
use crate::policy::Policy;
use crate::text::with_normalized;
use crate::verdict::{Action, Category, EngineInfo, Match, Severity, Source, Verdict};

/// On the policy scale, where the classifier's own threshold lands (the default review
/// threshold).
const MODEL_OPERATING_POINT: f32 = 0.6;

/// Scores texts. Cheap to clone; share one across threads.
#[derive(Clone)]
pub struct Engine {
    patterns: Arc<PatternSet>,
    wordlists: Arc<Wordlists>,
    policy: Policy,
    model: Option<Arc<Classifier>>,
}

/// Configures an [`Engine`]. Patterns only unless a model is given.
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    languages: Vec<String>,
    wordlist_dir: Option<PathBuf>,
    policy: Policy,
    model: Option<ModelOptions>,
}

impl Default for EngineBuilder {
    fn default() -> EngineBuilder {
        EngineBuilder {
            languages: vec!["en".to_string()],
            wordlist_dir: None,
            policy: Policy::default(),
            model: None,
        }
    }
}

impl EngineBuilder {
    /// Wordlist languages to load (`en` by default; `all` for every shipped list).
    pub fn languages(mut self, languages: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// Read wordlists from a directory instead of the ones built into the binary.
    pub fn wordlist_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.wordlist_dir = dir;
        self
    }

    /// The policy applied when no community policy is given.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Load a classifier (see [`ModelOptions::shipped`]); `None` for patterns only.
    pub fn model(mut self, model: Option<ModelOptions>) -> Self {
        self.model = model;
        self
    }

    pub fn build(self) -> Result<Engine> {
        self.policy.validate()?;
        let wordlists = match &self.wordlist_dir {
            Some(dir) => Wordlists::from_dir(dir, &self.languages)?,
            None => Wordlists::embedded(&self.languages)?,
        };
        let model = match &self.model {
            Some(options) => Some(Arc::new(Classifier::load(options)?)),
            None => None,
        };
        Ok(Engine {
            patterns: Arc::new(PatternSet::new(&wordlists)),
            wordlists: Arc::new(wordlists),
            policy: self.policy,
            model,
        })
    }
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The loaded wordlists (for building community pattern sets on top of them).
    pub fn wordlists(&self) -> &Wordlists {
        &self.wordlists
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The classifier, when one is loaded.
    pub fn model(&self) -> Option<&Classifier> {
        self.model.as_deref()
    }

    /// Scores `text` with the engine's own patterns and policy.
    pub fn score(&self, text: &str) -> Verdict {
        self.score_with(text, &self.patterns, &self.policy)
    }

    /// Scores `text` with a community's patterns and policy.
    pub fn score_with(&self, text: &str, patterns: &PatternSet, policy: &Policy) -> Verdict {
        self.score_batch_with(&[text], patterns, policy)
            .pop()
            .expect("one verdict per text")
    }

    /// Scores texts together, so the classifier sees them as one batch.
    pub fn score_batch(&self, texts: &[&str]) -> Vec<Verdict> {
        self.score_batch_with(texts, &self.patterns, &self.policy)
    }

    /// [`score_batch`](Self::score_batch) with a community's patterns and policy.
    ///
    /// If the classifier fails, the verdicts are the patterns' alone (without `model`):
    /// moderation keeps working, and the failure is logged.
    pub fn score_batch_with(
        &self,
        texts: &[&str],
        patterns: &PatternSet,
        policy: &Policy,
    ) -> Vec<Verdict> {
        let model_scores = self.model.as_ref().and_then(|model| match model.score_batch(texts) {
            Ok(scores) => Some(scores),
            Err(err) => {
                tracing::error!(code = err.code(), error = %err, "classifier failed; using patterns only");
                None
            }
        });
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let scores = model_scores.as_ref().map(|s| &s[i]);
                // One normalization serves both matchers.
                let (matches, sensitive) =
                    with_normalized(text, |normalized| patterns.find_all_in(text, normalized));
                let mut verdict = self.verdict(matches, scores, policy);
                // Beside the harms, never among them: it changes no score and no action.
                verdict.sensitive = sensitive;
                verdict
            })
            .collect()
    }

    fn verdict(
        &self,
        mut matches: Vec<Match>,
        model: Option<&ModelScores>,
        policy: &Policy,
    ) -> Verdict {
        let mut categories: BTreeMap<Category, f32> =
            Category::HARM.into_iter().map(|c| (c, 0.0)).collect();
        let classifier = self.model.as_deref().filter(|_| model.is_some());
        let calibrated = |category: Category, p: f32| {
            classifier
                .and_then(|c| c.threshold(category))
                .map_or(p, |t| calibrate(p, t))
        };
        let model_toxicity =
            model.and_then(|m| m.probs.iter().find(|(c, _)| *c == Category::Toxicity));
        let judged_non_toxic = model_toxicity
            .is_some_and(|(_, p)| calibrated(Category::Toxicity, *p) < MODEL_OPERATING_POINT);

        for m in matches.iter().filter(|m| m.category != Category::Pii) {
            let mut score = m.severity.score();
            if judged_non_toxic && matches!(m.category, Category::Profanity | Category::Insult) {
                score = score.min(Severity::Low.score());
            }
            bump(&mut categories, m.category, score);
            if m.category != Category::SelfHarm {
                bump(&mut categories, Category::Toxicity, score);
            }
        }
        if let Some(model) = model {
            for &(category, p) in &model.probs {
                bump(&mut categories, category, calibrated(category, p));
            }
            let toxicity = categories.get(&Category::Toxicity).copied().unwrap_or(0.0);
            if !judged_non_toxic {
                matches.extend(model.spans.iter().map(|span| Match {
                    start: span.start,
                    end: span.end,
                    category: Category::Toxicity,
                    severity: Severity::from_score(toxicity),
                    rule: "model:toxic_span".to_string(),
                    source: Source::Model,
                    kind: None,
                    evasions: Vec::new(),
                    score: Some(span.score),
                }));
                matches.sort_by(|a, b| (a.start, b.end).cmp(&(b.start, a.end)));
            }
        }

        let score = categories.values().copied().fold(0.0, f32::max);
        let action = policy.decide(&categories);
        Verdict {
            id: None,
            flagged: action != Action::Allow,
            score,
            categories,
            matches,
            action,
            engine: self.info(),
            model: classifier.map(Classifier::info),
            sensitive: Vec::new(),
        }
    }

    /// Identifies this engine in verdicts.
    pub fn info(&self) -> EngineInfo {
        EngineInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            wordlists: self.patterns.digest().to_string(),
            languages: self.patterns.languages().to_vec(),
        }
    }
}

fn bump(categories: &mut BTreeMap<Category, f32>, category: Category, score: f32) {
    let slot = categories.entry(category).or_insert(0.0);
    *slot = slot.max(score);
}

/// Puts a model probability on the policy scale so that the category's validation
/// threshold lands on [`MODEL_OPERATING_POINT`].
fn calibrate(p: f32, threshold: f32) -> f32 {
    let t = threshold.clamp(1e-3, 1.0 - 1e-3);
    let p = p.clamp(0.0, 1.0);
    if p < t {
        MODEL_OPERATING_POINT * p / t
    } else {
        MODEL_OPERATING_POINT + (1.0 - MODEL_OPERATING_POINT) * (p - t) / (1.0 - t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_maps_threshold_to_operating_point() {
        assert!((calibrate(0.3, 0.3) - 0.6).abs() < 1e-6);
        assert_eq!(calibrate(0.0, 0.3), 0.0);
        assert!((calibrate(1.0, 0.3) - 1.0).abs() < 1e-6);
        assert!(calibrate(0.29, 0.3) < 0.6 && calibrate(0.31, 0.3) > 0.6);
        // Monotone.
        let mut last = -1.0;
        for i in 0..=100 {
            let s = calibrate(i as f32 / 100.0, 0.55);
            assert!(s >= last);
            last = s;
        }
    }
}
