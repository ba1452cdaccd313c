//! Statements of reasons (DSA Art. 17) and transparency reports. Built from decision
//! records that hold no personal data (see `transparency`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::{Moderator, Roles, Transparency};
use crate::clock::Timestamp;
use crate::domain::transparency::DecisionCursor;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::routes::items::{item_id, read_item};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::reports;

/// `GET /v1/items/{id}/statement`: the statement of reasons of the item's latest
/// restrictive decision; 404 if it never had one.
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
    let to: Timestamp = params
        .take("to")?
        .unwrap_or_else(|| Timestamp::from_millis(Timestamp::now().millis() + 1));
    let from: Timestamp = params
        .take("from")?
        .unwrap_or_else(|| Timestamp::from_millis(to.millis() - 30 * 86_400_000));
    if from > to {
        return Err(Failure::invalid_field("from", "must not be after `to`"));
    }
    Ok((from, to))
}

/// `GET /v1/statements?from=&to=&community=&cursor=` → `{statements, next_cursor?}`:
/// statements of restrictive decisions made in `[from, to)`, oldest first, 100 a page.
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
    let mut body = json!({ "statements": statements });
    if let Some(next) = next {
        body["next_cursor"] = json!(next.to_string());
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /v1/reports/transparency?community=&from=&to=`: counts by category, action,
/// automated and human, appeals and reversals, and median time to decision.
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
    let shown = list.clone();
    let s = state.clone();
    let report =
        blocking(move || reports::transparency_report(&*s.store, list.as_deref(), from, to))
            .await?;
    let mut body =
        serde_json::to_value(&report).map_err(|e| Failure::internal(format!("report: {e}")))?;
    body["from"] = json!(from);
    body["to"] = json!(to);
    body["communities"] = json!(shown.map_or(vec!["*".to_string()], |l| l
        .iter()
        .map(|c| c.to_string())
        .collect()));
    Ok(HttpResponse::Ok().json(body))
}
