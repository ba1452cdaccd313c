//! API keys, for admins. An admin only sees, creates and revokes keys within its own
//! scope, so a community's admin cannot mint a key for all communities. Any key may read
//! itself (`GET /v1/keys/self`): how a client such as the console learns its role and
//! communities after sign-in.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Admin, AnyRole, Role, Scope};
use crate::clock::Timestamp;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::views::KeyView;
use crate::http::{blocking, AppState};
use crate::ids::KeyId;
use crate::moderation::keys::{self, KeyManager, NewKey};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    role: Role,
    communities: Scope,
    #[serde(default)]
    name: Option<String>,
}

/// `POST /v1/keys`: 201 with the secret, shown this once.
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
pub async fn whoami(auth: Auth<AnyRole>) -> HttpResponse {
    HttpResponse::Ok().json(KeyView::new(&auth.key, None))
}

/// `GET /v1/keys`: the keys within the caller's scope, without secrets or hashes.
pub async fn list(auth: Auth<Admin>, state: web::Data<AppState>) -> Result<HttpResponse, Failure> {
    let by = KeyManager::key(&auth.key);
    let s = state.clone();
    let keys = blocking(move || keys::list(&*s.store, &by)).await?;
    let views: Vec<KeyView> = keys.iter().map(|k| KeyView::new(k, None)).collect();
    Ok(HttpResponse::Ok().json(json!({ "keys": views })))
}

/// `DELETE /v1/keys/{id}`: revokes a key; it stops working at once. Revoking an already
/// revoked key changes nothing.
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
