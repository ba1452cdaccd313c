//! Reading and claiming the review queues.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Moderator;
use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::domain::queue::{CommunityFilter, Cursor};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::openapi::{BadRequest, BodyErrors, KeyErrors, NotFound};
use crate::http::views::{ItemView, Pii, QueuePage};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::claims::{self, ClaimOrder};

const DEFAULT_PAGE: u32 = 50;

fn filter(list: &Option<Vec<CommunityId>>) -> CommunityFilter<'_> {
    match list {
        None => CommunityFilter::All,
        Some(list) => CommunityFilter::Only(list),
    }
}

fn parse_queue(s: &str) -> Result<QueueName, String> {
    QueueName::ALL
        .into_iter()
        .find(|q| q.as_str() == s)
        .ok_or_else(|| format!("unknown queue `{s}` (expected review, escalated or appeals)"))
}

/// `GET /v1/queue?community=&queue=&limit=&cursor=&reported=`: waiting items, highest
/// priority first (`reported=true`: only those with open user reports).
#[utoipa::path(
    get,
    path = "/v1/queue",
    operation_id = "list_queue",
    tag = "Queue",
    summary = "Waiting items, highest priority first",
    description = "priority = 10 × severity (high 3, medium 2, low 1) + 10 × score + 5 if \
        threat or self_harm ≥ 0.6 + hours waiting. Leased items are not listed.",
    security(("bearer" = ["admin", "moderator"])),
    params(
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
        ("queue" = Option<QueueName>, Query, description = "Default: `review`."),
        ("limit" = Option<u32>, Query, minimum = 1,
            description = "Default 50; at most `queue.max_page` (500)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("reported" = Option<bool>, Query,
            description = "`true`: only items with open user reports (a page may then hold \
                fewer than `limit`). Default `false`."),
    ),
    responses(
        (status = 200, description = "A page", body = QueuePage),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn list(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let community: Option<CommunityId> = params.take("community")?;
    let queue = match params.take::<String>("queue")? {
        Some(q) => parse_queue(&q).map_err(|e| Failure::invalid_field("queue", e))?,
        None => QueueName::Review,
    };
    let max = state.config.queue.max_page;
    let limit: u32 = params.take("limit")?.unwrap_or(DEFAULT_PAGE);
    if !(1..=max).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {max}"),
        ));
    }
    let cursor: Option<Cursor> = params.take("cursor")?;
    // Only items with open user reports; a page may then hold fewer than `limit`.
    let reported: bool = params.take("reported")?.unwrap_or(false);
    params.finish()?;
    let list = auth.communities(community)?;

    let s = state.clone();
    let (records, next) = blocking(move || {
        s.expire_leases_before_read()?;
        claims::waiting(
            &*s.store,
            queue,
            &filter(&list),
            cursor,
            limit as usize,
            reported,
        )
    })
    .await?;
    let now = Timestamp::now();
    let page = QueuePage {
        items: records
            .into_iter()
            .map(|r| ItemView::render(r, now, Pii::Masked))
            .collect(),
        next_cursor: next.map(|c| c.to_string()),
    };
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// Default: every community in the key's scope.
    #[serde(default)]
    community: Option<CommunityId>,
    #[serde(default = "review")]
    #[schema(default = "review")]
    queue: QueueName,
    /// At most `queue.max_claim` (100).
    #[serde(default = "one")]
    #[schema(default = 1, minimum = 1)]
    limit: u32,
    /// Default `queue.default_lease_seconds` (300); at most `queue.max_lease_seconds`
    /// (3,600).
    #[serde(default)]
    #[schema(minimum = 1)]
    lease_seconds: Option<u32>,
}

fn review() -> QueueName {
    QueueName::Review
}

fn one() -> u32 {
    1
}

/// `POST /v1/queue/claim`: leases the highest-priority waiting items to the caller.
#[utoipa::path(
    post,
    path = "/v1/queue/claim",
    tag = "Queue",
    summary = "Lease items to the caller",
    description = "Leased items are invisible to others until decided, released or expired \
        (then they return to the queue with an `expired` event). Concurrent claimers never \
        receive the same item.",
    security(("bearer" = ["admin", "moderator"])),
    request_body = ClaimRequest,
    responses(
        (status = 200, description = "The leased items, with `lease_expires_at`",
            body = QueuePage),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn claim(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    body: Json<ClaimRequest>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    let q = &state.config.queue;
    if !(1..=q.max_claim).contains(&req.limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {}", q.max_claim),
        ));
    }
    let lease_seconds = req.lease_seconds.unwrap_or(q.default_lease_seconds);
    if !(1..=q.max_lease_seconds).contains(&lease_seconds) {
        return Err(Failure::invalid_field(
            "lease_seconds",
            format!("must be between 1 and {}", q.max_lease_seconds),
        ));
    }
    let order = ClaimOrder {
        queue: req.queue,
        communities: auth.communities(req.community)?,
        limit: req.limit as usize,
        holder: auth.id().clone(),
        lease_seconds,
    };
    if state.lease_checks.due(Timestamp::now()) {
        let s = state.clone();
        blocking(move || s.expire_leases()).await?;
    }
    let now = Timestamp::now();
    let records = claims::claim_together(&state.claims, state.store.clone(), order, now).await?;
    // A claim (and the expired leases it returned) changes no suppression rule.
    state.commit.durable_without_rules().await?;
    Ok(HttpResponse::Ok().json(QueuePage {
        items: records
            .into_iter()
            .map(|r| ItemView::render(r, now, Pii::Masked))
            .collect(),
        next_cursor: None,
    }))
}
