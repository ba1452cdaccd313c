//! API keys, for admins. An admin only sees, creates and revokes keys within its own
//! scope, so a community's admin cannot mint a key for all communities. Any key may read
//! itself (`GET /v1/keys/self`): how a client such as the console learns its role and
//! communities after sign-in.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Admin, AnyRole, ApiKey, Role, Scope};
use crate::clock::Timestamp;
use crate::domain::audit::AuditRecord;
use crate::domain::event::Actor;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::views::KeyView;
use crate::http::{blocking, AppState};
use crate::ids::KeyId;

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
    if !auth.key.scope.covers(&req.communities) {
        return Err(Failure::forbidden(
            "a key may only cover communities within your own scope",
        ));
    }
    if let Some(name) = &req.name {
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Failure::invalid_field(
                "name",
                "must be at most 100 characters without control characters",
            ));
        }
    }
    let now = Timestamp::now();
    let (mut key, secret) = ApiKey::generate(req.role, req.communities, now);
    key.name = req.name;
    let audit = AuditRecord::new(
        now,
        Actor::Key(auth.id().clone()),
        "key.create",
        key.id.as_str(),
    );
    let s = state.clone();
    let stored = key.clone();
    blocking(move || s.store.put_key(&stored, &audit)).await?;
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
    let s = state.clone();
    let keys = blocking(move || s.store.keys()).await?;
    let views: Vec<KeyView> = keys
        .iter()
        .filter(|k| auth.key.scope.covers(&k.scope))
        .map(|k| KeyView::new(k, None))
        .collect();
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
    if id == *auth.id() {
        return Err(Failure::invalid_state("a key cannot revoke itself"));
    }
    let s = state.clone();
    let scope = auth.key.scope.clone();
    let actor = Actor::Key(auth.id().clone());
    let key = blocking(move || {
        let mut key = s
            .store
            .keys()?
            .into_iter()
            .find(|k| k.id == id && scope.covers(&k.scope))
            .ok_or_else(|| Failure::not_found("key"))?;
        if key.revoked_at.is_none() {
            let now = Timestamp::now();
            key.revoked_at = Some(now);
            let audit = AuditRecord::new(now, actor, "key.revoke", key.id.as_str());
            s.store.put_key(&key, &audit)?;
        }
        Ok(key)
    })
    .await?;
    state.commit.durable().await?;
    state.keys.put(key.clone());
    Ok(HttpResponse::Ok().json(KeyView::new(&key, None)))
}
