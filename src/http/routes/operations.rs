//! Running a moderation team: bulk decisions, the operations dashboard, the engine's
//! precision from moderators' decisions, threshold suggestions and the label export.
//! Each parses, checks role and community scope, and calls one `moderation` service.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Admin, Moderator, Roles};
use crate::clock::Timestamp;
use crate::domain::audit::AuditActor;
use crate::domain::bulk::BulkFilter;
use crate::domain::bulk::BulkOutcome;
use crate::domain::calibration::Targets;
use crate::domain::event::Actor;
use crate::domain::item::DecisionAction;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::openapi::{BadRequest, BodyErrors, KeyErrors, NotFound, Unprocessable};
use crate::http::routes::items::{access, DecisionRequest};
use crate::http::routes::transparency::{range, range_of_days};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::bulk::{self, Bulk};
use crate::moderation::calibration::{PrecisionReport, Suggestion};
use crate::moderation::decisions::Caller;
use crate::moderation::operations::OperationsReport;
use crate::moderation::{calibration, labels, operations};

/// `POST /v1/items:bulk`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// Which items (see `domain::bulk`).
    pub filter: BulkFilter,
    pub action: DecisionAction,
    /// 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Required for `label`: at most 20, each 1 to 64 characters.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub labels: Vec<String>,
    /// 1 to 4,000 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4000)]
    pub note: Option<String>,
    /// Report what would change; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /v1/items:bulk` → `{bulk_id?, dry_run, matched, decided, unchanged, failed,
/// results: [{item_id, status, error?}]}`: a moderator within scope, or an admin.
#[utoipa::path(
    post,
    path = "/v1/items:bulk",
    tag = "Team",
    summary = "Decide many items at once",
    description = "Applies one decision to every item the filter selects (at most 10,000; \
        more is 422): each item in its own atomic step with its own events (actor: the \
        caller, `bulk_id` in each), one `items.bulk` audit record for the operation. A \
        waiting item is decided as if the caller held its lease (another moderator's \
        running lease is respected unless the caller is an admin); a decided item gets the \
        new outcome, or is `unchanged` if it has it. An item that fails is reported in \
        `results` with its error; the others are still decided. Bulk decisions cannot be \
        undone with `/undo`. `dry_run` writes nothing.",
    security(("bearer" = ["admin", "moderator"])),
    request_body = BulkRequest,
    responses(
        (status = 200, description = "What happened (or would happen) to each item",
            body = BulkOutcome),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    ),
)]
pub async fn bulk(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    body: Json<BulkRequest>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    auth.require(&req.filter.community, "community")?;
    req.filter.selector()?;
    let (action, remarks) = DecisionRequest {
        action: req.action,
        reason: req.reason,
        labels: req.labels,
        note: req.note,
    }
    .remarks()?;
    let by = if auth.is_admin() {
        "admin"
    } else {
        "moderator"
    };
    let job = Bulk {
        filter: req.filter,
        action,
        remarks,
        dry_run: req.dry_run,
    };
    let now = Timestamp::now();
    let s = state.clone();
    let outcome = blocking(move || {
        let caller = Caller {
            key: auth.id(),
            admin: auth.is_admin(),
            access: &access(&auth),
        };
        bulk::run(&*s.store, &caller, &job, now)
    })
    .await?;
    if !outcome.dry_run {
        state.commit.durable().await?;
        for _ in 0..outcome.decided {
            state.metrics.decision(action.as_str(), by);
        }
    }
    Ok(HttpResponse::Ok().json(outcome))
}

/// `GET /v1/reports/operations?community=&from=&to=`: the operations dashboard over the
/// hours starting in `[from, to)` (default: the last 7 days), in the caller's scope.
#[utoipa::path(
    get,
    path = "/v1/reports/operations",
    operation_id = "operations_report",
    tag = "Team",
    summary = "Operations dashboard",
    description = "Queues now (depth, age p50/p90/oldest per community and queue) and, over \
        the hours overlapping `[from, to)`: depth over time, time to first claim and to \
        decision per queue, decisions per moderator and per action, expired leases, undo \
        and appeal rates, appeals reversed. Kept as hourly tallies, so a window costs the \
        same whatever the number of events. Queue depth and age p50/p90/oldest over time \
        (`queue_samples`) come from samples one node takes every \
        `queue.sample_interval_seconds` (default 60) and keeps \
        `queue.sample_retention_days` (default 30), thinned to at most 500 points per \
        community and queue. A window up to 25 hours reads every sample; a longer one reads \
        the hourly tier (`queue_samples_hourly`: true), one point per hour starting in \
        the window holding the highest figures of that hour's samples, kept as long.",
    security(("bearer" = ["admin", "moderator"])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Default: 7 days before `to`."),
        ("to" = Option<Timestamp>, Query,
            description = "Exclusive. Default: now. At most 366 days after `from`."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
    ),
    responses(
        (status = 200, description = "The dashboard", body = OperationsReport),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn report(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let (from, to) = range_of_days(&mut params, 7)?;
    if to.millis() - from.millis() > 366 * 86_400_000 {
        return Err(Failure::invalid_field(
            "from",
            "the window is at most 366 days",
        ));
    }
    let community: Option<CommunityId> = params.take("community")?;
    params.finish()?;
    let communities = auth.communities(community)?;
    let s = state.clone();
    let report = blocking(move || {
        operations::report(
            &*s.store,
            communities.as_deref(),
            from,
            to,
            Timestamp::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The community a route names in its query (required), in the caller's scope.
fn named_community<R: Roles>(
    auth: &Auth<R>,
    params: &mut QueryParams,
) -> Result<CommunityId, Failure> {
    let community: CommunityId = params
        .take("community")?
        .ok_or_else(|| Failure::invalid_field("community", "required"))?;
    auth.require(&community, "community")?;
    Ok(community)
}

/// The community in the path, in the caller's scope.
fn path_community<R: Roles>(auth: &Auth<R>, path: &str) -> Result<CommunityId, Failure> {
    let id: CommunityId = path.parse().map_err(|_| Failure::not_found("community"))?;
    auth.require(&id, "community")?;
    Ok(id)
}

/// `GET /v1/reports/precision?community=&from=&to=`: the engine's precision as
/// moderators measured it (see `domain::calibration`), over items decided in
/// `[from, to)` (default: the last 30 days).
#[utoipa::path(
    get,
    path = "/v1/reports/precision",
    operation_id = "precision_report",
    tag = "Team",
    summary = "The engine's precision, as moderators measured it",
    description = "Per category, engine action and model version, over items decided in \
        `[from, to)`: automatic removals and labels agreed unless moderators reversed them \
        (an uncontested one counts as agreed), review precision (share of decided review \
        items moderators labelled or removed), automatic allows later labelled or removed \
        (known misses), each with a 95% Wilson interval.",
    security(("bearer" = ["admin", "moderator"])),
    params(
        ("community" = CommunityId, Query, description = "The community."),
        ("from" = Option<Timestamp>, Query, description = "Default: 30 days before `to`."),
        ("to" = Option<Timestamp>, Query, description = "Exclusive. Default: now."),
    ),
    responses(
        (status = 200, description = "The report", body = PrecisionReport),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn precision(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let (from, to) = range(&mut params)?;
    let community = named_community(&auth, &mut params)?;
    params.finish()?;
    let s = state.clone();
    let report =
        blocking(move || calibration::precision_report(&*s.store, &community, from, to)).await?;
    Ok(HttpResponse::Ok().json(report))
}

fn target(params: &mut QueryParams, name: &str, default: f64) -> Result<f64, Failure> {
    let value: f64 = params.take(name)?.unwrap_or(default);
    if !(value > 0.0 && value <= 1.0) {
        return Err(Failure::invalid_field(
            name,
            "must be above 0 and at most 1",
        ));
    }
    Ok(value)
}

/// `GET /v1/communities/{id}/policy:suggest?from=&to=&remove_precision=&review_recall=`
/// (admin): proposed thresholds from the items moderators decided in `[from, to)`
/// (default: the last 30 days); 422 under the minimum number of decisions. Changes
/// nothing: apply it with the policy `PUT` and `?suggestion_id=`.
#[utoipa::path(
    get,
    path = "/v1/communities/{id}/policy:suggest",
    tag = "Team",
    summary = "Suggest thresholds from moderators' decisions",
    description = "From the items moderators decided in `[from, to)`, per category \
        (strongest category of each item): `remove` at the lowest score where the share \
        moderators removed reaches `remove_precision`; `review` at the highest score that \
        still keeps `review_recall` of what they labelled or removed at review or above; \
        `label` kept. With expected precision, recall and queue volume. 422 under 50 \
        decided items; a category under 20 keeps its thresholds; `self_harm` is never \
        proposed for automatic removal unless it already is. Changes nothing: apply with \
        `PUT /v1/communities/{id}/policy?suggestion_id=`.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community id."),
        ("from" = Option<Timestamp>, Query, description = "Default: 30 days before `to`."),
        ("to" = Option<Timestamp>, Query, description = "Exclusive. Default: now."),
        ("remove_precision" = Option<f64>, Query,
            description = "Above 0, at most 1. Default 0.98."),
        ("review_recall" = Option<f64>, Query,
            description = "Above 0, at most 1. Default 0.95."),
    ),
    responses(
        (status = 200, description = "The suggestion", body = Suggestion),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    ),
)]
pub async fn suggest(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let community = path_community(&auth, &path)?;
    let mut params = QueryParams::parse(&req)?;
    let (from, to) = range(&mut params)?;
    let defaults = Targets::default();
    let targets = Targets {
        remove_precision: target(&mut params, "remove_precision", defaults.remove_precision)?,
        review_recall: target(&mut params, "review_recall", defaults.review_recall)?,
    };
    params.finish()?;
    let s = state.clone();
    let suggestion = blocking(move || {
        let policy = s.communities.policy(&community)?;
        calibration::suggest(&*s.store, &community, &policy, targets, from, to)
    })
    .await?;
    Ok(HttpResponse::Ok().json(suggestion))
}

/// `GET /v1/communities/{id}/labels?since=` (admin): JSON lines of the items moderators
/// decided since `since` (default: 30 days ago) whose text is still held; personal data
/// (see `moderation::labels`), audited.
#[utoipa::path(
    get,
    path = "/v1/communities/{id}/labels",
    tag = "Team",
    summary = "Export moderator-decided items for retraining",
    description = "JSON lines, one `LabelRecord` per item moderators decided since `since` \
        whose text is still held (within retention, never an erased author's). **Personal \
        data**: the operator needs a lawful basis to process it for training. Recorded in \
        the audit log (`labels.export`).",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community id."),
        ("since" = Option<Timestamp>, Query, description = "Default: 30 days ago."),
    ),
    responses(
        (status = 200, description = "JSON lines, each a `LabelRecord`", body = String,
            content_type = "application/x-ndjson"),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn labels(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let community = path_community(&auth, &path)?;
    let mut params = QueryParams::parse(&req)?;
    let now = Timestamp::now();
    let since: Timestamp = params
        .take("since")?
        .unwrap_or_else(|| Timestamp::from_millis(now.millis() - 30 * 86_400_000));
    params.finish()?;
    let actor = AuditActor::from(Actor::Key(auth.id().clone()));
    let s = state.clone();
    let records =
        blocking(move || labels::export(&*s.store, &community, since, now, actor)).await?;
    state.commit.durable().await?;
    let mut body = String::new();
    for r in &records {
        let line =
            serde_json::to_string(r).map_err(|e| Failure::internal(format!("labels: {e}")))?;
        body.push_str(&line);
        body.push('\n');
    }
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .body(body))
}
