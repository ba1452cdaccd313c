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
//!   capped at the low-severity score — recorded, never acted on by the default policy —
//!   provided the text has words around them to judge (at least as many letters outside
//!   the matches as inside: a bare "motherfucker" is not discounted). Slurs, threats, sexual terms and self-harm phrases are never discounted: a
//!   high-severity slur raises `identity_attack` whatever the model says.
//! * **Obfuscation is evidence of intent, not of harmlessness.** A match that needed
//!   evasions to be seen ("wh0re", "c u n t", "fuuuuck") is never discounted by the
//!   model, and the model reads the de-obfuscated text: each such match spelled plainly
//!   (its spans are mapped back onto the original). So an obfuscated term never gets a
//!   milder action with the classifier on than with patterns alone.
//! * **An identity word alone is never evidence** (the identity guard, a policy setting
//!   on by default): when a verdict would be `remove`, no pattern matched a harm category
//!   and the text names an identity (`wordlists/identity/en.tsv`), the classifier
//!   also scores the text with each identity mention replaced by a neutral noun phrase.
//!   If that counterfactual falls below the review threshold, the identity word carried
//!   the decision: the action becomes `review` (a person decides, and no automatic
//!   removal counts against the author). The guard never lowers a verdict below
//!   `review` — hate is about identity by definition, and a swap can make real hate read
//!   as benign — and it records what it did in [`Verdict::guards`].
//! * **One plain word is not enough to remove a sentence** (the slur guard, a policy
//!   setting on by default): a high-severity slur still scores `identity_attack` whatever
//!   the model says, but many slurs are also homonyms ("Offa's Dyke", "a pack of fags")
//!   or reclaimed in-group words, and only a person can tell. So when a removal rests on
//!   plain slurs (no evasions; the other patterns alone would not remove) and the text
//!   has words around them, the classifier must find the sentence hostile twice: as it
//!   reads it (toxicity or identity attack at its operating point), and once more, with
//!   the same words respelled, each slur replaced by a neutral noun and the identity
//!   words neutralized as for the identity guard. The first reading alone is not
//!   independent evidence: a model that knows slurs reads every sentence holding one as
//!   hostile. If either reading falls short (the second below the review threshold), the
//!   action becomes `review`. It never lowers a verdict below `review`, an obfuscated or
//!   bare slur is never softened, and [`Verdict::guards`] records what it did.
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
use crate::verdict::{
    Action, Category, EngineInfo, Guard, GuardEffect, GuardKind, Match, ModelCoverage,
    SensitiveSpan, Severity, Source, Verdict,
};

mod identity;
mod reading;

use identity::IdentityTerms;
use reading::Reading;

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

    /// The engine's own pattern set (embedded or configured wordlists).
    pub fn patterns(&self) -> &PatternSet {
        &self.patterns
    }

    /// The classifier, when one is loaded.
    pub fn model(&self) -> Option<&Classifier> {
        self.model.as_deref()
    }

    /// The classifier windows scoring `text` may take, before it is tokenized: its length
    /// in characters (never fewer than its tokens) turned into windows, at most the
    /// classifier's `max_windows`; 0 without a classifier. What the service budgets and
    /// schedules by (see `scorer`).
    pub fn model_windows(&self, text: &str) -> usize {
        self.model.as_ref().map_or(0, |m| {
            m.windows_needed(text.chars().count()).min(m.max_windows())
        })
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
        self.score_batch_limited(texts, patterns, policy, &[])
    }

    /// [`score_batch_with`](Self::score_batch_with), the classifier reading text `i` in
    /// at most `windows[i]` windows (at least one; texts without a limit get the
    /// classifier's `max_windows`). A verdict says when its text was read only in part
    /// ([`Verdict::model_coverage`]).
    pub fn score_batch_limited(
        &self,
        texts: &[&str],
        patterns: &PatternSet,
        policy: &Policy,
        windows: &[usize],
    ) -> Vec<Verdict> {
        // Patterns first: where they had to see through evasions, the classifier reads
        // the de-obfuscated text (see the module docs).
        let found: Vec<(Vec<Match>, Vec<SensitiveSpan>)> = texts
            .iter()
            // One normalization serves both matchers.
            .map(|text| with_normalized(text, |normalized| patterns.find_all_in(text, normalized)))
            .collect();
        let readings: Vec<Option<Reading>> = match &self.model {
            Some(model) => texts
                .iter()
                .zip(&found)
                .map(|(text, (matches, _))| Reading::of(text, matches, model.reads_emoji_names()))
                .collect(),
            None => vec![None; texts.len()],
        };
        let inputs: Vec<&str> = texts
            .iter()
            .zip(&readings)
            .map(|(text, reading)| reading.as_ref().map_or(*text, |r| r.text.as_str()))
            .collect();
        let model_scores = self.classify(&inputs, windows).map(|mut scores| {
            for (scores, reading) in scores.iter_mut().zip(&readings) {
                if let Some(reading) = reading {
                    for span in &mut scores.spans {
                        span.start = reading.to_original(span.start, false);
                        span.end = reading.to_original(span.end, true);
                    }
                }
            }
            scores
        });
        let mut second_readings = Vec::new();
        let mut verdicts: Vec<Verdict> = found
            .into_iter()
            .enumerate()
            .map(|(i, (matches, sensitive))| {
                let scores = model_scores.as_ref().map(|s| &s[i]);
                let context = has_context(texts[i], &matches);
                let mut verdict = self.verdict(matches, scores, context, policy);
                if let Some(scores) = scores.filter(|_| policy.guards.slur_context && context) {
                    second_readings.extend(self.slur_guard(
                        i,
                        texts[i],
                        readings[i].as_ref(),
                        &mut verdict,
                        scores,
                        policy,
                    ));
                }
                // Beside the harms, never among them: it changes no score and no action.
                verdict.sensitive = sensitive;
                verdict
            })
            .collect();
        if policy.guards.identity_counterfactual && model_scores.is_some() {
            second_readings.extend(identity_guard(&inputs, &verdicts));
        }
        self.read_again(second_readings, windows, &mut verdicts, policy);
        verdicts
    }

    /// The classifier's scores for `texts`, or `None` without a model or when it fails:
    /// moderation then keeps working on patterns alone, and the failure is logged.
    fn classify(&self, texts: &[&str], windows: &[usize]) -> Option<Vec<ModelScores>> {
        let model = self.model.as_ref()?;
        let limits: Vec<usize> = (0..texts.len())
            .map(|i| windows.get(i).copied().unwrap_or(model.max_windows()))
            .collect();
        match model.score_batch_limited(texts, &limits) {
            Ok(scores) => Some(scores),
            Err(err) => {
                tracing::error!(code = err.code().as_str(), error = %err, "classifier failed; using patterns only");
                None
            }
        }
    }

    /// The guards' second readings (module docs), all in one batch: each text without the
    /// words that may have carried its removal. Where that counterfactual would not be
    /// acted on (below the review threshold), or cannot be scored, the words carried the
    /// decision and a person decides: `remove` becomes `review`. Every reading is recorded.
    fn read_again(
        &self,
        readings: Vec<SecondReading>,
        windows: &[usize],
        verdicts: &mut [Verdict],
        policy: &Policy,
    ) {
        if readings.is_empty() {
            return;
        }
        let texts: Vec<&str> = readings.iter().map(|r| r.text.as_str()).collect();
        // The counterfactual is read within the same bound as the text.
        let limits: Vec<usize> = readings
            .iter()
            .map(|r| windows.get(r.verdict).copied().unwrap_or(usize::MAX))
            .collect();
        let scores = self.classify(&texts, &limits);
        for (n, reading) in readings.into_iter().enumerate() {
            let counterfactual = scores
                .as_ref()
                .and_then(|s| s.get(n))
                .map(|s| self.verdict(Vec::new(), Some(s), true, policy));
            // Without a second opinion, a person decides: never remove on words the guard
            // could not check.
            let carried_by_words = counterfactual
                .as_ref()
                .is_none_or(|c| c.action < Action::Review);
            let verdict = &mut verdicts[reading.verdict];
            verdict.guards.push(Guard {
                kind: reading.kind,
                terms: reading.terms,
                score: verdict.score,
                counterfactual_score: counterfactual.map(|c| c.score),
                model_score: reading.model_score,
                effect: if carried_by_words {
                    GuardEffect::RemovalToReview
                } else {
                    GuardEffect::None
                },
            });
            if carried_by_words {
                verdict.action = Action::Review;
            }
        }
    }

    /// The slur guard (module docs), for verdict `index` of `text`: a removal that plain
    /// slurs carry becomes review at once when the classifier reads the sentence as
    /// harmless; when it reads it as hostile, that reading may rest on the slur itself, so
    /// the sentence is read again without its slurs (and identity words). Only the caller
    /// knows the text has words around its matches ([`has_context`]): a bare slur has no
    /// sense to read.
    fn slur_guard(
        &self,
        index: usize,
        text: &str,
        reading: Option<&Reading>,
        verdict: &mut Verdict,
        scores: &ModelScores,
        policy: &Policy,
    ) -> Option<SecondReading> {
        let plain_slur = |m: &Match| {
            m.category == Category::IdentityAttack
                && m.evasions.is_empty()
                && matches!(m.source, Source::Wordlist | Source::Custom)
        };
        if verdict.action != Action::Remove || !verdict.harms().any(plain_slur) {
            return None;
        }
        // The same evidence with the slurs read at medium severity (review): if the patterns
        // still remove, another finding carries the removal and the verdict stands. If only
        // the classifier's scores do, its reading may rest on the slur itself: read again.
        let softened: Vec<Match> = verdict
            .matches
            .iter()
            .filter(|m| m.source != Source::Model)
            .map(|m| {
                let mut m = m.clone();
                if plain_slur(&m) {
                    m.severity = m.severity.min(Severity::Medium);
                }
                m
            })
            .collect();
        let model_removes = self
            .verdict(softened.clone(), Some(scores), true, policy)
            .action
            == Action::Remove;
        if model_removes && self.verdict(softened, None, true, policy).action == Action::Remove {
            return None;
        }
        let slurs: Vec<&Match> = verdict.harms().filter(|m| plain_slur(m)).collect();
        let mut rules: Vec<String> = slurs.iter().map(|m| m.rule.clone()).collect();
        rules.sort();
        rules.dedup();
        let model_score = scores
            .probs
            .iter()
            .filter(|(c, _)| matches!(c, Category::Toxicity | Category::IdentityAttack))
            .map(|&(c, p)| self.calibrated(c, p))
            .fold(0.0, f32::max);
        if model_score >= MODEL_OPERATING_POINT || model_removes {
            // The sentence as the classifier read it the first time (other words
            // de-obfuscated, split apart or respelled), so that only the slurs differ.
            let without = without_slurs(text, reading, &slurs);
            let text = identity_terms()
                .counterfactual(&without)
                .map_or(without, |c| c.text);
            return Some(SecondReading {
                verdict: index,
                text,
                kind: GuardKind::SlurContext,
                terms: rules,
                model_score: Some(model_score),
            });
        }
        verdict.guards.push(Guard {
            kind: GuardKind::SlurContext,
            terms: rules,
            score: verdict.score,
            counterfactual_score: None,
            model_score: Some(model_score),
            effect: GuardEffect::RemovalToReview,
        });
        verdict.action = Action::Review;
        None
    }

    /// The classifier's probability `p` for `category` on the policy scale (module docs).
    fn calibrated(&self, category: Category, p: f32) -> f32 {
        self.model
            .as_deref()
            .and_then(|c| c.threshold(category))
            .map_or(p, |t| calibrate(p, t))
    }

    /// `context`: whether the text has words around its matches for the classifier to
    /// judge them by (see [`has_context`]).
    fn verdict(
        &self,
        mut matches: Vec<Match>,
        model: Option<&ModelScores>,
        context: bool,
        policy: &Policy,
    ) -> Verdict {
        let mut categories: BTreeMap<Category, f32> =
            Category::HARM.into_iter().map(|c| (c, 0.0)).collect();
        let classifier = self.model.as_deref().filter(|_| model.is_some());
        let calibrated = |category: Category, p: f32| self.calibrated(category, p);
        let model_toxicity =
            model.and_then(|m| m.probs.iter().find(|(c, _)| *c == Category::Toxicity));
        let judged_non_toxic = model_toxicity
            .is_some_and(|(_, p)| calibrated(Category::Toxicity, *p) < MODEL_OPERATING_POINT);

        for m in matches.iter().filter(|m| m.category != Category::Pii) {
            let mut score = m.severity.score();
            // Never for an obfuscated match: the evasion shows intent (module docs); never
            // for a bare term: with nothing around it there is no usage to read.
            if judged_non_toxic
                && context
                && m.evasions.is_empty()
                && matches!(m.category, Category::Profanity | Category::Insult)
            {
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
            guards: Vec::new(),
            model_coverage: model
                .filter(|m| m.read_tokens < m.tokens)
                .map(|m| ModelCoverage {
                    tokens: u32::try_from(m.tokens).unwrap_or(u32::MAX),
                    read_tokens: u32::try_from(m.read_tokens).unwrap_or(u32::MAX),
                }),
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

/// Whether `text` has at least as many letters outside its harm matches as inside them:
/// only then can the classifier's reading of the sentence discount a profanity or insult
/// word ("fuck yes, we won!"); a bare "motherfucker" has no usage to read.
fn has_context(text: &str, matches: &[Match]) -> bool {
    let mut covered = vec![false; text.chars().count()];
    for m in matches.iter().filter(|m| m.category != Category::Pii) {
        let end = (m.end as usize).min(covered.len());
        let start = (m.start as usize).min(end);
        covered[start..end].iter_mut().for_each(|c| *c = true);
    }
    let (mut inside, mut outside) = (0usize, 0usize);
    for (c, is_covered) in text.chars().zip(&covered) {
        if c.is_alphanumeric() {
            if *is_covered {
                inside += 1;
            } else {
                outside += 1;
            }
        }
    }
    outside >= inside
}

/// A guard's question for the classifier: verdict `verdict`'s text without the words that
/// may have carried its removal.
struct SecondReading {
    verdict: usize,
    text: String,
    kind: GuardKind,
    /// What the guard recorded as the words (identity terms, or slur rules).
    terms: Vec<String>,
    /// The slur guard's: the classifier's score for the sentence as written.
    model_score: Option<f32>,
}

/// The identity guard (module docs): the texts that the classifier alone would remove and
/// that name an identity, each with its identity words neutralized.
fn identity_guard(inputs: &[&str], verdicts: &[Verdict]) -> Vec<SecondReading> {
    let terms = identity_terms();
    let mut readings = Vec::new();
    for (i, verdict) in verdicts.iter().enumerate() {
        let pattern_harm = verdict
            .harms()
            .any(|m| matches!(m.source, Source::Wordlist | Source::Custom));
        if verdict.action != Action::Remove || pattern_harm {
            continue;
        }
        if let Some(counterfactual) = terms.counterfactual(inputs[i]) {
            readings.push(SecondReading {
                verdict: i,
                text: counterfactual.text,
                kind: GuardKind::IdentityCounterfactual,
                terms: counterfactual.terms,
                model_score: None,
            });
        }
    }
    readings
}

/// `text` as the classifier read it (`reading`: what it respelled), with each of `slurs`
/// (character spans into `text`) replaced by a neutral noun: "people" where the word as
/// written ends in "s" (a plural: "fags", "dykes"), "person" otherwise. A homonym then
/// reads as nonsense that is harmless ("the person held back the sea"); hate keeps the rest
/// of its sentence ("a person like you should be banned"), read as the first time.
fn without_slurs(text: &str, reading: Option<&Reading>, slurs: &[&Match]) -> String {
    let spans = slurs.iter().map(|m| (m.start, m.end)).collect();
    reading::read_with_swaps(text, reading, spans, neutral_noun)
}

fn neutral_noun(word: &str) -> &'static str {
    if word.ends_with(['s', 'S']) {
        "people"
    } else {
        "person"
    }
}

/// The shipped identity term list, compiled on first use.
fn identity_terms() -> &'static IdentityTerms {
    static TERMS: std::sync::OnceLock<IdentityTerms> = std::sync::OnceLock::new();
    TERMS.get_or_init(IdentityTerms::shipped)
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

    /// The slur guard's second reading, on the shipped wordlists' own matches: each plain
    /// slur becomes a neutral noun, the rest of the text stays as written.
    #[test]
    fn without_slurs_leaves_the_sentence_and_neutralizes_the_slurs() {
        let engine = Engine::builder().build().expect("patterns-only engine");
        let cases = [
            (
                "The Dutch farmers repaired the dyke before winter.",
                "The Dutch farmers repaired the person before winter.",
            ),
            (
                "He went out for a packet of fags.",
                "He went out for a packet of people.",
            ),
            (
                "Éclairs for the dyke 🙂 and the fags",
                "Éclairs for the person 🙂 and the people",
            ),
            ("no slur here", "no slur here"),
        ];
        for (text, expected) in cases {
            let verdict = engine.score(text);
            let slurs: Vec<&Match> = verdict
                .harms()
                .filter(|m| m.category == Category::IdentityAttack)
                .collect();
            assert_eq!(without_slurs(text, None, &slurs), expected, "{text:?}");
        }
    }

    #[test]
    fn without_slurs_merges_overlapping_spans_and_survives_bad_ones() {
        let slur = |start, end| Match {
            start,
            end,
            category: Category::IdentityAttack,
            severity: Severity::High,
            rule: "en:test".to_string(),
            source: Source::Wordlist,
            kind: None,
            evasions: Vec::new(),
            score: None,
        };
        let (a, b) = (slur(4, 13), slur(9, 13));
        assert_eq!(
            without_slurs("the bull dyke left", None, &[&b, &a]),
            "the person left"
        );
        // Past the end, or reversed: never a panic, and nothing replaced that is not a span.
        let (past, reversed) = (slur(4, 99), slur(9, 4));
        assert_eq!(without_slurs("the dyke", None, &[&past]), "the person");
        assert_eq!(
            without_slurs("the bull dyke", None, &[&reversed]),
            "the bull dyke"
        );
        // A long text with a slur in every sentence: each replaced, in one pass.
        let text = "Ä dyke held. ".repeat(50_000);
        let spans: Vec<Match> = (0..50_000u32)
            .map(|i| slur(i * 13 + 2, i * 13 + 6))
            .collect();
        let refs: Vec<&Match> = spans.iter().collect();
        assert_eq!(
            without_slurs(&text, None, &refs),
            "Ä person held. ".repeat(50_000)
        );
    }

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
