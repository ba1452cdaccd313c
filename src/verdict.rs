//! The Verdict: Warden's one answer to "what is in this text and what should happen to it",
//! shared by the CLI, the API, the queue and the audit log.
//!
//! Its JSON shape is a public contract (documented in the README): field names and the
//! category names below never change meaning; new fields may be added.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a finding is about. The names are stable API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// General toxicity, as the classifier sees it; with patterns only, the strongest
    /// of the other harm categories except `self_harm`.
    Toxicity,
    Profanity,
    Sexual,
    Insult,
    /// Attacks on people for who they are, including slurs.
    IdentityAttack,
    Threat,
    /// Someone may be at risk of hurting themselves: route to people, not to removal.
    SelfHarm,
    /// Personal data (emails, phone numbers, …): never a violation, used for redaction.
    Pii,
}

impl Category {
    /// The categories that carry a harm score in [`Verdict::categories`].
    pub const HARM: [Category; 7] = [
        Category::Toxicity,
        Category::Profanity,
        Category::Sexual,
        Category::Insult,
        Category::IdentityAttack,
        Category::Threat,
        Category::SelfHarm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Toxicity => "toxicity",
            Category::Profanity => "profanity",
            Category::Sexual => "sexual",
            Category::Insult => "insult",
            Category::IdentityAttack => "identity_attack",
            Category::Threat => "threat",
            Category::SelfHarm => "self_harm",
            Category::Pii => "pii",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Category, String> {
        Category::HARM
            .into_iter()
            .chain([Category::Pii])
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown category `{s}`"))
    }
}

/// How bad a wordlist term is. The default policy removes `high`, reviews `medium` and
/// allows `low`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// The category score a pattern match of this severity contributes. Chosen so the
    /// default policy's thresholds (see `policy`) map high → remove, medium → review.
    pub fn score(self) -> f32 {
        match self {
            Severity::Low => 0.4,
            Severity::Medium => 0.75,
            Severity::High => 0.95,
        }
    }

    /// The severity a score corresponds to, for spans found by the classifier: the bands
    /// the default policy acts on (remove from 0.9, review from 0.6).
    pub fn from_score(score: f32) -> Severity {
        if score >= 0.9 {
            Severity::High
        } else if score >= 0.6 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Severity, String> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(format!(
                "unknown severity `{s}` (expected low, medium or high)"
            )),
        }
    }
}

/// What should happen to the content.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Allow,
    /// Keep it up with a label (e.g. a sensitivity interstitial).
    Label,
    /// Hold for a human moderator.
    Review,
    Remove,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Label => "label",
            Action::Review => "review",
            Action::Remove => "remove",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which detector produced a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A shipped wordlist term.
    Wordlist,
    /// A community's own block term.
    Custom,
    /// A personal-data detector.
    Pii,
    /// A toxic span marked by the classifier.
    Model,
}

/// The kind of personal data a `pii` match found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    PaymentCard,
    Iban,
    Ipv4,
    Ipv6,
    UsSsn,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::PaymentCard => "payment_card",
            PiiKind::Iban => "iban",
            PiiKind::Ipv4 => "ipv4",
            PiiKind::Ipv6 => "ipv6",
            PiiKind::UsSsn => "us_ssn",
        }
    }
}

/// A special category of personal data (GDPR Art. 9). The names are stable API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveCategory {
    Health,
    /// Religion or philosophical belief.
    Religion,
    /// Sexual orientation or sex life (gender identity is listed here too).
    SexualOrientation,
    PoliticalOpinion,
    /// Racial or ethnic origin.
    EthnicOrigin,
    /// Trade union membership.
    TradeUnion,
}

impl SensitiveCategory {
    pub const ALL: [SensitiveCategory; 6] = [
        SensitiveCategory::Health,
        SensitiveCategory::Religion,
        SensitiveCategory::SexualOrientation,
        SensitiveCategory::PoliticalOpinion,
        SensitiveCategory::EthnicOrigin,
        SensitiveCategory::TradeUnion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SensitiveCategory::Health => "health",
            SensitiveCategory::Religion => "religion",
            SensitiveCategory::SexualOrientation => "sexual_orientation",
            SensitiveCategory::PoliticalOpinion => "political_opinion",
            SensitiveCategory::EthnicOrigin => "ethnic_origin",
            SensitiveCategory::TradeUnion => "trade_union",
        }
    }
}

impl fmt::Display for SensitiveCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SensitiveCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<SensitiveCategory, String> {
        SensitiveCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown sensitive-data category `{s}`"))
    }
}

/// Where a text reveals a special category of personal data, as code-point offsets like
/// a match's. Not a finding against the text: it changes no score and no action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SensitiveSpan {
    pub start: u32,
    pub end: u32,
    pub category: SensitiveCategory,
}

/// One finding: a span of the original text and why it matters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Match {
    /// Code-point offset of the first character, in the original text.
    pub start: u32,
    /// Code-point offset one past the last character (exclusive).
    pub end: u32,
    pub category: Category,
    pub severity: Severity,
    /// What matched: `"en:fuck"`, `"custom:spoiler"`, `"pii:email"`, `"model:toxic_span"`.
    pub rule: String,
    pub source: Source,
    /// For `pii` matches, what kind of personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PiiKind>,
    /// The evasions undone to see this match (`leet`, `mask`, `homoglyph`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evasions: Vec<String>,
    /// For model spans, the mean token probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub score: Option<f32>,
}

/// Which engine produced a verdict, so old verdicts can be explained later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EngineInfo {
    /// Warden's version.
    pub version: String,
    /// Content digest of the wordlists in use (`sha256:` + 16 hex digits).
    pub wordlists: String,
    /// Languages whose lists were loaded.
    pub languages: Vec<String>,
}

/// Which classifier scored the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
}

/// The result of scoring one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verdict {
    /// The caller's id for the text, echoed back (`null` when none was given).
    #[serde(default)]
    #[schema(schema_with = echo_id_schema, required = true)]
    pub id: Option<serde_json::Value>,
    /// Whether the policy asks for anything other than `allow`.
    pub flagged: bool,
    /// The highest category score, 0..1.
    #[schema(minimum = 0, maximum = 1)]
    pub score: f32,
    /// A score in 0..1 for every harm category.
    #[schema(schema_with = category_scores)]
    pub categories: BTreeMap<Category, f32>,
    /// Findings in order of position.
    pub matches: Vec<Match>,
    pub action: Action,
    pub engine: EngineInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// Special categories of personal data the text reveals (health, religion, …). Never
    /// a violation and never part of `matches`: the service turns them into suppression
    /// rules (no profiling, no ad targeting) and nothing else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<SensitiveSpan>,
    /// The engine's safety nets that looked at this verdict and what they did; absent when
    /// none applied (see [`Engine`](crate::Engine)). The identity guard: a removal that only
    /// the classifier asked for, on a text naming an identity, is re-scored without the
    /// identity words; if that counterfactual would not be acted on, the action becomes
    /// `review`. The slur guard: a removal that plain slurs carry is re-scored without
    /// them, and stands only if the sentence reads as hostile with and without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<Guard>,
    /// Present when the classifier read only part of the text: its work per text (and
    /// per request, in the service) is bounded, the pattern stage's is not. Absent when
    /// it read everything, or did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_coverage: Option<ModelCoverage>,
}

/// How much of a text the classifier read (see a verdict's `model_coverage`), in its
/// tokens: windows spread evenly over the text, its first and last tokens included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelCoverage {
    /// The text's tokens.
    pub tokens: u32,
    /// How many of them the classifier read.
    pub read_tokens: u32,
}

/// Which safety net a guard record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuardKind {
    /// The text was re-scored with its identity mentions replaced by neutral words.
    IdentityCounterfactual,
    /// A removal rested on plain slurs: the sentence was read as written and, where that
    /// read as hostile, again with its slurs replaced by neutral nouns. Where either read
    /// as harmless, the slur may be a homonym ("the sea dyke held"), a reclaimed in-group
    /// use, or hate the classifier missed, and a person decides.
    SlurContext,
}

/// What a guard did to the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuardEffect {
    /// The guard's condition held (identity words or slurs carried the decision, or the
    /// counterfactual could not be scored): `remove` became `review`.
    RemovalToReview,
    /// The counterfactual still called for action: the verdict stands.
    None,
}

/// One guard's record on a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Guard {
    pub kind: GuardKind,
    /// `identity_counterfactual`: the identity terms found (as listed in the term list);
    /// `slur_context`: the wordlist rules of the slurs (e.g. `en:dyke`).
    pub terms: Vec<String>,
    /// The verdict's score before the guard.
    #[schema(minimum = 0, maximum = 1)]
    pub score: f32,
    /// The verdict score of the counterfactual text (without the identity words, or
    /// without the slurs); absent if it could not be scored (then a person decides: the
    /// effect is `removal_to_review`) or, for `slur_context`, if the sentence as written
    /// already read as harmless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub counterfactual_score: Option<f32>,
    /// `slur_context`: the classifier's own score for the sentence (the higher of its
    /// toxicity and identity-attack scores, on the policy scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub model_score: Option<f32>,
    pub effect: GuardEffect,
}

/// The schema of a score in 0..1 for each harm category ([`Category::HARM`]), as in
/// [`Verdict::categories`].
pub(crate) fn category_scores() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    let harms: Vec<&str> = Category::HARM.iter().map(|c| c.as_str()).collect();
    let score = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0))
        .maximum(Some(1));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(Schema::Object(crate::schema::one_of(&harms))))
        .additional_properties(Some(score))
        .build()
}

/// The schema of [`Verdict::id`] (and of the `id` a request gives): a string or a number,
/// `null` for none.
pub(crate) fn echo_id_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Null,
        ]))
        .build()
}

impl Verdict {
    /// The score of one category (0 when absent).
    pub fn category(&self, category: Category) -> f32 {
        self.categories.get(&category).copied().unwrap_or(0.0)
    }

    /// The special categories present, each once, in [`SensitiveCategory::ALL`] order.
    pub fn sensitive_categories(&self) -> Vec<SensitiveCategory> {
        SensitiveCategory::ALL
            .into_iter()
            .filter(|c| self.sensitive.iter().any(|s| s.category == *c))
            .collect()
    }

    /// The strongest harm category (ties: the first in [`Category::HARM`] order after
    /// `toxicity`), or `None` when every harm score is zero. What a decision is "about".
    pub fn top_category(&self) -> Option<Category> {
        let mut best: Option<(Category, f32)> = None;
        for c in Category::HARM
            .into_iter()
            .skip(1)
            .chain([Category::Toxicity])
        {
            let score = self.category(c);
            if score > 0.0 && best.is_none_or(|(_, b)| score > b) {
                best = Some((c, score));
            }
        }
        best.map(|(c, _)| c)
    }

    /// The matches that are harms (everything but personal data).
    pub fn harms(&self) -> impl Iterator<Item = &Match> {
        self.matches.iter().filter(|m| m.category != Category::Pii)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable() {
        let names: Vec<_> = Category::HARM.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "toxicity",
                "profanity",
                "sexual",
                "insult",
                "identity_attack",
                "threat",
                "self_harm"
            ]
        );
        for c in Category::HARM {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
    }

    #[test]
    fn severity_round_trips_through_score() {
        for s in [Severity::Low, Severity::Medium, Severity::High] {
            assert_eq!(Severity::from_score(s.score()), s);
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
    }
}
