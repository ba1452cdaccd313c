//! Per-community policy and wordlist. A community outside the caller's scope, or with a
//! malformed id, is `not_found`.

use actix_web::{web, HttpResponse};

use crate::auth::{Admin, Moderator, Roles};
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Actor;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;

fn community<R: Roles>(auth: &Auth<R>, path: &str) -> Result<CommunityId, Failure> {
    let id: CommunityId = path.parse().map_err(|_| Failure::not_found("community"))?;
    auth.require(&id, "community")?;
    Ok(id)
}

/// `GET /v1/communities/{id}/policy`: the policy in force (the default until one is set).
pub async fn get_policy(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, &path)?;
    let s = state.clone();
    let policy = blocking(move || s.communities.policy(&id)).await?;
    Ok(HttpResponse::Ok().json(policy))
}

/// `PUT /v1/communities/{id}/policy`: 422 if the thresholds are out of range or order.
pub async fn put_policy(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<CommunityPolicy>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, &path)?;
    let policy = body.0;
    policy.validate()?;
    let actor = Actor::Key(auth.id().clone());
    let s = state.clone();
    let stored = policy.clone();
    blocking(move || s.communities.set_policy(&id, stored, actor)).await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(policy))
}

/// `GET /v1/communities/{id}/wordlist`
pub async fn get_wordlist(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, &path)?;
    let s = state.clone();
    let wordlist = blocking(move || s.communities.wordlist(&id)).await?;
    Ok(HttpResponse::Ok().json(wordlist))
}

/// `PUT /v1/communities/{id}/wordlist`: replaces the community's terms; effective on the
/// next request.
pub async fn put_wordlist(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<CommunityWordlist>,
) -> Result<HttpResponse, Failure> {
    let id = community(&auth, &path)?;
    let wordlist = body.0;
    wordlist.validate()?;
    let actor = Actor::Key(auth.id().clone());
    let s = state.clone();
    let stored = wordlist.clone();
    blocking(move || s.communities.set_wordlist(&id, stored, actor)).await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(wordlist))
}
