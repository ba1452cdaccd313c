//! API keys, for admins. An admin only sees, creates and revokes keys within its own
//! scope, so a community's admin cannot mint a key for all communities. Any key may read
//! itself (`GET /v1/keys/self`): how a client such as the console learns its role and
//! communities after sign-in.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Admin, AnyRole, Role, Scope};
use crate::clock::Timestamp;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::openapi::{BodyErrors, Conflict, KeyErrors, NotFound, RateLimited, Unauthorized};
use crate::http::views::{KeyList, KeyView};
use crate::http::{blocking, AppState};
use crate::ids::KeyId;
use crate::moderation::keys::{self, KeyManager, NewKey};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    role: Role,
    /// Within the caller's own scope (403 otherwise).
    communities: Scope,
    /// A label for people, at most 100 characters.
    #[serde(default)]
    #[schema(max_length = 100)]
    name: Option<String>,
}

/// `POST /v1/keys`: 201 with the secret, shown this once.
#[utoipa::path(
    post,
    path = "/v1/keys",
    operation_id = "create_key",
    tag = "Keys",
    summary = "Create a key",
    description = "`communities` must be within the caller's own scope (403 otherwise).",
    security(("bearer" = ["admin"])),
    request_body = CreateKey,
    responses(
        (status = 201, description = "The key; `key` is the secret, shown only here",
            body = KeyView),
        BodyErrors,
        KeyErrors,
    ),
)]
pub async fn create(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    body: Json<CreateKey>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    let new = NewKey {
        role: req.role,
        scope: req.communities,
        name: req.name,
    };
    let by = KeyManager::key(&auth.key);
    let s = state.clone();
    let (key, secret) =
        blocking(move || keys::create(&*s.store, &by, new, Timestamp::now())).await?;
    state.commit.durable().await?;
    let view = KeyView::new(&key, Some(secret.expose().to_string()));
    state.keys.put(key);
    Ok(HttpResponse::Created().json(view))
}

/// `GET /v1/keys/self`: the calling key, without its secret or hash.
#[utoipa::path(
    get,
    path = "/v1/keys/self",
    tag = "Keys",
    summary = "The calling key",
    description = "Its id, role, communities and name, without the secret: what a client \
        learns after sign-in.",
    security(("bearer" = ["admin", "moderator", "ingest", "feed"])),
    responses(
        (status = 200, description = "The key", body = KeyView),
        (status = 401, response = Unauthorized),
        (status = 429, response = RateLimited),
    ),
)]
pub async fn whoami(auth: Auth<AnyRole>) -> HttpResponse {
    HttpResponse::Ok().json(KeyView::new(&auth.key, None))
}

/// `GET /v1/keys`: the keys within the caller's scope, without secrets or hashes.
#[utoipa::path(
    get,
    path = "/v1/keys",
    operation_id = "list_keys",
    tag = "Keys",
    summary = "Keys within the caller's scope",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Keys (never secrets)", body = KeyList),
        KeyErrors,
    ),
)]
pub async fn list(auth: Auth<Admin>, state: web::Data<AppState>) -> Result<HttpResponse, Failure> {
    let by = KeyManager::key(&auth.key);
    let s = state.clone();
    let keys = blocking(move || keys::list(&*s.store, &by)).await?;
    let views: Vec<KeyView> = keys.iter().map(|k| KeyView::new(k, None)).collect();
    Ok(HttpResponse::Ok().json(KeyList { keys: views }))
}

/// `DELETE /v1/keys/{id}`: revokes a key; it stops working at once. Revoking an already
/// revoked key changes nothing.
#[utoipa::path(
    delete,
    path = "/v1/keys/{id}",
    operation_id = "revoke_key",
    tag = "Keys",
    summary = "Revoke a key",
    description = "It stops working at once; revoking a revoked key changes nothing. A key \
        outside the caller's scope is 404.",
    security(("bearer" = ["admin"])),
    params(("id" = KeyId, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "The revoked key", body = KeyView),
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn revoke(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id: KeyId = path.parse().map_err(|_| Failure::not_found("key"))?;
    let by = KeyManager::key(&auth.key);
    let s = state.clone();
    let key = blocking(move || keys::revoke(&*s.store, &by, &id, Timestamp::now())).await?;
    state.commit.durable().await?;
    state.keys.put(key.clone());
    Ok(HttpResponse::Ok().json(KeyView::new(&key, None)))
}
