//! Per-community policy and wordlist. A community outside the caller's scope, or with a
//! malformed id, is `not_found`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::{Admin, Moderator, Roles};
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Actor;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::calibration::suggestion_id;
use crate::moderation::communities::Communities;

fn community<R: Roles>(auth: &Auth<R>, path: &str) -> Result<CommunityId, Failure> {
    let id: CommunityId = path.parse().map_err(|_| Failure::not_found("community"))?;
    auth.require(&id, "community")?;
    Ok(id)
}

/// The two `GET`s: the document `read` returns for the community in the path.
async fn get<T: Serialize + Send + 'static>(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: &str,
    read: fn(&Communities, &CommunityId) -> Result<T, Failure>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, path)?;
    let document = blocking(move || read(&state.communities, &id)).await?;
    Ok(HttpResponse::Ok().json(document))
}

/// The two `PUT`s: `set` validates and stores the document (effective on the next
/// request); the answer, once it is durable, is the document.
async fn put<T: Serialize + Clone + Send + 'static>(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: &str,
    document: T,
    set: fn(&Communities, &CommunityId, T, Actor) -> Result<(), Failure>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, path)?;
    let actor = Actor::Key(auth.id().clone());
    let s = state.clone();
    let stored = document.clone();
    blocking(move || set(&s.communities, &id, stored, actor)).await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(document))
}

/// `GET /v1/communities/{id}/policy`: the policy in force (the default until one is set).
pub async fn get_policy(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    get(auth, state, &path, Communities::policy).await
}

/// `PUT /v1/communities/{id}/policy[?suggestion_id=]`: 422 if the thresholds are out of
/// range or order. With `suggestion_id` (from `policy:suggest`), the audit record says
/// the policy came from that suggestion, and whether its thresholds are as suggested.
pub async fn put_policy(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<CommunityPolicy>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let suggestion: Option<String> = params.take("suggestion_id")?;
    params.finish()?;
    let Some(suggestion) = suggestion else {
        return put(auth, state, &path, body.0, Communities::set_policy).await;
    };
    let valid = suggestion
        .strip_prefix("sug_")
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if !valid {
        return Err(Failure::invalid_field(
            "suggestion_id",
            "must be `sug_` and 16 hex digits, as `policy:suggest` gives it",
        ));
    }
    let id = community(&auth, &path)?;
    let as_suggested = suggestion_id(&id, &body.0.thresholds) == suggestion;
    let detail = format!(
        "from suggestion {suggestion}{}",
        if as_suggested {
            ", thresholds as suggested"
        } else {
            ", thresholds edited since"
        }
    );
    let actor = Actor::Key(auth.id().clone());
    let s = state.clone();
    let document = body.0;
    let stored = document.clone();
    blocking(move || {
        s.communities
            .set_policy_noted(&id, stored, actor, Some(detail))
    })
    .await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(document))
}

/// `GET /v1/communities/{id}/wordlist`
pub async fn get_wordlist(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    get(auth, state, &path, Communities::wordlist).await
}

/// `PUT /v1/communities/{id}/wordlist`: replaces the community's terms; effective on the
/// next request.
pub async fn put_wordlist(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<CommunityWordlist>,
) -> Result<HttpResponse, Failure> {
    put(auth, state, &path, body.0, Communities::set_wordlist).await
}
