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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{clamp_score, from_value, json_type, utf16_offsets, Mismatch, Transport};
use crate::failure::{Code, Failure};
use crate::ids::{CommunityId, ContentText};
use crate::verdict::{Category, Match, Source, Verdict};

/// The `@type` of Perspective's own error details.
const ERROR_DETAIL_TYPE: &str = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error";

/// The only score type Warden (like Perspective today) returns.
const PROBABILITY: &str = "PROBABILITY";

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

/// Perspective's error types (the `errorType` of an error's details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    CommentTooLong,
    CommentEmpty,
    NoRequestedAttributes,
    LanguageNotSupportedByAttribute,
    /// Any other malformed request.
    InvalidRequest,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::CommentTooLong => "COMMENT_TOO_LONG",
            ErrorType::CommentEmpty => "COMMENT_EMPTY",
            ErrorType::NoRequestedAttributes => "NO_REQUESTED_ATTRIBUTES",
            ErrorType::LanguageNotSupportedByAttribute => "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            ErrorType::InvalidRequest => "INVALID_REQUEST",
        }
    }
}

/// An error in Google's shape: `{"error": {"code", "message", "status", "details"?}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct PerspectiveError {
    code: Code,
    message: String,
    error_type: Option<ErrorType>,
    /// For `LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`: the attribute and the languages asked for.
    language: Option<(String, Vec<String>)>,
    retry_after: Option<u64>,
}

impl PerspectiveError {
    fn invalid(error_type: ErrorType, message: impl Into<String>) -> PerspectiveError {
        PerspectiveError {
            code: Code::InvalidField,
            message: message.into(),
            error_type: Some(error_type),
            language: None,
            retry_after: None,
        }
    }

    fn request(message: impl Into<String>) -> PerspectiveError {
        PerspectiveError::invalid(ErrorType::InvalidRequest, message)
    }

    /// The Warden code behind it: the HTTP status comes from Warden's one table.
    pub fn code(&self) -> Code {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn error_type(&self) -> Option<ErrorType> {
        self.error_type
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The body, for a response with HTTP status `http_status`.
    pub fn body(&self, http_status: u16) -> Value {
        let mut error = json!({
            "code": http_status,
            "message": self.message,
            "status": google_status(self.code),
        });
        if let Some(error_type) = self.error_type {
            let mut detail = json!({
                "@type": ERROR_DETAIL_TYPE,
                "errorType": error_type.as_str(),
            });
            if let Some((attribute, languages)) = &self.language {
                detail["languageNotSupportedByAttributeError"] = json!({
                    "requestedLanguages": languages,
                    "attribute": attribute,
                });
            }
            error["details"] = json!([detail]);
        }
        json!({ "error": error })
    }

    /// A `?key=` or query-string problem, in the words Google uses for one.
    pub fn query(message: impl Into<String>) -> PerspectiveError {
        PerspectiveError::request(message)
    }

    /// A query parameter Perspective does not have.
    pub fn unknown_query_parameter(name: &str) -> PerspectiveError {
        PerspectiveError::request(format!(
            "Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. \
             Field '{name}' could not be found in request message."
        ))
    }
}

/// Failures raised before the translation (authentication, scope, rate limiting, a body
/// that is not JSON) keep their status and message in Google's shape.
impl From<Failure> for PerspectiveError {
    fn from(f: Failure) -> PerspectiveError {
        let t = Transport::from(f);
        let bad_body = matches!(t.code, Code::InvalidJson | Code::InvalidUtf8);
        PerspectiveError {
            code: t.code,
            message: if bad_body {
                format!("Invalid JSON payload received. {}", t.message)
            } else {
                t.message
            },
            error_type: bad_body.then_some(ErrorType::InvalidRequest),
            language: None,
            retry_after: t.retry_after,
        }
    }
}

/// Google's canonical status name for a Warden code (its HTTP status is Warden's).
fn google_status(code: Code) -> &'static str {
    match code {
        Code::InvalidJson
        | Code::InvalidUtf8
        | Code::MissingField
        | Code::UnknownField
        | Code::InvalidField
        | Code::PayloadTooLarge
        | Code::UnsupportedMediaType
        | Code::Unprocessable => "INVALID_ARGUMENT",
        Code::Unauthorized => "UNAUTHENTICATED",
        Code::Forbidden => "PERMISSION_DENIED",
        Code::NotFound => "NOT_FOUND",
        Code::MethodNotAllowed => "UNIMPLEMENTED",
        Code::LeaseConflict => "ABORTED",
        Code::InvalidState => "FAILED_PRECONDITION",
        Code::RateLimited => "RESOURCE_EXHAUSTED",
        Code::RequestTimeout => "DEADLINE_EXCEEDED",
        Code::NotReady => "UNAVAILABLE",
        Code::Internal => "INTERNAL",
    }
}

// The request, as Perspective's JSON parser reads it: every field optional (proto3), unknown
// fields refused, proto field names accepted beside the lowerCamelCase ones.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Request {
    #[serde(default)]
    comment: Option<TextEntry>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default, alias = "requested_attributes")]
    requested_attributes: Option<BTreeMap<String, Option<Parameters>>>,
    #[serde(default, alias = "span_annotations")]
    span_annotations: Option<bool>,
    #[serde(default)]
    languages: Option<Vec<String>>,
    /// Accepted and always honoured: nothing sent to Warden's compatible APIs is stored.
    #[serde(default, alias = "do_not_store")]
    #[allow(dead_code)]
    do_not_store: Option<bool>,
    #[serde(default, alias = "client_token")]
    client_token: Option<String>,
    /// Accepted for compatibility; Warden keeps no sessions.
    #[serde(default, alias = "session_id")]
    #[allow(dead_code)]
    session_id: Option<String>,
    #[serde(default, alias = "community_id")]
    community_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TextEntry {
    #[serde(default)]
    text: Option<ContentText>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Context {
    #[serde(default)]
    entries: Option<Vec<TextEntry>>,
    #[serde(default, alias = "article_and_parent_comment")]
    article_and_parent_comment: Option<ArticleAndParentComment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArticleAndParentComment {
    #[serde(default)]
    article: Option<TextEntry>,
    #[serde(default, alias = "parent_comment")]
    parent_comment: Option<TextEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Parameters {
    #[serde(default, alias = "score_type")]
    score_type: Option<String>,
    #[serde(default, alias = "score_threshold")]
    score_threshold: Option<f32>,
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
        if !body.is_object() {
            return Err(PerspectiveError::request(format!(
                "Invalid JSON payload received. Expected an object, got {}.",
                json_type(body)
            )));
        }
        // Checked before the typed parse so that an overlong comment gets its own error
        // type rather than a generic invalid value.
        if body
            .pointer("/comment/text")
            .and_then(Value::as_str)
            .is_some_and(|t| t.len() > ContentText::MAX_BYTES)
        {
            return Err(PerspectiveError::invalid(
                ErrorType::CommentTooLong,
                format!(
                    "Comment text too long: at most {} bytes.",
                    ContentText::MAX_BYTES
                ),
            ));
        }
        let request: Request = from_value(body).map_err(|m| match m {
            Mismatch::Unknown { parent, name } if parent.is_empty() => PerspectiveError::request(
                format!("Invalid JSON payload received. Unknown name \"{name}\": Cannot find field."),
            ),
            Mismatch::Unknown { parent, name } => PerspectiveError::request(format!(
                "Invalid JSON payload received. Unknown name \"{name}\" at '{parent}': Cannot find field."
            )),
            Mismatch::Invalid { path, reason } => {
                PerspectiveError::request(format!("Invalid value at '{path}': {reason}."))
            }
        })?;

        let comment = request.comment;
        check_type(comment.as_ref().and_then(|c| c.kind.as_deref()))?;
        let text = comment
            .and_then(|c| c.text)
            .filter(|t| !t.as_str().is_empty())
            .ok_or_else(|| {
                PerspectiveError::invalid(ErrorType::CommentEmpty, "Comment must be non-empty.")
            })?;
        if let Some(context) = &request.context {
            check_context(context)?;
        }

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

        let community = request
            .community_id
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<CommunityId>().map_err(|e| {
                    PerspectiveError::request(format!(
                        "Invalid value at 'community_id': a Warden community id {e}."
                    ))
                })
            })
            .transpose()?;

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
        let primary = |tag: &str| {
            tag.split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let supported: Vec<String> = loaded.iter().map(|l| primary(l)).collect();
        let all_supported = self.languages.iter().all(|l| {
            let p = primary(l);
            !p.is_empty() && supported.contains(&p)
        });
        if all_supported {
            return Ok(());
        }
        // Perspective names one attribute: the first one requested.
        let attribute = self
            .attributes
            .first()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        Err(PerspectiveError {
            code: Code::InvalidField,
            message: format!(
                "Attribute {attribute} does not support request languages: {}",
                self.languages.join(", ")
            ),
            error_type: Some(ErrorType::LanguageNotSupportedByAttribute),
            language: Some((attribute, self.languages.clone())),
            retry_after: None,
        })
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

/// `comment.type`: Perspective scores plain text only.
fn check_type(kind: Option<&str>) -> Result<(), PerspectiveError> {
    match kind {
        None | Some("PLAIN_TEXT") | Some("TEXT_TYPE_UNSPECIFIED") => Ok(()),
        Some("HTML") => Err(PerspectiveError::request(
            "Currently, only 'PLAIN_TEXT' comments are supported",
        )),
        Some(_) => Err(PerspectiveError::request("Unknown text type")),
    }
}

/// `context` is accepted and, as in Perspective, does not change the scores; its shape is
/// still checked.
fn check_context(context: &Context) -> Result<(), PerspectiveError> {
    if context.entries.is_some() && context.article_and_parent_comment.is_some() {
        return Err(PerspectiveError::request(
            "Context can have either entries or article_and_parent_comment, but both fields \
             were populated.",
        ));
    }
    let entries = context.entries.iter().flatten();
    let pair = context
        .article_and_parent_comment
        .iter()
        .flat_map(|p| p.article.iter().chain(p.parent_comment.iter()));
    for entry in entries.chain(pair) {
        check_type(entry.kind.as_deref())?;
    }
    Ok(())
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
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeResponse {
    attribute_scores: BTreeMap<String, AttributeScores>,
    languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AttributeScores {
    #[serde(skip_serializing_if = "Option::is_none")]
    span_scores: Option<Vec<SpanScore>>,
    summary_score: Score,
}

#[derive(Debug, Serialize)]
struct SpanScore {
    /// UTF-16 code units, as Perspective counts them; `end` exclusive.
    begin: u32,
    end: u32,
    score: Score,
}

#[derive(Debug, Serialize)]
struct Score {
    value: f32,
    #[serde(rename = "type")]
    kind: &'static str,
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
mod tests;
