//! Perspective's `SuggestCommentScore` (`POST /v1alpha1/comments:suggestscore`): a
//! caller's correction of a comment's scores, validated as Perspective validates it and
//! kept as score feedback (`crate::domain::feedback`) for threshold calibration.
//!
//! The request is Perspective's `SuggestCommentScoreRequest`: `comment`, `context`,
//! `attributeScores` (attribute name → `{summaryScore?, spanScores?}`, the shape of
//! `AnalyzeCommentResponse.attributeScores`), `languages`, `communityId`, `clientToken`,
//! `sessionId`. As Perspective's reference says, `attributeScores` and each of its
//! entries must not be empty, every score must have a value (`PROBABILITY` when no type
//! is given), and every span must have `begin` and `end`. Warden also holds spans to
//! the comment (UTF-16 code units, `begin < end ≤ length`) and scores to 0..1, since
//! a calibration cannot use anything else.
//!
//! What is recorded is the suggested scores beside the scores Warden gives the same text
//! (see [`Suggestion::feedback`]); the text, context, client token and session id are
//! not kept. The response is `SuggestCommentScoreResponse`: the `clientToken` and the
//! `requestedLanguages`, echoed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::common::{
    check_context, check_languages, comment_text, community_id, parse_body, Context,
    PerspectiveError, TextEntry,
};
use super::{Attribute, PROBABILITY};
use crate::clock::Timestamp;
use crate::compat::utf16_offsets;
use crate::domain::feedback::{AttributeFeedback, FeedbackSource, ScoreFeedback, SpanFeedback};
use crate::ids::{CommunityId, ContentText, KeyId};
use crate::verdict::Verdict;

// The request, read as `AnalyzeComment`'s is: every field optional (proto3), unknown fields
// refused, proto field names accepted beside the lowerCamelCase ones.

/// Perspective's `SuggestCommentScoreRequest`. Proto field names (`attribute_scores`,
/// `summary_score`, `span_scores`, …) are accepted as well.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PerspectiveSuggestRequest)]
pub(crate) struct SuggestRequest {
    /// The comment the scores are for: its text must not be empty.
    #[serde(default)]
    comment: Option<TextEntry>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default, alias = "attribute_scores")]
    #[schema(schema_with = attribute_scores)]
    attribute_scores: Option<BTreeMap<String, Option<AttributeScores>>>,
    #[serde(default)]
    languages: Option<Vec<String>>,
    /// A Warden community id (404 outside the key's scope).
    #[serde(default, alias = "community_id")]
    community_id: Option<String>,
    /// Echoed, not stored.
    #[serde(default, alias = "client_token")]
    client_token: Option<String>,
    /// Accepted for compatibility; Warden keeps no sessions.
    #[serde(default, alias = "session_id")]
    #[allow(dead_code)]
    session_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SuggestedAttributeScores)]
struct AttributeScores {
    // Inline: the map that holds this type inlines it (see `attribute_scores`), so names
    // it would reference would not be registered.
    #[serde(default, alias = "span_scores")]
    #[schema(inline)]
    span_scores: Option<Vec<SpanScore>>,
    #[serde(default, alias = "summary_score")]
    #[schema(inline)]
    summary_score: Option<Score>,
}

/// A span of the comment: UTF-16 code units, `begin < end ≤` the comment's length.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestedSpanScore)]
struct SpanScore {
    /// Required.
    #[serde(default)]
    #[schema(minimum = 0)]
    begin: Option<i64>,
    /// Required.
    #[serde(default)]
    end: Option<i64>,
    #[serde(default)]
    #[schema(inline)]
    score: Option<Score>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SuggestedScore)]
struct Score {
    /// Required: 0 to 1.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    value: Option<f64>,
    /// `PROBABILITY` when absent.
    #[serde(default, rename = "type")]
    #[schema(schema_with = super::score_types)]
    kind: Option<String>,
}

fn attribute_scores() -> utoipa::openapi::schema::Object {
    use utoipa::PartialSchema;
    crate::schema::map_of_optional(
        "The scores the comment should have had, by attribute (as in `AnalyzeComment`'s \
         response). Not empty, and no entry empty.",
        AttributeScores::schema(),
    )
}

/// One attribute's suggestion, validated.
#[derive(Debug, Clone, PartialEq)]
struct Suggested {
    attribute: Attribute,
    summary: Option<f32>,
    spans: Vec<SpanFeedback>,
}

/// A validated `SuggestCommentScore` request.
pub struct Suggestion {
    text: ContentText,
    community: Option<CommunityId>,
    attributes: Vec<Suggested>,
    languages: Vec<String>,
    client_token: Option<String>,
}

impl Suggestion {
    /// Validates a request body, in the order `AnalyzeComment` reports problems: the
    /// shape, the comment, then the scores.
    pub fn parse(body: &Value) -> Result<Suggestion, PerspectiveError> {
        let request: SuggestRequest = parse_body(body)?;
        let text = comment_text(request.comment)?;
        check_context(request.context.as_ref())?;
        let scores = request.attribute_scores.unwrap_or_default();
        if scores.is_empty() {
            return Err(PerspectiveError::request(
                "attribute_scores must not be empty.",
            ));
        }
        let length = utf16_offsets(text.as_str()).last().copied().unwrap_or(0);
        let mut attributes: Vec<Suggested> = Vec::with_capacity(scores.len());
        for (name, scores) in scores {
            let attribute = Attribute::parse(&name)
                .ok_or_else(|| PerspectiveError::request(format!("Unknown attribute: {name}")))?;
            if attributes.iter().any(|s| s.attribute == attribute) {
                return Err(PerspectiveError::request(format!(
                    "Attribute {} is given more than once.",
                    attribute.name()
                )));
            }
            attributes.push(suggested(&name, attribute, scores, length)?);
        }
        Ok(Suggestion {
            text,
            community: community_id(request.community_id)?,
            attributes,
            languages: request.languages.unwrap_or_default(),
            client_token: request.client_token,
        })
    }

    /// The comment, for scoring: the feedback pairs the suggestion with Warden's scores.
    pub fn text(&self) -> &str {
        self.text.as_str()
    }

    /// The Warden community named by `communityId`.
    pub fn community(&self) -> Option<&CommunityId> {
        self.community.as_ref()
    }

    /// Refuses languages Warden did not load, as `AnalyzeComment` does.
    pub fn check_languages(&self, loaded: &[String]) -> Result<(), PerspectiveError> {
        let first = self.attributes.first().map(|s| s.attribute.name());
        check_languages(&self.languages, first, loaded)
    }

    /// The record to keep: each suggested score beside the score Warden gives the text
    /// (`verdict`, the verdict on [`Suggestion::text`] under the same rules), and which
    /// engine and classifier gave it. Nothing of the text itself.
    pub fn feedback(&self, verdict: &Verdict, key_id: KeyId, at: Timestamp) -> ScoreFeedback {
        ScoreFeedback {
            at,
            source: FeedbackSource::PerspectiveSuggestScore,
            community: self.community.clone(),
            key_id,
            engine: verdict.engine.clone(),
            model: verdict.model.clone(),
            attributes: self
                .attributes
                .iter()
                .map(|s| AttributeFeedback {
                    attribute: s.attribute.name().to_string(),
                    category: s.attribute.category(),
                    scored: s.attribute.score(verdict.category(s.attribute.category())),
                    suggested: s.summary,
                    spans: s.spans.clone(),
                })
                .collect(),
        }
    }

    /// `SuggestCommentScore`'s response.
    pub fn respond(&self) -> SuggestResponse {
        SuggestResponse {
            client_token: self.client_token.clone(),
            requested_languages: self.languages.clone(),
        }
    }
}

/// One attribute's `AttributeScores`: not empty, every score a probability, every span
/// inside the comment (`length`: its UTF-16 length).
fn suggested(
    name: &str,
    attribute: Attribute,
    scores: Option<AttributeScores>,
    length: u32,
) -> Result<Suggested, PerspectiveError> {
    let at = format!("attribute_scores[{name}]");
    let scores = scores.unwrap_or(AttributeScores {
        span_scores: None,
        summary_score: None,
    });
    let span_scores = scores.span_scores.unwrap_or_default();
    if scores.summary_score.is_none() && span_scores.is_empty() {
        return Err(PerspectiveError::request(format!(
            "Invalid value at '{at}': give a summary_score or span_scores."
        )));
    }
    let summary = scores
        .summary_score
        .map(|s| probability(name, &format!("{at}.summary_score"), s))
        .transpose()?;
    let mut spans = Vec::with_capacity(span_scores.len());
    for (n, span) in span_scores.into_iter().enumerate() {
        let path = format!("{at}.span_scores[{n}]");
        let score = span.score.ok_or_else(|| {
            PerspectiveError::request(format!("Invalid value at '{path}.score': required."))
        })?;
        let score = probability(name, &format!("{path}.score"), score)?;
        let (Some(begin), Some(end)) = (span.begin, span.end) else {
            return Err(PerspectiveError::request(format!(
                "Invalid value at '{path}': begin and end are required."
            )));
        };
        let inside = |v: i64| u32::try_from(v).ok().filter(|&v| v <= length);
        match (inside(begin), inside(end)) {
            (Some(begin), Some(end)) if begin < end => {
                spans.push(SpanFeedback { begin, end, score })
            }
            _ => {
                return Err(PerspectiveError::request(format!(
                    "Invalid value at '{path}': need 0 ≤ begin < end ≤ {length}, the comment's \
                     length in UTF-16 code units."
                )))
            }
        }
    }
    Ok(Suggested {
        attribute,
        summary,
        spans,
    })
}

/// A suggested `Score`: a value in 0..1 of type `PROBABILITY` (assumed when unset).
fn probability(attribute: &str, path: &str, score: Score) -> Result<f32, PerspectiveError> {
    match score.kind.as_deref() {
        None | Some(PROBABILITY) | Some("SCORE_TYPE_UNSPECIFIED") => {}
        Some(other) => {
            return Err(PerspectiveError::request(format!(
                "Score type {other} is not supported by attribute {attribute}"
            )))
        }
    }
    match score.value {
        Some(v) if (0.0..=1.0).contains(&v) => Ok(v as f32),
        Some(_) => Err(PerspectiveError::request(format!(
            "Invalid value at '{path}.value': must be between 0 and 1."
        ))),
        None => Err(PerspectiveError::request(format!(
            "Invalid value at '{path}.value': required."
        ))),
    }
}

/// `SuggestCommentScore`'s response. Google's JSON leaves out an empty list; so does
/// Warden. `detectedLanguages` is never returned: Warden detects no language.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PerspectiveSuggestResponse)]
pub struct SuggestResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_token: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requested_languages: Vec<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compat::perspective::ErrorType;
    use crate::compat::test_verdict;
    use crate::verdict::Category;
    use crate::Code;

    fn parse(body: Value) -> Result<Suggestion, PerspectiveError> {
        Suggestion::parse(&body)
    }

    #[test]
    fn a_suggestion_becomes_feedback_without_its_text() {
        // "😀 idiot": the emoji is two UTF-16 units, so the text is 8 units long.
        let s = parse(json!({
            "comment": {"text": "😀 idiot"},
            "attributeScores": {
                "INSULT@2": {"summaryScore": {"value": 0.9}, "spanScores": [{"begin": 3, "end": 8, "score": {"value": 1, "type": "PROBABILITY"}}]},
                "SEVERE_TOXICITY": {"summaryScore": {"value": 0.25}},
            },
            "communityId": "cats",
            "clientToken": "t-1",
            "session_id": "s",
            "languages": ["en"],
        }))
        .unwrap();
        assert_eq!(s.text(), "😀 idiot");
        assert_eq!(s.community().map(|c| c.as_str()), Some("cats"));
        let verdict = test_verdict(
            &[(Category::Insult, 0.7), (Category::Toxicity, 0.8)],
            vec![],
        );
        let key = KeyId::random();
        let at = Timestamp::from_millis(1_700_000_000_000);
        let f = s.feedback(&verdict, key.clone(), at);
        assert_eq!(
            (f.at, &f.key_id, f.community.as_ref().map(|c| c.as_str())),
            (at, &key, Some("cats"))
        );
        assert!(f.check().is_ok());
        let stored = serde_json::to_string(&f).unwrap();
        for secret in ["idiot", "t-1", "\"s\""] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        let attributes: Vec<(&str, Category, f32, Option<f32>, usize)> = f
            .attributes
            .iter()
            .map(|a| {
                (
                    a.attribute.as_str(),
                    a.category,
                    a.scored,
                    a.suggested,
                    a.spans.len(),
                )
            })
            .collect();
        assert_eq!(
            attributes,
            vec![
                ("INSULT", Category::Insult, 0.7, Some(0.9), 1),
                // Warden's SEVERE_TOXICITY for toxicity 0.8 is 0.5.
                ("SEVERE_TOXICITY", Category::Toxicity, 0.5, Some(0.25), 0),
            ]
        );
        assert_eq!(
            f.attributes[0].spans,
            vec![SpanFeedback {
                begin: 3,
                end: 8,
                score: 1.0
            }]
        );
        assert_eq!(
            serde_json::to_value(s.respond()).unwrap(),
            json!({"clientToken": "t-1", "requestedLanguages": ["en"]})
        );
        let bare = parse(json!({"comment": {"text": "x"}, "attributeScores": {"THREAT": {"summaryScore": {"value": 0}}}}))
            .unwrap();
        assert_eq!(serde_json::to_value(bare.respond()).unwrap(), json!({}));
    }

    #[test]
    fn suggestions_are_validated() {
        let ok = json!({"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.5}}}});
        assert!(parse(ok).is_ok());
        let scores = |scores: Value| json!({"comment": {"text": "hi"}, "attributeScores": scores});
        let cases: Vec<(Value, ErrorType, &str)> = vec![
            (json!("hi"), ErrorType::InvalidRequest, "Invalid JSON payload received. Expected an object, got string."),
            (json!({"comment": {"text": ""}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}),
             ErrorType::CommentEmpty, "Comment must be non-empty."),
            (json!({"comment": {"text": "hi"}, "attributeScores": {}, "doNotStore": true}), ErrorType::InvalidRequest,
             "Invalid JSON payload received. Unknown name \"doNotStore\": Cannot find field."),
            (scores(json!({})), ErrorType::InvalidRequest, "attribute_scores must not be empty."),
            (scores(json!({"FLIRTATION": {"summaryScore": {"value": 1}}})), ErrorType::InvalidRequest, "Unknown attribute: FLIRTATION"),
            (scores(json!({"TOXICITY": {"summaryScore": {"value": 1}}, "TOXICITY@6": {"summaryScore": {"value": 1}}})),
             ErrorType::InvalidRequest, "Attribute TOXICITY is given more than once."),
            (scores(json!({"TOXICITY": {}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY]': give a summary_score or span_scores."),
            (scores(json!({"TOXICITY": {"summaryScore": {}}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].summary_score.value': required."),
            (scores(json!({"TOXICITY": {"summaryScore": {"value": 1.5}}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].summary_score.value': must be between 0 and 1."),
            (scores(json!({"TOXICITY": {"summaryScore": {"value": 3, "type": "RAW"}}})), ErrorType::InvalidRequest,
             "Score type RAW is not supported by attribute TOXICITY"),
            (scores(json!({"TOXICITY": {"spanScores": [{"begin": 0, "score": {"value": 1}}]}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].span_scores[0]': begin and end are required."),
            (scores(json!({"TOXICITY": {"spanScores": [{"begin": 0, "end": 2}]}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].span_scores[0].score': required."),
            (scores(json!({"TOXICITY": {"spanScores": [{"begin": 0, "end": 3, "score": {"value": 1}}]}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].span_scores[0]': need 0 ≤ begin < end ≤ 2, the comment's length in UTF-16 code units."),
            (scores(json!({"TOXICITY": {"spanScores": [{"begin": 1, "end": 1, "score": {"value": 1}}]}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].span_scores[0]': need 0 ≤ begin < end ≤ 2, the comment's length in UTF-16 code units."),
            (scores(json!({"TOXICITY": {"spanScores": [{"begin": -1, "end": 1, "score": {"value": 1}}]}})), ErrorType::InvalidRequest,
             "Invalid value at 'attribute_scores[TOXICITY].span_scores[0]': need 0 ≤ begin < end ≤ 2, the comment's length in UTF-16 code units."),
            (scores(json!({"TOXICITY": {"summaryScore": {"value": "high"}}})), ErrorType::InvalidRequest,
             "Invalid value at 'attributeScores.TOXICITY.summaryScore.value': invalid type: string \"high\", expected f64."),
        ];
        for (body, error_type, message) in cases {
            let err = parse(body.clone())
                .err()
                .unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(
                (err.error_type(), err.message(), err.code()),
                (Some(error_type), message, Code::InvalidField),
                "{body}"
            );
        }
        let s = parse(json!({"comment": {"text": "hi"}, "attributeScores": {"THREAT": {"summaryScore": {"value": 1}}},
                             "languages": ["ja"]}))
        .unwrap();
        let err = s.check_languages(&["en".to_string()]).unwrap_err();
        assert_eq!(
            err.error_type(),
            Some(ErrorType::LanguageNotSupportedByAttribute)
        );
        assert_eq!(
            err.message(),
            "Attribute THREAT does not support request languages: ja"
        );
    }
}
