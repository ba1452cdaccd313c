//! Webhooks of a community (admins): register (the secret is in this one response),
//! list, delete, read a webhook's delivery log, send a delivery again. A community
//! outside the caller's scope is `not_found`, as is a webhook of another community.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Admin;
use crate::clock::Timestamp;
use crate::domain::webhook::{Delivery, EventType, Webhook, WebhookId};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::openapi::{BadRequest, BodyErrors, KeyErrors, NotFound, Unprocessable};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::webhooks::{self, NewWebhook};

/// `POST /v1/communities/{id}/webhooks`
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// http(s); loopback, private, link-local and metadata destinations are refused unless
    /// `webhooks.allow_private_destinations`.
    url: String,
    /// The events to deliver (at least one).
    #[schema(min_items = 1)]
    events: Vec<EventType>,
}

/// A webhook as admins see it; `secret` only in the response that created it.
#[derive(Serialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookView {
    webhook_id: WebhookId,
    community: CommunityId,
    url: String,
    events: Vec<EventType>,
    created_at: Timestamp,
    /// `whsec_…`: only in the response that created the webhook. Deliveries carry
    /// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64
    /// HMAC-SHA256(secret, id.timestamp.body)>` (Standard Webhooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// A community's webhooks (never their secrets).
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookView>,
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
#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    deliveries: Vec<Delivery>,
    /// `after` for the next page; absent on the last.
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
#[utoipa::path(
    post,
    path = "/v1/communities/{id}/webhooks",
    operation_id = "create_webhook",
    tag = "Webhooks",
    summary = "Register a webhook",
    description = "At most 10 per community (422 beyond). Delivery is at least once, from a \
        durable outbox written with the change, retried with exponential backoff and jitter \
        for about a day, then `failed`; in order per item. A community outside the key's \
        scope is 404.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
    ),
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "The webhook, with its secret (shown only here)",
            body = WebhookView),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/v1/communities/{id}/webhooks",
    operation_id = "list_webhooks",
    tag = "Webhooks",
    summary = "The community's webhooks",
    description = "Secrets are never shown again.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "Webhooks", body = WebhookList),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
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
    Ok(HttpResponse::Ok().json(WebhookList { webhooks: views }))
}

/// `DELETE /v1/communities/{id}/webhooks/{webhook_id}` → 204.
#[utoipa::path(
    delete,
    path = "/v1/communities/{id}/webhooks/{webhook_id}",
    operation_id = "delete_webhook",
    tag = "Webhooks",
    summary = "Delete a webhook",
    description = "Its pending deliveries are not sent. A webhook of another community is \
        404.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
    ),
    responses(
        (status = 204, description = "Deleted"),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/v1/communities/{id}/webhooks/{webhook_id}/deliveries",
    operation_id = "list_deliveries",
    tag = "Webhooks",
    summary = "A webhook's delivery log",
    description = "By outbox sequence (a delivery's `seq`, its id).",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
        ("after" = Option<u64>, Query, description = "`next_after` of the previous page."),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000,
            description = "Default 100."),
    ),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/v1/communities/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}:retry",
    operation_id = "retry_delivery",
    tag = "Webhooks",
    summary = "Send a delivery again",
    description = "Pending and due now, with a fresh set of attempts (a failed one \
        included).",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
        ("webhook_id" = WebhookId, Path, description = "The webhook."),
        ("delivery_id" = u64, Path, description = "The delivery's `seq`."),
    ),
    responses(
        (status = 200, description = "The delivery", body = Delivery),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
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
