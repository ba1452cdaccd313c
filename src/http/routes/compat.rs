//! The drop-in APIs' handlers: Perspective's `comments:analyze`, `comments:suggestscore`
//! and discovery document, and OpenAI's `moderations`. They authenticate, score through
//! the shared scorer like `POST /v1/moderate`, and leave the translation to
//! `crate::compat`. Only `suggestscore` stores anything: a score feedback record
//! (`crate::moderation::feedback`), durable before the answer.
//!
//! Every error on these routes is rendered in the vendor's shape, so each handler takes its
//! extractors as `Result`s and answers failures itself; the HTTP status still comes from
//! Warden's one table (`http::error::status`).

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::content::rules_for;
use crate::auth::Scorer;
use crate::clock::Timestamp;
use crate::compat::openai::{
    self, ModerationRequest, ModerationResponse, ModerationResult, OpenAiErrorBody, RequestSchema,
};
use crate::compat::perspective::suggest::{SuggestRequest, SuggestResponse, Suggestion};
use crate::compat::perspective::{
    discovery, Analysis, AnalyzeRequest, AnalyzeResponse, GoogleError, PerspectiveError,
};
use crate::compat::UniqueKeys;
use crate::failure::Failure;
use crate::http::error::BEARER_CHALLENGE;
use crate::http::extract::{Auth, Json};
use crate::http::openapi::VendorErrors;
use crate::http::origin::root_url;
use crate::http::{blocking, status, AppState};
use crate::ids::CommunityId;
use crate::verdict::Verdict;
use crate::Code;

/// An error response: Warden's status for `code`, the vendor's body.
fn error_response<B: Serialize>(
    code: Code,
    retry_after: Option<u64>,
    body: impl FnOnce(u16) -> B,
) -> HttpResponse {
    let status = status(code);
    let mut response = HttpResponse::build(status);
    if let Some(seconds) = retry_after {
        response.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    if code == Code::Unauthorized {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BEARER_CHALLENGE),
        ));
    }
    response.json(body(status.as_u16()))
}

/// `POST /v1alpha1/comments:analyze`: Perspective's `AnalyzeComment`.
#[utoipa::path(
    post,
    path = "/v1alpha1/comments:analyze",
    tag = "Perspective",
    summary = "Perspective API AnalyzeComment, answered by Warden; nothing is stored",
    description = concat!(
        "Drop-in for `https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze`: \
        Perspective's request and response JSON (see the README's Drop-in APIs section for \
        the attribute mapping). The key may be given as `?key=` (as Google's clients send it, \
        with `alt=json`) instead of the `Authorization` header, not both; no other query \
        parameters are accepted. `communityId`, when given, is a Warden community whose \
        wordlist applies (404 outside the key's scope). Span offsets are UTF-16 code units. \
        `doNotStore` is accepted and always honoured. Every error has Google's shape. ",
        bounded_work!()
    ),
    security(
        ("bearer" = ["admin", "moderator", "ingest"]),
        ("perspectiveKey" = ["admin", "moderator", "ingest"]),
    ),
    params(PerspectiveQuery),
    request_body = AnalyzeRequest,
    responses(
        (status = 200, description = "Scores for the requested attributes",
            body = AnalyzeResponse),
        (status = 400, description = "INVALID_ARGUMENT: malformed request, unknown field or \
            attribute, empty or overlong comment, unsupported language (`details[].errorType` \
            says which)", body = GoogleError),
        VendorErrors<GoogleError>,
    ),
)]
pub async fn perspective_analyze(
    req: HttpRequest,
    state: Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> HttpResponse {
    match analyze(&req, &state, body).await {
        Ok(response) => HttpResponse::Ok().json(response),
        Err(e) => error_response(e.code(), e.retry_after(), |status| e.body(status)),
    }
}

/// `POST /v1alpha1/comments:suggestscore`: Perspective's `SuggestCommentScore`.
#[utoipa::path(
    post,
    path = "/v1alpha1/comments:suggestscore",
    tag = "Perspective",
    summary = "Perspective API SuggestCommentScore: records the scores a comment should have \
        had, for threshold calibration",
    description = "Drop-in for \
        `https://commentanalyzer.googleapis.com/v1alpha1/comments:suggestscore`. The comment is \
        scored again (under `communityId`'s rules when given) and each suggested score is \
        stored beside Warden's score for the same attribute, with the community, the key id, \
        the time and the engine and model that scored. The text, context, `clientToken` and \
        `sessionId` are not stored. Durable when answered. Key, query parameters and error \
        shape as `comments:analyze`.",
    security(
        ("bearer" = ["admin", "moderator", "ingest"]),
        ("perspectiveKey" = ["admin", "moderator", "ingest"]),
    ),
    params(PerspectiveQuery),
    request_body = SuggestRequest,
    responses(
        (status = 200, description = "Recorded: the request's `clientToken` and `languages` \
            (as `requestedLanguages`), echoed", body = SuggestResponse),
        (status = 400, description = "INVALID_ARGUMENT: malformed request, unknown field or \
            attribute, empty comment or `attributeScores`, a score outside 0..1 or without a \
            value, a span outside the comment, unsupported language (`details[].errorType` \
            says which)", body = GoogleError),
        VendorErrors<GoogleError>,
    ),
)]
pub async fn perspective_suggest(
    req: HttpRequest,
    state: Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> HttpResponse {
    match suggest(&req, &state, body).await {
        Ok(response) => HttpResponse::Ok().json(response),
        Err(e) => error_response(e.code(), e.retry_after(), |status| e.body(status)),
    }
}

/// `GET /$discovery/rest?version=v1alpha1` (and, through
/// [`perspective_discovery_directory`], `GET
/// /discovery/v1/apis/commentanalyzer/v1alpha1/rest`): the discovery document, with this
/// server as its root. Public, like `/openapi.json`. Query parameters other than `version`
/// are ignored: Google's clients add the API key (`key`) to this request too.
#[utoipa::path(
    get,
    path = "/$discovery/rest",
    tag = "Perspective",
    summary = "Perspective's discovery document (commentanalyzer v1alpha1), for Google's \
        client libraries",
    description = "What google-api-python-client's `discovery.build(..., \
        discoveryServiceUrl=...)` and googleapis' `discoverAPI` read: the `comments.analyze` \
        and `comments.suggestscore` methods and their messages as Warden implements them. \
        `rootUrl` is the scheme and host the request used (`X-Forwarded-Proto`/\
        `X-Forwarded-Host` only with `http.trust_forwarded_headers`). Query parameters other \
        than `version` are ignored (the clients send their key here too). `Vary: Host, \
        X-Forwarded-Proto, X-Forwarded-Host`.",
    security(),
    params(("version" = Option<String>, Query, pattern = "^v1alpha1$",
        description = "Only `v1alpha1`.")),
    responses(
        (status = 200, description = "Google discovery document (`discovery#restDescription`)",
            body = Object),
        (status = 404, description = "NOT_FOUND: another `version`", body = GoogleError),
    ),
)]
pub async fn perspective_discovery(req: HttpRequest, state: Data<AppState>) -> HttpResponse {
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let version = query.iter().find(|(name, _)| name == "version");
    if version.is_some_and(|(_, v)| v != discovery::VERSION) {
        let e = PerspectiveError::from(Failure::new(
            Code::NotFound,
            "no such API version: Warden serves commentanalyzer v1alpha1",
        ));
        return error_response(e.code(), None, |status| e.body(status));
    }
    let root = root_url(&req, state.config.http.trust_forwarded_headers);
    HttpResponse::Ok()
        // The document names the host it was asked on: a cache keeps one per host.
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Host, X-Forwarded-Proto, X-Forwarded-Host"),
        ))
        .json(discovery::document(&root))
}

/// `GET /discovery/v1/apis/commentanalyzer/v1alpha1/rest`: the discovery document at the
/// address of Google's discovery directory. The same answer as
/// [`perspective_discovery`]: a handler of its own only because the API document gives
/// each operation one path.
#[utoipa::path(
    get,
    path = "/discovery/v1/apis/commentanalyzer/v1alpha1/rest",
    tag = "Perspective",
    summary = "Perspective's discovery document, at the address of Google's discovery \
        directory",
    description = "The same document as `/$discovery/rest?version=v1alpha1`.",
    security(),
    responses(
        (status = 200, description = "Google discovery document (`discovery#restDescription`)",
            body = Object),
    ),
)]
pub async fn perspective_discovery_directory(
    req: HttpRequest,
    state: Data<AppState>,
) -> HttpResponse {
    perspective_discovery(req, state).await
}

/// Another method on the discovery document: 405, in Google's shape.
pub async fn perspective_discovery_method_not_allowed() -> HttpResponse {
    let e = PerspectiveError::from(wrong_method("GET"));
    error_response(e.code(), None, |status| e.body(status))
}

/// Another method on `comments:analyze` or `comments:suggestscore`: 405, in Google's
/// shape.
pub async fn perspective_method_not_allowed() -> HttpResponse {
    let e = PerspectiveError::from(wrong_method("POST"));
    error_response(e.code(), None, |status| e.body(status))
}

/// Another method on `moderations`: 405, in OpenAI's shape.
pub async fn openai_method_not_allowed() -> HttpResponse {
    let e = openai::OpenAiError::from(wrong_method("POST"));
    error_response(e.code(), None, |_| e.body())
}

fn wrong_method(allowed: &str) -> Failure {
    Failure::new(
        Code::MethodNotAllowed,
        format!("method not allowed on this path: use {allowed}"),
    )
}

/// The query parameters Google's clients send; no others are accepted.
#[derive(Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct PerspectiveQuery {
    /// The Warden key, for clients that cannot set a header. Never logged.
    key: Option<String>,
    /// Only `json`.
    #[param(pattern = "^json$")]
    alt: Option<String>,
}

/// Reads [`PerspectiveQuery`] in Google's words for what does not fit.
fn perspective_query(req: &HttpRequest) -> Result<PerspectiveQuery, PerspectiveError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| PerspectiveError::query("Invalid query string."))?
        .into_inner();
    let mut query = PerspectiveQuery::default();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "key" => &mut query.key,
            "alt" => &mut query.alt,
            _ => return Err(PerspectiveError::unknown_query_parameter(&name)),
        };
        if slot.replace(value).is_some() {
            return Err(PerspectiveError::query(format!(
                "Query parameter '{name}' given more than once."
            )));
        }
    }
    if let Some(alt) = query.alt.as_ref().filter(|a| *a != "json") {
        return Err(PerspectiveError::query(format!(
            "Invalid value at 'alt': only 'json' is supported, not '{alt}'."
        )));
    }
    Ok(query)
}

/// The opening of both Perspective calls: the caller (a bearer key or `?key=`) and the
/// body's members.
fn perspective_request(
    req: &HttpRequest,
    body: Result<Json<UniqueKeys>, Failure>,
) -> Result<(Auth<Scorer>, Value), PerspectiveError> {
    let query = perspective_query(req)?;
    let auth = Auth::<Scorer>::from_header_or_query(req, query.key.as_deref())?;
    let Json(UniqueKeys(body)) = body?;
    Ok((auth, body))
}

/// The verdict on `text` under the rules of `community`, which must be in the caller's
/// scope, or under the default rules.
async fn score_in(
    state: &Data<AppState>,
    auth: &Auth<Scorer>,
    community: Option<&CommunityId>,
    text: &str,
) -> Result<Verdict, Failure> {
    let rules = match community {
        Some(c) => {
            auth.require(c, "community")?;
            rules_for(state, std::slice::from_ref(c)).await?.remove(c)
        }
        None => None,
    }
    .unwrap_or_else(|| state.communities.default_rules());
    state.scorer.score(rules, Arc::from(text)).await
}

/// Validates, scores the text under the same rules `analyze` would use, and stores the
/// suggestion beside Warden's scores.
async fn suggest(
    req: &HttpRequest,
    state: &Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> Result<SuggestResponse, PerspectiveError> {
    let (auth, body) = perspective_request(req, body)?;
    let suggestion = Suggestion::parse(&body)?;
    let loaded = state.scorer.engine().wordlists().languages().to_vec();
    suggestion.check_languages(&loaded)?;
    let verdict = score_in(state, &auth, suggestion.community(), suggestion.text()).await?;
    let record = suggestion.feedback(&verdict, auth.id().clone(), Timestamp::now());
    let store = state.store.clone();
    blocking(move || crate::moderation::feedback::record(&*store, &record)).await?;
    state.commit.durable().await?;
    Ok(suggestion.respond())
}

async fn analyze(
    req: &HttpRequest,
    state: &Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> Result<AnalyzeResponse, PerspectiveError> {
    let (auth, body) = perspective_request(req, body)?;
    let analysis = Analysis::parse(&body)?;
    state
        .limiter
        .charge_text(auth.id(), analysis.text().len())?;
    let loaded = state.scorer.engine().wordlists().languages().to_vec();
    analysis.check_languages(&loaded)?;
    let verdict = score_in(state, &auth, analysis.community(), analysis.text()).await?;
    Ok(analysis.respond(&verdict, &loaded))
}

/// `POST /v1/moderations`: OpenAI's moderation endpoint.
#[utoipa::path(
    post,
    path = "/v1/moderations",
    tag = "OpenAI",
    summary = "OpenAI moderation, answered by Warden; nothing is stored",
    description = concat!(
        "Drop-in for `https://api.openai.com/v1/moderations`: OpenAI's request and response \
        JSON with its thirteen category names (see the README's Drop-in APIs section for the \
        mapping and which categories are always false and 0). An array of strings gets one \
        result per string; an array of text parts gets one result for them together; image \
        parts are refused. Every error has OpenAI's shape. ",
        bounded_work!()
    ),
    security(("bearer" = ["admin", "moderator", "ingest"])),
    request_body = RequestSchema,
    responses(
        (status = 200, description = "One result per input", body = ModerationResponse),
        (status = 400, description = "`invalid_request_error`: malformed request, unknown \
            parameter or model, image input", body = OpenAiErrorBody),
        VendorErrors<OpenAiErrorBody>,
    ),
)]
pub async fn openai_moderations(
    auth: Result<Auth<Scorer>, Failure>,
    state: Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> HttpResponse {
    match moderate(auth, &state, body).await {
        Ok(response) => HttpResponse::Ok().json(response),
        Err(e) => error_response(e.code(), e.retry_after(), |_| e.body()),
    }
}

async fn moderate(
    auth: Result<Auth<Scorer>, Failure>,
    state: &Data<AppState>,
    body: Result<Json<UniqueKeys>, Failure>,
) -> Result<ModerationResponse, openai::OpenAiError> {
    let auth = auth?;
    let engine = state.scorer.engine();
    let own_model = openai::model_name(engine.model().map(|m| m.info()).as_ref(), &engine.info());
    let Json(UniqueKeys(body)) = body?;
    let request = ModerationRequest::parse(&body, &own_model)?;
    let bytes = request.texts().map(str::len).sum();
    state.limiter.charge_text(auth.id(), bytes)?;
    let rules = state.communities.default_rules();
    let policy = rules.policy.policy();
    let texts = request
        .texts()
        .map(|t| (rules.clone(), Arc::<str>::from(t)))
        .collect();
    let verdicts = state.scorer.score_all(texts).await?;
    // The verdicts say which engine really scored (the classifier may have failed).
    let model = verdicts.first().map_or(own_model, |v| {
        openai::model_name(v.model.as_ref(), &v.engine)
    });
    let results = verdicts
        .iter()
        .map(|v| ModerationResult::new(v, &policy))
        .collect();
    Ok(ModerationResponse::new(model, results))
}
