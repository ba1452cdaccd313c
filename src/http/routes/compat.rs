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
use serde_json::Value;

use super::content::rules_for;
use crate::auth::Scorer;
use crate::clock::Timestamp;
use crate::compat::openai::{self, ModerationRequest, ModerationResponse, ModerationResult};
use crate::compat::perspective::suggest::{SuggestResponse, Suggestion};
use crate::compat::perspective::{discovery, Analysis, AnalyzeResponse, PerspectiveError};
use crate::compat::UniqueKeys;
use crate::failure::Failure;
use crate::http::error::BEARER_CHALLENGE;
use crate::http::extract::{Auth, Json};
use crate::http::origin::root_url;
use crate::http::{blocking, status, AppState};
use crate::ids::CommunityId;
use crate::verdict::Verdict;
use crate::Code;

/// An error response: Warden's status for `code`, the vendor's body.
fn error_response(
    code: Code,
    retry_after: Option<u64>,
    body: impl FnOnce(u16) -> Value,
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

/// `GET /$discovery/rest?version=v1alpha1` and
/// `GET /discovery/v1/apis/commentanalyzer/v1alpha1/rest`: the discovery document, with
/// this server as its root. Public, like `/openapi.json`. Query parameters other than
/// `version` are ignored: Google's clients add the API key (`key`) to this request too.
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

/// The query parameters Google's clients send: `key` (the API key) and `alt=json`.
fn perspective_query(req: &HttpRequest) -> Result<Option<String>, PerspectiveError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| PerspectiveError::query("Invalid query string."))?
        .into_inner();
    let mut key = None;
    let mut alt = None;
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "key" => &mut key,
            "alt" => &mut alt,
            _ => return Err(PerspectiveError::unknown_query_parameter(&name)),
        };
        if slot.replace(value).is_some() {
            return Err(PerspectiveError::query(format!(
                "Query parameter '{name}' given more than once."
            )));
        }
    }
    if let Some(alt) = alt.filter(|a| a != "json") {
        return Err(PerspectiveError::query(format!(
            "Invalid value at 'alt': only 'json' is supported, not '{alt}'."
        )));
    }
    Ok(key)
}

/// The opening of both Perspective calls: the caller (a bearer key or `?key=`) and the
/// body's members.
fn perspective_request(
    req: &HttpRequest,
    body: Result<Json<UniqueKeys>, Failure>,
) -> Result<(Auth<Scorer>, Value), PerspectiveError> {
    let key = perspective_query(req)?;
    let auth = Auth::<Scorer>::from_header_or_query(req, key.as_deref())?;
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
