//! The Perspective API's `AnalyzeComment` (`POST /v1alpha1/comments:analyze`), answered
//! by Warden.
//!
//! Request and response follow Perspective's published reference (conversationai/
//! perspectiveapi, `2-api/methods.md`, and the `commentanalyzer v1alpha1` discovery
//! document): `comment.text`, `requestedAttributes` with an optional `scoreThreshold`,
//! `spanAnnotations`, `languages`, `doNotStore`, `clientToken`, `sessionId`,
//! `communityId`, `context`. Field names are accepted in lowerCamelCase and in their
//! proto spelling (`requested_attributes`), as Google's JSON parser does, and unknown
//! fields are refused, as Google's parser does.
//!
//! The mapping (see [`Attribute`]): each attribute is one Warden category score, except
//! `SEVERE_TOXICITY`, which is how far `toxicity` reaches into Warden's removal band.
//! Span offsets are UTF-16 code units, as Perspective's are; Warden's own offsets are
//! code points, and are converted.
//!
//! Warden does not detect languages. It scores every text with the wordlists it loaded
//! (and the English classifier); a request that names languages Warden did not load is
//! refused as Perspective refuses an unsupported language, and `detectedLanguages` is
//! never returned.
//!
//! Beside it: [`suggest`], `SuggestCommentScore`; [`discovery`], the discovery document
//! Google's client libraries build their Perspective client from; and what the methods
//! share (Google's error shape, the comment and context messages), in `common`.

mod common;
pub mod discovery;
pub mod suggest;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use self::common::{
    check_context, check_languages, comment_text, community_id, parse_body, Context, TextEntry,
};
pub use self::common::{ErrorType, GoogleError, PerspectiveError};
use super::{clamp_score, utf16_offsets};
use crate::ids::{CommunityId, ContentText};
use crate::verdict::{Category, Match, Source, Verdict};

/// The only score type Warden (like Perspective today) returns.
pub(crate) const PROBABILITY: &str = "PROBABILITY";

/// On Warden's scale, where the classifier's operating point and the default review
/// threshold lie; `SEVERE_TOXICITY` counts only what lies above it.
const SEVERE_FROM: f32 = 0.6;

/// A Perspective attribute Warden scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Toxicity,
    SevereToxicity,
    IdentityAttack,
    Insult,
    Profanity,
    Threat,
    SexuallyExplicit,
}

impl Attribute {
    pub const ALL: [Attribute; 7] = [
        Attribute::Toxicity,
        Attribute::SevereToxicity,
        Attribute::IdentityAttack,
        Attribute::Insult,
        Attribute::Profanity,
        Attribute::Threat,
        Attribute::SexuallyExplicit,
    ];

    /// Perspective's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Toxicity => "TOXICITY",
            Attribute::SevereToxicity => "SEVERE_TOXICITY",
            Attribute::IdentityAttack => "IDENTITY_ATTACK",
            Attribute::Insult => "INSULT",
            Attribute::Profanity => "PROFANITY",
            Attribute::Threat => "THREAT",
            Attribute::SexuallyExplicit => "SEXUALLY_EXPLICIT",
        }
    }

    /// The Warden category it is read from.
    pub fn category(self) -> Category {
        match self {
            Attribute::Toxicity | Attribute::SevereToxicity => Category::Toxicity,
            Attribute::IdentityAttack => Category::IdentityAttack,
            Attribute::Insult => Category::Insult,
            Attribute::Profanity => Category::Profanity,
            Attribute::Threat => Category::Threat,
            Attribute::SexuallyExplicit => Category::Sexual,
        }
    }

    /// A requested name: `TOXICITY`, or `TOXICITY@6` for a pinned version (Warden has one
    /// version of each, which serves every pin).
    pub fn parse(requested: &str) -> Option<Attribute> {
        let (name, version) = match requested.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (requested, None),
        };
        if version.is_some_and(|v| v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Attribute::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The attribute's score given its category's score. `SEVERE_TOXICITY` rescales the
    /// part of `toxicity` above 0.6 (the default review threshold) to 0..1: 0 for anything
    /// Warden would let through, 0.75 where the default policy removes (0.9), 1 at
    /// certainty. Like Perspective's, it is far less sensitive to mild language than
    /// `TOXICITY`.
    pub fn score(self, category_score: f32) -> f32 {
        let score = clamp_score(category_score);
        match self {
            Attribute::SevereToxicity => {
                ((score - SEVERE_FROM) / (1.0 - SEVERE_FROM)).clamp(0.0, 1.0)
            }
            _ => score,
        }
    }

    /// Whether a match contributes to this attribute: its own category's matches, and for
    /// the toxicity attributes every harm except `self_harm` (which raises no toxicity).
    fn covers(self, m: &Match) -> bool {
        match self.category() {
            Category::Toxicity => m.category != Category::Pii && m.category != Category::SelfHarm,
            category => m.category == category,
        }
    }
}

// The request, as Perspective's JSON parser reads it: every field optional (proto3), unknown
// fields refused, proto field names accepted beside the lowerCamelCase ones.

/// Perspective's `AnalyzeCommentRequest`. Proto field names (`requested_attributes`,
/// `span_annotations`, …) are accepted as well.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PerspectiveRequest)]
pub(crate) struct AnalyzeRequest {
    /// The comment to score: its text must not be empty.
    #[serde(default)]
    comment: Option<TextEntry>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default, alias = "requested_attributes")]
    #[schema(schema_with = requested_attributes)]
    requested_attributes: Option<BTreeMap<String, Option<Parameters>>>,
    #[serde(default, alias = "span_annotations")]
    span_annotations: Option<bool>,
    /// Languages the comment is in; each must be one Warden loaded wordlists for.
    #[serde(default)]
    languages: Option<Vec<String>>,
    /// Accepted and always honoured: nothing sent to Warden's compatible APIs is stored.
    #[serde(default, alias = "do_not_store")]
    #[allow(dead_code)]
    do_not_store: Option<bool>,
    /// Echoed in the response.
    #[serde(default, alias = "client_token")]
    client_token: Option<String>,
    /// Accepted for compatibility; Warden keeps no sessions.
    #[serde(default, alias = "session_id")]
    #[allow(dead_code)]
    session_id: Option<String>,
    /// A Warden community id: its wordlist applies (404 outside the key's scope).
    #[serde(default, alias = "community_id")]
    community_id: Option<String>,
}

/// What is asked of one attribute.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = AttributeParameters)]
struct Parameters {
    #[serde(default, alias = "score_type")]
    #[schema(schema_with = score_types)]
    score_type: Option<String>,
    /// Leave the attribute (and spans) out below this score.
    #[serde(default, alias = "score_threshold")]
    #[schema(minimum = 0, maximum = 1)]
    score_threshold: Option<f32>,
}

fn requested_attributes() -> utoipa::openapi::schema::Object {
    use utoipa::PartialSchema;
    crate::schema::map_of_optional(
        "By attribute: `TOXICITY`, `SEVERE_TOXICITY`, `IDENTITY_ATTACK`, `INSULT`, \
         `PROFANITY`, `THREAT`, `SEXUALLY_EXPLICIT`, optionally pinned to a version \
         (`TOXICITY@6`). Not empty.",
        Parameters::schema(),
    )
}

/// The score types a request may ask for (see [`Analysis::parse`]).
pub(crate) fn score_types() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&[PROBABILITY, "SCORE_TYPE_UNSPECIFIED"])
}

/// One requested attribute: the name as requested (the response mirrors it), what Warden
/// scores for it, and the threshold below which it is left out.
#[derive(Debug, Clone, PartialEq)]
struct Requested {
    name: String,
    attribute: Attribute,
    threshold: Option<f32>,
}

/// A validated `AnalyzeComment` request.
pub struct Analysis {
    text: ContentText,
    community: Option<CommunityId>,
    attributes: Vec<Requested>,
    spans: bool,
    languages: Vec<String>,
    client_token: Option<String>,
}

impl Analysis {
    /// Validates a request body, in the order Perspective reports problems: the shape, the
    /// comment, then the attributes.
    pub fn parse(body: &Value) -> Result<Analysis, PerspectiveError> {
        let request: AnalyzeRequest = parse_body(body)?;
        let text = comment_text(request.comment)?;
        check_context(request.context.as_ref())?;

        let requested = request.requested_attributes.unwrap_or_default();
        if requested.is_empty() {
            return Err(PerspectiveError::invalid(
                ErrorType::NoRequestedAttributes,
                "Missing requested_attributes",
            ));
        }
        let mut attributes = Vec::with_capacity(requested.len());
        for (name, parameters) in requested {
            let attribute = Attribute::parse(&name).ok_or_else(|| {
                PerspectiveError::request(format!("Unknown requested attribute: {name}"))
            })?;
            let parameters = parameters.unwrap_or(Parameters {
                score_type: None,
                score_threshold: None,
            });
            match parameters.score_type.as_deref() {
                None | Some(PROBABILITY) | Some("SCORE_TYPE_UNSPECIFIED") => {}
                Some(other) => {
                    return Err(PerspectiveError::request(format!(
                        "Requested score type {other} is not supported by attribute {name}"
                    )))
                }
            }
            if let Some(t) = parameters.score_threshold {
                if !(0.0..=1.0).contains(&t) {
                    return Err(PerspectiveError::request(format!(
                        "Invalid value at 'requested_attributes[{name}].score_threshold': \
                         must be between 0 and 1."
                    )));
                }
            }
            attributes.push(Requested {
                name,
                attribute,
                threshold: parameters.score_threshold,
            });
        }

        let community = community_id(request.community_id)?;

        Ok(Analysis {
            text,
            community,
            attributes,
            spans: request.span_annotations.unwrap_or(false),
            languages: request.languages.unwrap_or_default(),
            client_token: request.client_token,
        })
    }

    /// The comment to score.
    pub fn text(&self) -> &str {
        self.text.as_str()
    }

    /// The Warden community named by `communityId`, whose wordlist then applies.
    pub fn community(&self) -> Option<&CommunityId> {
        self.community.as_ref()
    }

    /// Refuses the request when it names a language Warden did not load (`loaded`: the
    /// wordlist languages). Matching is by primary language subtag, so `en-US` is `en`.
    pub fn check_languages(&self, loaded: &[String]) -> Result<(), PerspectiveError> {
        let first = self.attributes.first().map(|r| r.name.as_str());
        check_languages(&self.languages, first, loaded)
    }

    /// The response for `verdict`, the verdict on [`Analysis::text`]. `languages` in the
    /// response mirrors the request's, or, when it named none, lists the languages Warden
    /// scored in (`loaded`): Warden detects no language, so it never reports one as
    /// detected.
    pub fn respond(&self, verdict: &Verdict, loaded: &[String]) -> AnalyzeResponse {
        let offsets = utf16_offsets(self.text.as_str());
        let utf16 = |cp: u32| {
            let last = offsets.last().copied().unwrap_or(0);
            offsets.get(cp as usize).copied().unwrap_or(last)
        };
        let mut attribute_scores = BTreeMap::new();
        for requested in &self.attributes {
            let attribute = requested.attribute;
            let summary = attribute.score(verdict.category(attribute.category()));
            let reaches = |score: f32| requested.threshold.is_none_or(|t| score >= t);
            if !reaches(summary) {
                continue;
            }
            let span_scores = self.spans.then(|| {
                spans(verdict, attribute)
                    .into_iter()
                    .filter(|&(_, _, score)| score > 0.0 && reaches(score))
                    .map(|(start, end, score)| SpanScore {
                        begin: utf16(start),
                        end: utf16(end),
                        score: Score::probability(score),
                    })
                    .collect::<Vec<_>>()
            });
            attribute_scores.insert(
                requested.name.clone(),
                AttributeScores {
                    // Google's JSON leaves out an empty list; so does Warden.
                    span_scores: span_scores.filter(|s| !s.is_empty()),
                    summary_score: Score::probability(summary),
                },
            );
        }
        AnalyzeResponse {
            attribute_scores,
            languages: if self.languages.is_empty() {
                loaded.to_vec()
            } else {
                self.languages.clone()
            },
            client_token: self.client_token.clone(),
        }
    }
}

/// The spans behind an attribute's score, in code points, overlapping ones merged (the
/// higher score wins). A wordlist match scores by severity, but never above its category's
/// score (which the classifier may have discounted); a classifier span scores its own
/// probability.
fn spans(verdict: &Verdict, attribute: Attribute) -> Vec<(u32, u32, f32)> {
    let mut spans: Vec<(u32, u32, f32)> = verdict
        .matches
        .iter()
        .filter(|m| attribute.covers(m) && m.start < m.end)
        .map(|m| {
            let raw = match m.source {
                Source::Model => m.score.unwrap_or_else(|| verdict.category(m.category)),
                _ => m.severity.score().min(verdict.category(m.category)),
            };
            (m.start, m.end, attribute.score(raw))
        })
        .collect();
    spans.sort_by_key(|&(start, end, _)| (start, end));
    let mut merged: Vec<(u32, u32, f32)> = Vec::with_capacity(spans.len());
    for (start, end, score) in spans {
        match merged.last_mut() {
            Some(last) if start < last.1 => {
                last.1 = last.1.max(end);
                last.2 = last.2.max(score);
            }
            _ => merged.push((start, end, score)),
        }
    }
    merged
}

/// `AnalyzeComment`'s response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PerspectiveResponse)]
pub struct AnalyzeResponse {
    /// By attribute, as requested; an attribute under its `scoreThreshold` is left out.
    attribute_scores: BTreeMap<String, AttributeScores>,
    /// The request's languages, or the languages Warden scored in.
    languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct AttributeScores {
    /// With `spanAnnotations`: the spans behind the score.
    #[serde(skip_serializing_if = "Option::is_none")]
    span_scores: Option<Vec<SpanScore>>,
    summary_score: Score,
}

#[derive(Debug, Serialize, ToSchema)]
struct SpanScore {
    /// UTF-16 code units, as Perspective counts them.
    begin: u32,
    /// UTF-16 code units, exclusive.
    end: u32,
    score: Score,
}

#[derive(Debug, Serialize, ToSchema)]
struct Score {
    #[schema(minimum = 0, maximum = 1)]
    value: f32,
    #[serde(rename = "type")]
    #[schema(schema_with = probability)]
    kind: &'static str,
}

/// The one score type Warden returns.
fn probability() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&[PROBABILITY])
}

impl Score {
    fn probability(value: f32) -> Score {
        Score {
            value: clamp_score(value),
            kind: PROBABILITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compat::test_verdict;
    use crate::verdict::Severity;
    use crate::Code;

    fn verdict(categories: &[(Category, f32)], matches: Vec<Match>) -> Verdict {
        test_verdict(categories, matches)
    }

    fn m(start: u32, end: u32, category: Category, severity: Severity, source: Source) -> Match {
        Match {
            start,
            end,
            category,
            severity,
            rule: "test".into(),
            source,
            kind: None,
            evasions: Vec::new(),
            score: (source == Source::Model).then_some(0.93),
        }
    }

    fn analysis(body: Value) -> Result<Analysis, PerspectiveError> {
        Analysis::parse(&body)
    }

    /// The response as a client reads it: through its JSON text, where an `f32` score is
    /// written in its short form (`serde_json::to_value` would widen it to `f64` first).
    fn wire(response: &AnalyzeResponse) -> Value {
        serde_json::from_str(&serde_json::to_string(response).unwrap()).unwrap()
    }

    #[test]
    fn the_mapping_table() {
        let table = [
            ("TOXICITY", Category::Toxicity),
            ("SEVERE_TOXICITY", Category::Toxicity),
            ("IDENTITY_ATTACK", Category::IdentityAttack),
            ("INSULT", Category::Insult),
            ("PROFANITY", Category::Profanity),
            ("THREAT", Category::Threat),
            ("SEXUALLY_EXPLICIT", Category::Sexual),
        ];
        for (name, category) in table {
            let a = Attribute::parse(name).unwrap();
            assert_eq!((a.name(), a.category()), (name, category));
            assert_eq!(Attribute::parse(&format!("{name}@3")), Some(a));
        }
        for unknown in [
            "UNSUBSTANTIAL",
            "FLIRTATION",
            "toxicity",
            "TOXICITY@",
            "TOXICITY@x",
            "TOXICITY_EXPERIMENTAL",
            "",
        ] {
            assert_eq!(Attribute::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn severe_toxicity_is_the_removal_band_of_toxicity() {
        for (toxicity, severe) in [(0.0, 0.0), (0.6, 0.0), (0.8, 0.5), (0.9, 0.75), (1.0, 1.0)] {
            let got = Attribute::SevereToxicity.score(toxicity);
            assert!((got - severe).abs() < 1e-6, "{toxicity} → {got}");
            assert_eq!(Attribute::Toxicity.score(toxicity), toxicity);
        }
    }

    #[test]
    fn requests_are_validated_in_perspectives_order() {
        let ok = json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}});
        assert!(analysis(ok).is_ok());
        let cases: Vec<(Value, ErrorType, &str)> = vec![
            (json!([]), ErrorType::InvalidRequest, "Invalid JSON payload received. Expected an object, got array."),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "extra": 1}),
                ErrorType::InvalidRequest,
                "Invalid JSON payload received. Unknown name \"extra\": Cannot find field.",
            ),
            (
                json!({"comment": {"text": "hi", "lang": "en"}, "requestedAttributes": {"TOXICITY": {}}}),
                ErrorType::InvalidRequest,
                "Invalid JSON payload received. Unknown name \"lang\" at 'comment': Cannot find field.",
            ),
            (
                json!({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}),
                ErrorType::InvalidRequest,
                "Invalid value at 'comment.text': invalid type: integer `5`, expected a string.",
            ),
            (json!({"requestedAttributes": {"TOXICITY": {}}}), ErrorType::CommentEmpty, "Comment must be non-empty."),
            (
                json!({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}),
                ErrorType::CommentEmpty,
                "Comment must be non-empty.",
            ),
            (
                json!({"comment": {"text": "x".repeat(ContentText::MAX_BYTES + 1)}, "requestedAttributes": {"TOXICITY": {}}}),
                ErrorType::CommentTooLong,
                "Comment text too long: at most 65536 bytes.",
            ),
            (
                json!({"comment": {"text": "<b>hi</b>", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}),
                ErrorType::InvalidRequest,
                "Currently, only 'PLAIN_TEXT' comments are supported",
            ),
            (json!({"comment": {"text": "hi"}}), ErrorType::NoRequestedAttributes, "Missing requested_attributes"),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {}}),
                ErrorType::NoRequestedAttributes,
                "Missing requested_attributes",
            ),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}, "UNSUBSTANTIAL": {}}}),
                ErrorType::InvalidRequest,
                "Unknown requested attribute: UNSUBSTANTIAL",
            ),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}}),
                ErrorType::InvalidRequest,
                "Requested score type STD_DEV_SCORE is not supported by attribute TOXICITY",
            ),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 1.5}}}),
                ErrorType::InvalidRequest,
                "Invalid value at 'requested_attributes[TOXICITY].score_threshold': must be between 0 and 1.",
            ),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
                       "context": {"entries": [], "articleAndParentComment": {}}}),
                ErrorType::InvalidRequest,
                "Context can have either entries or article_and_parent_comment, but both fields were populated.",
            ),
            (
                json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "communityId": "/forum/movies"}),
                ErrorType::InvalidRequest,
                "Invalid value at 'community_id': a Warden community id may contain only ASCII letters, digits, `.`, `_` and `-`.",
            ),
        ];
        for (body, error_type, message) in cases {
            let err = analysis(body.clone())
                .err()
                .unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(
                (err.error_type(), err.message(), err.code()),
                (Some(error_type), message, Code::InvalidField),
                "{body}"
            );
        }
    }

    #[test]
    fn proto_field_names_are_accepted_too() {
        let a = analysis(json!({
            "comment": {"text": "hi", "type": "PLAIN_TEXT"},
            "requested_attributes": {"INSULT": {"score_threshold": 0.5, "score_type": "PROBABILITY"}},
            "span_annotations": true, "do_not_store": true, "client_token": "t", "session_id": "s",
            "community_id": "cats", "context": {"article_and_parent_comment": {"parent_comment": {"text": "x"}}},
        }))
        .unwrap();
        assert!(a.spans);
        assert_eq!(a.client_token.as_deref(), Some("t"));
        assert_eq!(a.community().map(|c| c.as_str()), Some("cats"));
        assert_eq!(
            a.attributes,
            vec![Requested {
                name: "INSULT".into(),
                attribute: Attribute::Insult,
                threshold: Some(0.5)
            }]
        );
    }

    #[test]
    fn languages_match_by_primary_subtag() {
        let loaded = vec!["en".to_string(), "de".to_string()];
        let with = |languages: Value| {
            analysis(json!({"comment": {"text": "hi"}, "requestedAttributes": {"THREAT": {}, "INSULT": {}},
                            "languages": languages}))
            .unwrap()
            .check_languages(&loaded)
        };
        assert!(with(json!([])).is_ok());
        assert!(with(json!(["en"])).is_ok());
        assert!(with(json!(["en-US", "DE"])).is_ok());
        let err = with(json!(["en", "ja"])).unwrap_err();
        // Attributes are visited in name order; the first is named.
        assert_eq!(
            err.message(),
            "Attribute INSULT does not support request languages: en, ja"
        );
        assert_eq!(
            serde_json::to_value(err.body(400)).unwrap(),
            json!({"error": {
                "code": 400,
                "message": "Attribute INSULT does not support request languages: en, ja",
                "status": "INVALID_ARGUMENT",
                "details": [{
                    "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                    "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                    "languageNotSupportedByAttributeError": {
                        "requestedLanguages": ["en", "ja"],
                        "attribute": "INSULT",
                    },
                }],
            }})
        );
        assert!(with(json!([""])).is_err());
    }

    #[test]
    fn responses_mirror_the_request_and_count_utf16_units() {
        // "😀 you idiot": the emoji is one code point and two UTF-16 units.
        let a = analysis(json!({
            "comment": {"text": "😀 you idiot"},
            "requestedAttributes": {"INSULT": {}, "TOXICITY@6": {}, "SEVERE_TOXICITY": {}, "THREAT": {"scoreThreshold": 0.5}},
            "spanAnnotations": true,
            "clientToken": "c-1",
        }))
        .unwrap();
        let v = verdict(
            &[
                (Category::Insult, 0.84),
                (Category::Toxicity, 0.8),
                (Category::Threat, 0.1),
            ],
            vec![
                m(2, 10, Category::Toxicity, Severity::Medium, Source::Model),
                m(6, 11, Category::Insult, Severity::Low, Source::Wordlist),
                m(0, 1, Category::Pii, Severity::Low, Source::Pii),
            ],
        );
        let body = wire(&a.respond(&v, &["en".to_string()]));
        assert_eq!(
            body,
            json!({
                "attributeScores": {
                    "INSULT": {
                        "spanScores": [{"begin": 7, "end": 12, "score": {"value": 0.4, "type": "PROBABILITY"}}],
                        "summaryScore": {"value": 0.84, "type": "PROBABILITY"},
                    },
                    // The model span and the insult match overlap: one span, the higher score.
                    "TOXICITY@6": {
                        "spanScores": [{"begin": 3, "end": 12, "score": {"value": 0.93, "type": "PROBABILITY"}}],
                        "summaryScore": {"value": 0.8, "type": "PROBABILITY"},
                    },
                    "SEVERE_TOXICITY": {
                        "spanScores": [{"begin": 3, "end": 12, "score": {"value": 0.825, "type": "PROBABILITY"}}],
                        "summaryScore": {"value": 0.5, "type": "PROBABILITY"},
                    },
                    // THREAT (0.1) is under its threshold: left out.
                },
                "languages": ["en"],
                "clientToken": "c-1",
            })
        );
    }

    #[test]
    fn spans_only_when_asked_and_only_where_something_was_found() {
        let a = analysis(
            json!({"comment": {"text": "hello"}, "requestedAttributes": {"PROFANITY": {}},
                                "languages": ["en-GB"]}),
        )
        .unwrap();
        let v = verdict(&[], vec![]);
        assert_eq!(
            wire(&a.respond(&v, &["en".to_string()])),
            json!({"attributeScores": {"PROFANITY": {"summaryScore": {"value": 0.0, "type": "PROBABILITY"}}},
                   "languages": ["en-GB"]})
        );
        let a = analysis(
            json!({"comment": {"text": "hello"}, "requestedAttributes": {"PROFANITY": {}},
                                "spanAnnotations": true}),
        )
        .unwrap();
        assert_eq!(
            wire(&a.respond(&v, &["en".to_string()]))["attributeScores"],
            json!({"PROFANITY": {"summaryScore": {"value": 0.0, "type": "PROBABILITY"}}})
        );
    }

    #[test]
    fn discounted_wordlist_spans_never_exceed_their_category() {
        // "fuck yes": medium profanity (0.75) that the classifier capped at 0.4.
        let v = verdict(
            &[(Category::Profanity, 0.4), (Category::Toxicity, 0.4)],
            vec![m(
                0,
                4,
                Category::Profanity,
                Severity::Medium,
                Source::Wordlist,
            )],
        );
        assert_eq!(spans(&v, Attribute::Profanity), vec![(0, 4, 0.4)]);
        assert_eq!(spans(&v, Attribute::SevereToxicity), vec![(0, 4, 0.0)]);
        assert!(spans(&v, Attribute::Threat).is_empty());
    }
}
