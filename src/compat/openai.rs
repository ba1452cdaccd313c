//! OpenAI's moderation endpoint (`POST /v1/moderations`), answered by Warden.
//!
//! The request is `{input, model?}`, `input` being a string, an array of strings (one
//! result each, in order) or an array of `{"type": "text", "text"}` parts (one result for
//! them together, as OpenAI gives for multi-modal input). The response is `{id, model,
//! results: [{flagged, categories, category_scores, category_applied_input_types}]}` with
//! OpenAI's thirteen category names, always all of them; see [`CATEGORIES`] for where each
//! comes from. Errors have OpenAI's shape, `{"error": {"message", "type", "param",
//! "code"}}`, and unknown parameters are refused, as OpenAI refuses them.
//!
//! Warden moderates text only: an `image_url` part is refused rather than skipped, so an
//! image is never reported as harmless unseen.

use std::collections::BTreeMap;

use rand::RngCore;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{
    ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::{clamp_score, json_type, Transport};
use crate::failure::Failure;
use crate::ids::ContentText;
use crate::policy::Policy;
use crate::verdict::{Action, Category, EngineInfo, ModelInfo, Verdict};
use crate::Code;

/// Most inputs in one request (as `POST /v1/content:batch` takes at most 1,000 items).
pub const MAX_INPUTS: usize = 1000;

/// Where an OpenAI category's score comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The strongest of these Warden categories; flagged when any of them reaches an action
    /// threshold of the policy.
    Strongest(&'static [Category]),
    /// Both Warden categories at once: the weaker score; flagged when both reach a
    /// threshold.
    Both(Category, Category),
    /// Nothing Warden detects: always `false` and 0, and scored for no input type.
    Unscored,
}

/// OpenAI's categories, in its order, and where Warden's answer for each comes from.
pub const CATEGORIES: [(&str, Source); 13] = [
    (
        "harassment",
        Source::Strongest(&[Category::Insult, Category::Threat]),
    ),
    (
        "harassment/threatening",
        Source::Strongest(&[Category::Threat]),
    ),
    ("hate", Source::Strongest(&[Category::IdentityAttack])),
    (
        "hate/threatening",
        Source::Both(Category::IdentityAttack, Category::Threat),
    ),
    ("illicit", Source::Unscored),
    ("illicit/violent", Source::Unscored),
    ("self-harm", Source::Strongest(&[Category::SelfHarm])),
    ("self-harm/instructions", Source::Unscored),
    // Warden's self-harm phrases are first-person ("end my life", "cut myself").
    ("self-harm/intent", Source::Strongest(&[Category::SelfHarm])),
    ("sexual", Source::Strongest(&[Category::Sexual])),
    ("sexual/minors", Source::Unscored),
    ("violence", Source::Strongest(&[Category::Threat])),
    ("violence/graphic", Source::Unscored),
];

/// The model names a request may ask for: OpenAI's moderation models (any of them is
/// served by Warden's one engine) and Warden's own name for its engine.
fn known_model(requested: &str, own: &str) -> bool {
    requested == own
        || requested.starts_with("omni-moderation-")
        || requested.starts_with("text-moderation-")
}

/// How the response names the engine that scored: the classifier and its version, or the
/// wordlists alone when no classifier ran.
pub fn model_name(model: Option<&ModelInfo>, engine: &EngineInfo) -> String {
    match model {
        Some(m) => format!("{}-{}", m.name, m.version),
        None => format!("warden-patterns-{}", engine.version),
    }
}

/// An error in OpenAI's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiError {
    code: Code,
    message: String,
    kind: &'static str,
    param: Option<String>,
    error_code: Option<&'static str>,
    retry_after: Option<u64>,
}

impl OpenAiError {
    fn invalid(message: impl Into<String>, param: &str, error_code: &'static str) -> OpenAiError {
        OpenAiError {
            code: Code::InvalidField,
            message: message.into(),
            kind: ERROR_TYPES[0],
            param: Some(param.to_string()),
            error_code: Some(error_code),
            retry_after: None,
        }
    }

    fn wrong_type(param: &str, expected: &str, got: &Value) -> OpenAiError {
        OpenAiError::invalid(
            format!(
                "Invalid type for '{param}': expected {expected}, but got {} instead.",
                json_type(got)
            ),
            param,
            "invalid_type",
        )
    }

    /// The Warden code behind it: the HTTP status comes from Warden's one table.
    pub fn code(&self) -> Code {
        self.code
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn body(&self) -> OpenAiErrorBody {
        OpenAiErrorBody {
            error: OpenAiErrorDetail {
                message: self.message.clone(),
                kind: self.kind,
                param: self.param.clone(),
                code: self.error_code,
            },
        }
    }
}

/// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OpenAIError)]
pub struct OpenAiErrorBody {
    #[schema(inline)]
    error: OpenAiErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
struct OpenAiErrorDetail {
    message: String,
    #[serde(rename = "type")]
    #[schema(schema_with = error_types)]
    kind: &'static str,
    /// The parameter at fault, when one is.
    #[schema(required = true)]
    param: Option<String>,
    /// OpenAI's code for the cases its clients tell apart (`invalid_api_key`,
    /// `rate_limit_exceeded`, `unknown_parameter`, …).
    #[schema(required = true)]
    code: Option<&'static str>,
}

/// OpenAI's error `type`s, as Warden uses them.
const ERROR_TYPES: [&str; 3] = ["invalid_request_error", "requests", "server_error"];

fn error_types() -> Object {
    crate::schema::one_of(&ERROR_TYPES)
}

/// Failures raised before the translation keep their status and message in OpenAI's
/// shape, with OpenAI's `type` and `code` for the cases its clients tell apart.
impl From<Failure> for OpenAiError {
    fn from(f: Failure) -> OpenAiError {
        let t = Transport::from(f);
        let [invalid, requests, server] = ERROR_TYPES;
        let (kind, error_code) = match t.code {
            Code::Unauthorized => (invalid, Some("invalid_api_key")),
            Code::RateLimited => (requests, Some("rate_limit_exceeded")),
            Code::Internal | Code::NotReady => (server, None),
            _ => (invalid, None),
        };
        OpenAiError {
            code: t.code,
            message: t.message,
            kind,
            param: None,
            error_code,
            retry_after: t.retry_after,
        }
    }
}

/// A validated moderation request: the texts to score, one result each.
pub struct ModerationRequest {
    texts: Vec<ContentText>,
}

impl ModerationRequest {
    /// Validates a request body. `own_model` is [`model_name`] for this server.
    pub fn parse(body: &Value, own_model: &str) -> Result<ModerationRequest, OpenAiError> {
        let Some(fields) = body.as_object() else {
            return Err(OpenAiError::wrong_type("body", "an object", body));
        };
        if let Some(name) = fields
            .keys()
            .find(|k| !["input", "model"].contains(&k.as_str()))
        {
            return Err(OpenAiError::invalid(
                format!("Unknown parameter: '{name}'."),
                name,
                "unknown_parameter",
            ));
        }
        match fields.get("model") {
            None | Some(Value::Null) => {}
            Some(Value::String(model)) if known_model(model, own_model) => {}
            Some(Value::String(model)) => {
                return Err(OpenAiError::invalid(
                    format!(
                        "The model `{model}` does not exist or you do not have access to it. \
                         This server runs `{own_model}` for every moderation model."
                    ),
                    "model",
                    "model_not_found",
                ))
            }
            Some(other) => return Err(OpenAiError::wrong_type("model", "a string", other)),
        }
        let texts = match fields.get("input") {
            None | Some(Value::Null) => {
                return Err(OpenAiError::invalid(
                    "Missing required parameter: 'input'.",
                    "input",
                    "missing_required_parameter",
                ))
            }
            Some(Value::String(s)) => vec![text("input", s)?],
            Some(Value::Array(items)) => inputs(items)?,
            Some(other) => {
                return Err(OpenAiError::wrong_type(
                    "input",
                    "a string or an array",
                    other,
                ))
            }
        };
        Ok(ModerationRequest { texts })
    }

    /// The texts to score, in the order of the results.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.texts.iter().map(ContentText::as_str)
    }
}

fn text(param: &str, s: &str) -> Result<ContentText, OpenAiError> {
    ContentText::new(s).map_err(|_| {
        OpenAiError::invalid(
            format!(
                "Invalid '{param}': string too long. Expected a string with maximum length {}, \
                 but got a string with length {} instead.",
                ContentText::MAX_BYTES,
                s.len()
            ),
            param,
            "string_above_max_length",
        )
    })
}

/// An array `input`: strings (one text each) or text parts (one text for them all).
fn inputs(items: &[Value]) -> Result<Vec<ContentText>, OpenAiError> {
    if items.is_empty() {
        return Err(OpenAiError::invalid(
            "Invalid 'input': empty array. Expected an array with minimum length 1, but got an \
             empty array instead.",
            "input",
            "empty_array",
        ));
    }
    if items.len() > MAX_INPUTS {
        return Err(OpenAiError::invalid(
            format!(
                "Invalid 'input': array too long. Expected an array with maximum length \
                 {MAX_INPUTS}, but got an array with length {} instead.",
                items.len()
            ),
            "input",
            "array_above_max_length",
        ));
    }
    if items[0].is_object() {
        let mut parts = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let param = format!("input[{i}]");
            let Some(fields) = item.as_object() else {
                return Err(OpenAiError::wrong_type(&param, "an object", item));
            };
            parts.push(part(&param, fields)?);
        }
        // The parts are one input: scored together, so the classifier reads them in context.
        return Ok(vec![text("input", &parts.join("\n"))?]);
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let param = format!("input[{i}]");
            match item {
                Value::String(s) => text(&param, s),
                other => Err(OpenAiError::wrong_type(&param, "a string", other)),
            }
        })
        .collect()
}

/// One multi-modal part: its text.
fn part<'a>(param: &str, fields: &'a Map<String, Value>) -> Result<&'a str, OpenAiError> {
    let type_param = format!("{param}.type");
    let kind = match fields.get("type") {
        None | Some(Value::Null) => {
            return Err(OpenAiError::invalid(
                format!("Missing required parameter: '{type_param}'."),
                &type_param,
                "missing_required_parameter",
            ))
        }
        Some(Value::String(kind)) => kind.as_str(),
        Some(other) => return Err(OpenAiError::wrong_type(&type_param, "a string", other)),
    };
    match kind {
        "text" => {}
        "image_url" => {
            return Err(OpenAiError::invalid(
                format!(
                    "Invalid value: 'image_url'. Warden moderates text only; '{param}' is an \
                     image, which it cannot score."
                ),
                &type_param,
                "invalid_value",
            ))
        }
        other => {
            return Err(OpenAiError::invalid(
                format!("Invalid value: '{other}'. Supported values are: 'text' and 'image_url'."),
                &type_param,
                "invalid_value",
            ))
        }
    }
    if let Some(name) = fields
        .keys()
        .find(|k| !["type", "text"].contains(&k.as_str()))
    {
        let name = format!("{param}.{name}");
        return Err(OpenAiError::invalid(
            format!("Unknown parameter: '{name}'."),
            &name,
            "unknown_parameter",
        ));
    }
    let text_param = format!("{param}.text");
    match fields.get("text") {
        Some(Value::String(s)) => Ok(s.as_str()),
        None | Some(Value::Null) => Err(OpenAiError::invalid(
            format!("Missing required parameter: '{text_param}'."),
            &text_param,
            "missing_required_parameter",
        )),
        Some(other) => Err(OpenAiError::wrong_type(&text_param, "a string", other)),
    }
}

/// The request body, for the API document. [`ModerationRequest::parse`] reads it from a
/// `Value` (to word each error as OpenAI does), so this schema is built from the same
/// limits rather than derived from a type.
pub(crate) struct RequestSchema;

impl PartialSchema for RequestSchema {
    fn schema() -> RefOr<Schema> {
        let texts = |items: RefOr<Schema>| {
            ArrayBuilder::new()
                .items(items)
                .min_items(Some(1))
                .max_items(Some(MAX_INPUTS))
        };
        let part = ObjectBuilder::new()
            .property("type", crate::schema::one_of(&["text"]))
            .required("type")
            .property("text", ContentText::schema())
            .required("text")
            .description(Some(
                "A text part; `image_url` parts are refused (text only).",
            ));
        let input = OneOfBuilder::new()
            .item(ContentText::schema())
            .item(texts(ContentText::schema()).description(Some("One result per string.")))
            .item(texts(part.into()).description(Some("One result for the parts together.")));
        ObjectBuilder::new()
            .property("input", input)
            .required("input")
            .property(
                "model",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "`omni-moderation-*`, `text-moderation-*` or Warden's own model name; \
                         all are served by Warden's engine.",
                    )),
            )
            .into()
    }
}

impl ToSchema for RequestSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "OpenAIModerationRequest".into()
    }
}

/// The response body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OpenAIModerationResponse)]
pub struct ModerationResponse {
    #[schema(pattern = "^modr-[0-9a-f]{32}$")]
    id: String,
    /// The engine that scored: `warden-minilm-<version>`, or `warden-patterns-<version>`
    /// without the classifier.
    model: String,
    /// One per input.
    results: Vec<ModerationResult>,
}

impl ModerationResponse {
    /// A response with a fresh `modr-` id.
    pub fn new(model: String, results: Vec<ModerationResult>) -> ModerationResponse {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        ModerationResponse {
            id: format!("modr-{}", hex::encode(bytes)),
            model,
            results,
        }
    }
}

/// One input's result.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OpenAIModerationResult)]
pub struct ModerationResult {
    flagged: bool,
    #[schema(schema_with = flags)]
    categories: BTreeMap<&'static str, bool>,
    #[schema(schema_with = scores)]
    category_scores: BTreeMap<&'static str, f32>,
    #[schema(schema_with = input_types)]
    category_applied_input_types: BTreeMap<&'static str, Vec<&'static str>>,
}

/// An object with one property per OpenAI category ([`CATEGORIES`]), all present.
fn per_category(value: impl Fn() -> RefOr<Schema>) -> Object {
    CATEGORIES
        .iter()
        .fold(ObjectBuilder::new(), |o, (name, _)| {
            o.property(*name, value()).required(*name)
        })
        .build()
}

fn flags() -> Object {
    per_category(bool::schema)
}

fn scores() -> Object {
    per_category(|| {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(0))
            .maximum(Some(1))
            .into()
    })
}

fn input_types() -> Object {
    per_category(|| {
        ArrayBuilder::new()
            .items(crate::schema::one_of(&["text"]))
            .into()
    })
}

impl ModerationResult {
    /// The result for a verdict. A category is flagged when the Warden categories behind
    /// it reach an action threshold (label, review or remove) of `policy`; `flagged` is
    /// whether any category is, as OpenAI defines it.
    pub fn new(verdict: &Verdict, policy: &Policy) -> ModerationResult {
        let acts = |c: Category| {
            policy.decide(&BTreeMap::from([(c, verdict.category(c))])) != Action::Allow
        };
        let mut result = ModerationResult {
            flagged: false,
            categories: BTreeMap::new(),
            category_scores: BTreeMap::new(),
            category_applied_input_types: BTreeMap::new(),
        };
        for (name, source) in CATEGORIES {
            let (score, flagged, input_types) = match source {
                Source::Strongest(categories) => (
                    categories
                        .iter()
                        .map(|&c| verdict.category(c))
                        .fold(0.0, f32::max),
                    categories.iter().any(|&c| acts(c)),
                    vec!["text"],
                ),
                Source::Both(a, b) => (
                    verdict.category(a).min(verdict.category(b)),
                    acts(a) && acts(b),
                    vec!["text"],
                ),
                Source::Unscored => (0.0, false, Vec::new()),
            };
            result.flagged |= flagged;
            result.categories.insert(name, flagged);
            result.category_scores.insert(name, clamp_score(score));
            result
                .category_applied_input_types
                .insert(name, input_types);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compat::test_verdict;

    const OWN: &str = "warden-minilm-1.0.0";

    fn verdict(categories: &[(Category, f32)]) -> Verdict {
        test_verdict(categories, Vec::new())
    }

    fn parse(body: Value) -> Result<Vec<String>, OpenAiError> {
        ModerationRequest::parse(&body, OWN).map(|r| r.texts().map(str::to_string).collect())
    }

    #[test]
    fn the_mapping_table() {
        // (warden scores) → (openai category, score, flagged) under the default policy.
        let v = verdict(&[
            (Category::Insult, 0.3),
            (Category::Threat, 0.885),
            (Category::IdentityAttack, 0.7),
            (Category::Sexual, 0.2),
            (Category::SelfHarm, 0.75),
            (Category::Profanity, 0.95),
            (Category::Toxicity, 0.99),
        ]);
        let r = ModerationResult::new(&v, &Policy::default());
        let expected: [(&str, f32, bool); 13] = [
            ("harassment", 0.885, true),
            ("harassment/threatening", 0.885, true),
            ("hate", 0.7, true),
            ("hate/threatening", 0.7, true),
            ("illicit", 0.0, false),
            ("illicit/violent", 0.0, false),
            ("self-harm", 0.75, true),
            ("self-harm/instructions", 0.0, false),
            ("self-harm/intent", 0.75, true),
            ("sexual", 0.2, false),
            ("sexual/minors", 0.0, false),
            ("violence", 0.885, true),
            ("violence/graphic", 0.0, false),
        ];
        for (name, score, flagged) in expected {
            assert_eq!(
                (r.category_scores[name], r.categories[name]),
                (score, flagged),
                "{name}"
            );
            let scored = !matches!(
                CATEGORIES.iter().find(|(n, _)| *n == name).map(|p| p.1),
                Some(Source::Unscored)
            );
            let types: Vec<&str> = if scored { vec!["text"] } else { vec![] };
            assert_eq!(r.category_applied_input_types[name], types, "{name}");
        }
        assert!(r.flagged);
        assert_eq!(r.categories.len(), 13);
    }

    #[test]
    fn toxicity_and_profanity_alone_flag_nothing() {
        // Neither has an OpenAI category.
        let v = verdict(&[(Category::Profanity, 0.95), (Category::Toxicity, 0.95)]);
        let r = ModerationResult::new(&v, &Policy::default());
        assert!(!r.flagged);
        assert!(r.categories.values().all(|f| !f));
    }

    #[test]
    fn hate_threatening_needs_both() {
        let v = verdict(&[(Category::IdentityAttack, 0.95), (Category::Threat, 0.2)]);
        let r = ModerationResult::new(&v, &Policy::default());
        assert_eq!(
            (r.categories["hate"], r.categories["hate/threatening"]),
            (true, false)
        );
        assert_eq!(r.category_scores["hate/threatening"], 0.2);
    }

    #[test]
    fn inputs() {
        assert_eq!(parse(json!({"input": "a"})).unwrap(), ["a"]);
        assert_eq!(
            parse(json!({"input": ["a", "b", ""], "model": "omni-moderation-latest"})).unwrap(),
            ["a", "b", ""]
        );
        assert_eq!(
            parse(
                json!({"input": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                         "model": OWN})
            )
            .unwrap(),
            ["a\nb"]
        );
        for model in [
            "text-moderation-stable",
            "text-moderation-latest",
            "omni-moderation-2024-09-26",
        ] {
            assert!(
                parse(json!({"input": "a", "model": model})).is_ok(),
                "{model}"
            );
        }
    }

    #[test]
    fn bad_requests_get_openai_errors() {
        let long = "x".repeat(ContentText::MAX_BYTES + 1);
        let cases: Vec<(Value, &str, &str, &str)> = vec![
            (json!("a"), "Invalid type for 'body': expected an object, but got string instead.", "body", "invalid_type"),
            (json!({}), "Missing required parameter: 'input'.", "input", "missing_required_parameter"),
            (json!({"input": null}), "Missing required parameter: 'input'.", "input", "missing_required_parameter"),
            (json!({"input": "a", "encoding_format": "float"}), "Unknown parameter: 'encoding_format'.", "encoding_format", "unknown_parameter"),
            (json!({"input": 5}), "Invalid type for 'input': expected a string or an array, but got number instead.", "input", "invalid_type"),
            (json!({"input": []}), "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", "input", "empty_array"),
            (json!({"input": ["a", 1]}), "Invalid type for 'input[1]': expected a string, but got number instead.", "input[1]", "invalid_type"),
            (json!({"input": [{"type": "text", "text": "a"}, "b"]}), "Invalid type for 'input[1]': expected an object, but got string instead.", "input[1]", "invalid_type"),
            (json!({"input": [{"text": "a"}]}), "Missing required parameter: 'input[0].type'.", "input[0].type", "missing_required_parameter"),
            (json!({"input": [{"type": "text"}]}), "Missing required parameter: 'input[0].text'.", "input[0].text", "missing_required_parameter"),
            (json!({"input": [{"type": "text", "text": "a", "x": 1}]}), "Unknown parameter: 'input[0].x'.", "input[0].x", "unknown_parameter"),
            (json!({"input": [{"type": "audio"}]}), "Invalid value: 'audio'. Supported values are: 'text' and 'image_url'.", "input[0].type", "invalid_value"),
            (
                json!({"input": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "https://example.com/image.png"}}]}),
                "Invalid value: 'image_url'. Warden moderates text only; 'input[1]' is an image, which it cannot score.",
                "input[1].type",
                "invalid_value",
            ),
            (json!({"input": "a", "model": 1}), "Invalid type for 'model': expected a string, but got number instead.", "model", "invalid_type"),
            (
                json!({"input": "a", "model": "gpt-4o"}),
                "The model `gpt-4o` does not exist or you do not have access to it. This server runs `warden-minilm-1.0.0` for every moderation model.",
                "model",
                "model_not_found",
            ),
            (
                json!({"input": long}),
                "Invalid 'input': string too long. Expected a string with maximum length 65536, but got a string with length 65537 instead.",
                "input",
                "string_above_max_length",
            ),
            (
                json!({"input": vec!["a"; MAX_INPUTS + 1]}),
                "Invalid 'input': array too long. Expected an array with maximum length 1000, but got an array with length 1001 instead.",
                "input",
                "array_above_max_length",
            ),
        ];
        for (body, message, param, code) in cases {
            let err = parse(body.clone())
                .err()
                .unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(err.code(), Code::InvalidField);
            assert_eq!(
                serde_json::to_value(err.body()).unwrap(),
                json!({"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}),
                "{body}"
            );
        }
    }

    #[test]
    fn transport_failures_in_openais_shape() {
        let cases = [
            (
                Failure::unauthorized("invalid or revoked API key"),
                "invalid_request_error",
                Some("invalid_api_key"),
            ),
            (
                Failure::forbidden("the `feed` role may not do this"),
                "invalid_request_error",
                None,
            ),
            (
                Failure::rate_limited(2),
                "requests",
                Some("rate_limit_exceeded"),
            ),
            (Failure::not_ready("not ready"), "server_error", None),
        ];
        for (failure, kind, code) in cases {
            let message = failure.message().to_string();
            let err = OpenAiError::from(failure);
            assert_eq!(
                serde_json::to_value(err.body()).unwrap(),
                json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
            );
        }
        assert_eq!(
            OpenAiError::from(Failure::rate_limited(2)).retry_after(),
            Some(2)
        );
    }

    #[test]
    fn model_names() {
        let engine = verdict(&[]).engine;
        let model = ModelInfo {
            name: "warden-minilm".into(),
            version: "1.0.0".into(),
        };
        assert_eq!(model_name(Some(&model), &engine), OWN);
        assert_eq!(model_name(None, &engine), "warden-patterns-0.1.0");
        let r = ModerationResponse::new(OWN.into(), vec![]);
        assert!(r.id.starts_with("modr-") && r.id.len() == 37);
    }
}
