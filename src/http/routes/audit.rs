//! The audit log, for admins: who created and revoked keys, changed policies and
//! wordlists, exported or erased an author's data. A community's admin reads the records
//! of its communities and of keys within its scope.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::audit;

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// `GET /v1/audit?after=SEQ&limit=N&community=` → `{entries, next}`.
pub async fn list(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let after: u64 = params.take("after")?.unwrap_or(0);
    let limit: u32 = params.take("limit")?.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let community: Option<CommunityId> = params.take("community")?;
    params.finish()?;
    let communities = auth.communities(community)?;
    let s = state.clone();
    let page =
        blocking(move || audit::page(&*s.store, communities.as_deref(), after, limit as usize))
            .await?;
    Ok(HttpResponse::Ok().json(page))
}
