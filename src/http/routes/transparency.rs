//! Statements of reasons (DSA Art. 17) and transparency reports. Built from decision
//! records that hold no personal data (see `transparency`).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{Moderator, Roles, Transparency};
use crate::clock::Timestamp;
use crate::domain::transparency::DecisionCursor;
use crate::domain::transparency::{Report, Statement};
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::openapi::{BadRequest, KeyErrors, NotFound};
use crate::http::routes::items::{item_id, read_item};
use crate::http::views::StatementPage;
use crate::http::{blocking, AppState};
use crate::ids::{CommunityId, ItemId};
use crate::moderation::reports;

/// `GET /v1/items/{id}/statement`: the statement of reasons of the item's latest
/// restrictive decision; 404 if it never had one.
#[utoipa::path(
    get,
    path = "/v1/items/{id}/statement",
    tag = "Transparency",
    summary = "The statement of reasons (DSA Art. 17) of the item's latest restrictive \
        decision",
    description = "404 when the item never had a restrictive (`label`, `remove`) decision.",
    security(("bearer" = ["admin", "moderator", "ingest"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    responses(
        (status = 200, description = "The statement", body = Statement),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn item_statement(
    auth: Auth<Transparency>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let statement = read_item(auth, &state, id, reports::item_statement).await?;
    Ok(HttpResponse::Ok().json(statement))
}

/// The query of both report routes.
struct Window<T> {
    from: Timestamp,
    to: Timestamp,
    /// `community`, narrowed to the caller's scope (`None`: every community).
    communities: Option<Vec<CommunityId>>,
    /// What the route takes of the rest.
    more: T,
}

fn window<R: Roles, T>(
    auth: &Auth<R>,
    req: &HttpRequest,
    more: impl FnOnce(&mut QueryParams) -> Result<T, Failure>,
) -> Result<Window<T>, Failure> {
    let mut params = QueryParams::parse(req)?;
    let (from, to) = range(&mut params)?;
    let community: Option<CommunityId> = params.take("community")?;
    let more = more(&mut params)?;
    params.finish()?;
    Ok(Window {
        from,
        to,
        communities: auth.communities(community)?,
        more,
    })
}

/// `from`/`to` (RFC 3339), by default the last 30 days.
pub(crate) fn range(params: &mut QueryParams) -> Result<(Timestamp, Timestamp), Failure> {
    range_of_days(params, 30)
}

/// `from`/`to` (RFC 3339), by default the last `default_days` days.
pub(crate) fn range_of_days(
    params: &mut QueryParams,
    default_days: i64,
) -> Result<(Timestamp, Timestamp), Failure> {
    let to: Timestamp = params
        .take("to")?
        .unwrap_or_else(|| Timestamp::from_millis(Timestamp::now().millis() + 1));
    let from: Timestamp = params
        .take("from")?
        .unwrap_or_else(|| Timestamp::from_millis(to.millis() - default_days * 86_400_000));
    if from > to {
        return Err(Failure::invalid_field("from", "must not be after `to`"));
    }
    Ok((from, to))
}

/// `GET /v1/statements?from=&to=&community=&cursor=` → `{statements, next_cursor?}`:
/// statements of restrictive decisions made in `[from, to)`, oldest first, 100 a page.
#[utoipa::path(
    get,
    path = "/v1/statements",
    tag = "Transparency",
    summary = "Statements of reasons, in batches of 100",
    description = "Of restrictive decisions made in `[from, to)`, oldest first.",
    security(("bearer" = ["admin", "moderator", "ingest"])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Default: 30 days before `to`."),
        ("to" = Option<Timestamp>, Query, description = "Exclusive. Default: now."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous batch."),
    ),
    responses(
        (status = 200, description = "A batch", body = StatementPage),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn statements(
    auth: Auth<Transparency>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let q = window(&auth, &req, |p| p.take::<DecisionCursor>("cursor"))?;
    let s = state.clone();
    let (statements, next) = blocking(move || {
        reports::statements(&*s.store, q.communities.as_deref(), q.from, q.to, q.more)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StatementPage {
        statements,
        next_cursor: next.map(|c| c.to_string()),
    }))
}

/// `GET /v1/reports/transparency?community=&from=&to=`: counts by category, action,
/// automated and human, appeals and reversals, and median time to decision.
#[utoipa::path(
    get,
    path = "/v1/reports/transparency",
    operation_id = "transparency_report",
    tag = "Transparency",
    summary = "Transparency report",
    description = "Decisions in `[from, to)`: by resulting action, restrictive ones by \
        category, automated and human, appeals (received, upheld, reversed), decisions undone \
        by their maker within the lease, and median seconds from submission to decision.",
    security(("bearer" = ["admin", "moderator"])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Default: 30 days before `to`."),
        ("to" = Option<Timestamp>, Query, description = "Exclusive. Default: now."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
    ),
    responses(
        (status = 200, description = "The report", body = Report),
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
    let Window {
        from,
        to,
        communities: list,
        ..
    } = window(&auth, &req, |_| Ok(()))?;
    let s = state.clone();
    let report =
        blocking(move || reports::transparency_report(&*s.store, list.as_deref(), from, to))
            .await?;
    Ok(HttpResponse::Ok().json(report))
}
