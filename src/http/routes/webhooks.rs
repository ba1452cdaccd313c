//! Webhooks of a community (admins): register (the secret is in this one response),
//! list, delete, read a webhook's delivery log, send a delivery again. A community
//! outside the caller's scope is `not_found`, as is a webhook of another community.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::Admin;
use crate::clock::Timestamp;
use crate::domain::webhook::{Delivery, EventType, Webhook, WebhookId};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::webhooks::{self, NewWebhook};

/// `POST /v1/communities/{id}/webhooks`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    url: String,
    events: Vec<EventType>,
}

/// A webhook as admins see it; `secret` only in the response that created it.
#[derive(Serialize)]
pub struct WebhookView {
    webhook_id: WebhookId,
    community: CommunityId,
    url: String,
    events: Vec<EventType>,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl WebhookView {
    fn new(hook: Webhook, secret: Option<String>) -> WebhookView {
        WebhookView {
            webhook_id: hook.id,
            community: hook.community,
            url: hook.url,
            events: hook.events,
            created_at: hook.created_at,
            secret,
        }
    }
}

/// A page of a delivery log.
#[derive(Serialize)]
pub struct DeliveryPage {
    deliveries: Vec<Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<u64>,
}

fn community(auth: &Auth<Admin>, path: &str) -> Result<CommunityId, Failure> {
    let id: CommunityId = path.parse().map_err(|_| Failure::not_found("community"))?;
    auth.require(&id, "community")?;
    Ok(id)
}

fn webhook(
    auth: &Auth<Admin>,
    path: &(String, String),
) -> Result<(CommunityId, WebhookId), Failure> {
    let c = community(auth, &path.0)?;
    let id = path.1.parse().map_err(|_| Failure::not_found("webhook"))?;
    Ok((c, id))
}

/// `POST /v1/communities/{id}/webhooks` → 201 with the secret, shown once.
pub async fn create(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<WebhookRequest>,
) -> Result<HttpResponse, Failure> {
    let community = community(&auth, &path)?;
    let req = body.0;
    let s = state.clone();
    let (hook, secret) = blocking(move || {
        let new = NewWebhook {
            community,
            url: req.url,
            events: req.events,
        };
        webhooks::create(
            &*s.store,
            &s.config.webhooks,
            new,
            auth.id(),
            Timestamp::now(),
        )
    })
    .await?;
    state.commit.durable().await?;
    let secret = secret.expose().to_string();
    Ok(HttpResponse::Created().json(WebhookView::new(hook, Some(secret))))
}

/// `GET /v1/communities/{id}/webhooks`
pub async fn list(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let community = community(&auth, &path)?;
    let s = state.clone();
    let hooks = blocking(move || webhooks::list(&*s.store, &community)).await?;
    let views: Vec<WebhookView> = hooks
        .into_iter()
        .map(|h| WebhookView::new(h, None))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "webhooks": views })))
}

/// `DELETE /v1/communities/{id}/webhooks/{webhook_id}` → 204.
pub async fn delete(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let (community, id) = webhook(&auth, &path)?;
    let s = state.clone();
    blocking(move || webhooks::delete(&*s.store, &community, &id, auth.id(), Timestamp::now()))
        .await?;
    state.commit.durable().await?;
    Ok(HttpResponse::NoContent().finish())
}

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// `GET /v1/communities/{id}/webhooks/{webhook_id}/deliveries?after=&limit=`: by outbox
/// seq (the delivery id).
pub async fn deliveries(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let (community, id) = webhook(&auth, &path)?;
    let mut params = QueryParams::parse(&req)?;
    let after: Option<u64> = params.take("after")?;
    let limit: usize = params.take("limit")?.unwrap_or(DEFAULT_PAGE);
    params.finish()?;
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let s = state.clone();
    let list =
        blocking(move || webhooks::deliveries(&*s.store, &community, &id, after, limit)).await?;
    let next_after = (list.len() == limit)
        .then(|| list.last().map(|d| d.seq))
        .flatten();
    Ok(HttpResponse::Ok().json(DeliveryPage {
        deliveries: list,
        next_after,
    }))
}

/// `POST /v1/communities/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}:retry`
pub async fn retry(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Failure> {
    let (community, id) = webhook(&auth, &(path.0.clone(), path.1.clone()))?;
    let seq: u64 = path.2.parse().map_err(|_| Failure::not_found("delivery"))?;
    let s = state.clone();
    let delivery = blocking(move || {
        webhooks::retry(&*s.store, &community, &id, seq, auth.id(), Timestamp::now())
    })
    .await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(delivery))
}
