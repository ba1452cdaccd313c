//! What Perspective's methods share: Google's error shape and Perspective's error types,
//! the `TextEntry` and `Context` request messages, and the checks both `AnalyzeComment`
//! and `SuggestCommentScore` make on them, in the order Perspective reports problems.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::compat::{from_value, json_type, Mismatch, Transport};
use crate::failure::Failure;
use crate::ids::{CommunityId, ContentText};
use crate::Code;

/// The `@type` of Perspective's own error details.
const ERROR_DETAIL_TYPE: &str = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error";

/// Perspective's error types (the `errorType` of an error's details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorType {
    CommentTooLong,
    CommentEmpty,
    NoRequestedAttributes,
    LanguageNotSupportedByAttribute,
    /// Any other malformed request.
    InvalidRequest,
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
    pub(crate) fn invalid(error_type: ErrorType, message: impl Into<String>) -> PerspectiveError {
        PerspectiveError {
            code: Code::InvalidField,
            message: message.into(),
            error_type: Some(error_type),
            language: None,
            retry_after: None,
        }
    }

    pub(crate) fn request(message: impl Into<String>) -> PerspectiveError {
        PerspectiveError::invalid(ErrorType::InvalidRequest, message)
    }

    /// The Warden code behind it: the HTTP status comes from Warden's one table.
    pub fn code(&self) -> Code {
        self.code
    }

    // The handlers render `body`; the tests read the parts.
    #[cfg(test)]
    pub fn message(&self) -> &str {
        &self.message
    }

    #[cfg(test)]
    pub fn error_type(&self) -> Option<ErrorType> {
        self.error_type
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The body, for a response with HTTP status `http_status`.
    pub fn body(&self, http_status: u16) -> GoogleError {
        let details = self.error_type.map(|error_type| ErrorDetail {
            kind: ERROR_DETAIL_TYPE,
            error_type,
            language: self
                .language
                .as_ref()
                .map(|(attribute, languages)| LanguageNotSupported {
                    requested_languages: languages.clone(),
                    attribute: attribute.clone(),
                }),
        });
        GoogleError {
            error: GoogleStatus {
                code: http_status,
                message: self.message.clone(),
                status: google_status(self.code),
                details: details.into_iter().collect(),
            },
        }
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

/// Google's error body: `{"error": {"code", "message", "status", "details"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoogleError {
    #[schema(inline)]
    error: GoogleStatus,
}

#[derive(Debug, Serialize, ToSchema)]
struct GoogleStatus {
    /// The HTTP status.
    code: u16,
    message: String,
    /// Google's canonical status name.
    #[schema(schema_with = google_statuses)]
    status: &'static str,
    /// Perspective's own error type, for the errors it defines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<ErrorDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PerspectiveErrorDetail)]
struct ErrorDetail {
    #[serde(rename = "@type")]
    #[schema(schema_with = error_detail_type)]
    kind: &'static str,
    #[serde(rename = "errorType")]
    error_type: ErrorType,
    #[serde(
        rename = "languageNotSupportedByAttributeError",
        skip_serializing_if = "Option::is_none"
    )]
    language: Option<LanguageNotSupported>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LanguageNotSupported {
    requested_languages: Vec<String>,
    attribute: String,
}

/// Every `status` an error may carry, for the API document.
fn google_statuses() -> utoipa::openapi::schema::Object {
    let mut statuses: Vec<&str> = Code::ALL.iter().map(|&c| google_status(c)).collect();
    statuses.sort_unstable();
    statuses.dedup();
    crate::schema::one_of(&statuses)
}

fn error_detail_type() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&[ERROR_DETAIL_TYPE])
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
        Code::LeaseConflict | Code::AuthorConflict => "ABORTED",
        Code::InvalidState => "FAILED_PRECONDITION",
        Code::RateLimited => "RESOURCE_EXHAUSTED",
        Code::RequestTimeout => "DEADLINE_EXCEEDED",
        Code::NotReady => "UNAVAILABLE",
        // The engine's own codes never reach a client: a `Failure` carries them as
        // `internal`.
        Code::Internal
        | Code::LineTooLong
        | Code::EmptyLine
        | Code::InvalidWordlist
        | Code::IoError
        | Code::InvalidConfig
        | Code::ModelError => "INTERNAL",
    }
}

/// A `TextEntry`: the comment, or a piece of context.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TextEntry {
    #[serde(default)]
    text: Option<ContentText>,
    /// Plain text only.
    #[serde(default, rename = "type")]
    #[schema(schema_with = text_types)]
    kind: Option<String>,
}

/// The `type`s of a `TextEntry` Warden accepts (see `check_type`).
fn text_types() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&["PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"])
}

/// A comment's `context`: checked, never scored (accepted and ignored, as by
/// Perspective). Either `entries` or `articleAndParentComment`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Context {
    #[serde(default)]
    entries: Option<Vec<TextEntry>>,
    #[serde(default, alias = "article_and_parent_comment")]
    article_and_parent_comment: Option<ArticleAndParentComment>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArticleAndParentComment {
    #[serde(default)]
    article: Option<TextEntry>,
    #[serde(default, alias = "parent_comment")]
    parent_comment: Option<TextEntry>,
}

/// Reads a request body into its type, in the order Perspective reports problems: not an
/// object, an overlong comment, then the first field that does not fit.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Value) -> Result<T, PerspectiveError> {
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
    from_value(body).map_err(|m| match m {
        Mismatch::Unknown { parent, name } if parent.is_empty() => PerspectiveError::request(
            format!("Invalid JSON payload received. Unknown name \"{name}\": Cannot find field."),
        ),
        Mismatch::Unknown { parent, name } => PerspectiveError::request(format!(
            "Invalid JSON payload received. Unknown name \"{name}\" at '{parent}': Cannot find field."
        )),
        Mismatch::Invalid { path, reason } => {
            PerspectiveError::request(format!("Invalid value at '{path}': {reason}."))
        }
    })
}

/// The comment's text: plain text, and not empty.
pub(crate) fn comment_text(comment: Option<TextEntry>) -> Result<ContentText, PerspectiveError> {
    check_type(comment.as_ref().and_then(|c| c.kind.as_deref()))?;
    comment
        .and_then(|c| c.text)
        .filter(|t| !t.as_str().is_empty())
        .ok_or_else(|| {
            PerspectiveError::invalid(ErrorType::CommentEmpty, "Comment must be non-empty.")
        })
}

/// `communityId`: a Warden community, or none when absent or empty.
pub(crate) fn community_id(id: Option<String>) -> Result<Option<CommunityId>, PerspectiveError> {
    id.filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<CommunityId>().map_err(|e| {
                PerspectiveError::request(format!(
                    "Invalid value at 'community_id': a Warden community id {e}."
                ))
            })
        })
        .transpose()
}

/// Refuses a request that names a language Warden did not load (`loaded`: the wordlist
/// languages). Matching is by primary language subtag, so `en-US` is `en`. Perspective
/// names one attribute in the error: the first one requested (`first`).
pub(crate) fn check_languages(
    requested: &[String],
    first: Option<&str>,
    loaded: &[String],
) -> Result<(), PerspectiveError> {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let supported: Vec<String> = loaded.iter().map(|l| primary(l)).collect();
    let all_supported = requested.iter().all(|l| {
        let p = primary(l);
        !p.is_empty() && supported.contains(&p)
    });
    if all_supported {
        return Ok(());
    }
    let attribute = first.unwrap_or_default().to_string();
    Err(PerspectiveError {
        code: Code::InvalidField,
        message: format!(
            "Attribute {attribute} does not support request languages: {}",
            requested.join(", ")
        ),
        error_type: Some(ErrorType::LanguageNotSupportedByAttribute),
        language: Some((attribute, requested.to_vec())),
        retry_after: None,
    })
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
pub(crate) fn check_context(context: Option<&Context>) -> Result<(), PerspectiveError> {
    let Some(context) = context else {
        return Ok(());
    };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn transport_failures_keep_their_status_in_googles_shape() {
        let cases = [
            (
                Failure::unauthorized("invalid or revoked API key"),
                401,
                "UNAUTHENTICATED",
            ),
            (
                Failure::forbidden("the `feed` role may not do this"),
                403,
                "PERMISSION_DENIED",
            ),
            (Failure::not_found("community"), 404, "NOT_FOUND"),
            (Failure::rate_limited(3), 429, "RESOURCE_EXHAUSTED"),
            (
                Failure::new(Code::PayloadTooLarge, "too big"),
                413,
                "INVALID_ARGUMENT",
            ),
        ];
        for (failure, http, status) in cases {
            let message = failure.message().to_string();
            let err = PerspectiveError::from(failure);
            assert_eq!(
                serde_json::to_value(err.body(http)).unwrap(),
                json!({"error": {"code": http, "message": message, "status": status}})
            );
        }
        let err = PerspectiveError::from(Failure::rate_limited(3));
        assert_eq!(err.retry_after(), Some(3));
        let err = PerspectiveError::from(Failure::new(Code::InvalidJson, "invalid JSON: EOF"));
        assert_eq!(
            err.message(),
            "Invalid JSON payload received. invalid JSON: EOF"
        );
        assert_eq!(err.error_type(), Some(ErrorType::InvalidRequest));
    }
}
