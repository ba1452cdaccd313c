//! Running a moderation team: bulk decisions, the operations dashboard, the engine's
//! precision from moderators' decisions, threshold suggestions and the label export.
//! Each parses, checks role and community scope, and calls one `moderation` service.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{Admin, Moderator, Roles};
use crate::clock::Timestamp;
use crate::domain::audit::AuditActor;
use crate::domain::bulk::BulkFilter;
use crate::domain::calibration::Targets;
use crate::domain::event::Actor;
use crate::domain::item::DecisionAction;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::routes::items::{access, DecisionRequest};
use crate::http::routes::transparency::range;
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::bulk::{self, Bulk};
use crate::moderation::decisions::Caller;
use crate::moderation::{calibration, labels, operations};

/// `POST /v1/items:bulk`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// Which items (see `domain::bulk`).
    pub filter: BulkFilter,
    pub action: DecisionAction,
    pub reason: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Report what would change; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /v1/items:bulk` → `{bulk_id?, dry_run, matched, decided, unchanged, failed,
/// results: [{item_id, status, error?}]}`: a moderator within scope, or an admin.
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
pub async fn report(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let to: Timestamp = params
        .take("to")?
        .unwrap_or_else(|| Timestamp::from_millis(Timestamp::now().millis() + 1));
    let from: Timestamp = params
        .take("from")?
        .unwrap_or_else(|| Timestamp::from_millis(to.millis() - 7 * 86_400_000));
    if from > to {
        return Err(Failure::invalid_field("from", "must not be after `to`"));
    }
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
