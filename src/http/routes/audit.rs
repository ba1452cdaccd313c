//! The audit log, for admins: who created and revoked keys, changed policies and
//! wordlists, exported or erased an author's data. A community's admin reads the records
//! of its communities and of keys within its scope.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::openapi::{BadRequest, KeyErrors, NotFound};
use crate::http::{blocking, AppState};
use crate::ids::CommunityId;
use crate::moderation::audit::{self, AuditPage};

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// `GET /v1/audit?after=SEQ&limit=N&community=` → `{entries, next}`.
#[utoipa::path(
    get,
    path = "/v1/audit",
    operation_id = "list_audit",
    tag = "Audit",
    summary = "The audit log",
    description = "Who created or revoked keys, changed a community's policy or wordlist, or \
        exported or erased an author's data, oldest first: records with `seq > after`. `seq` \
        increases but has gaps; resume from `next`: the last seq examined (returned, or \
        skipped as outside the reader's scope), or `after` when nothing is new. An admin \
        scoped to some communities reads the records about them and about keys within its \
        scope.",
    security(("bearer" = ["admin"])),
    params(
        ("after" = Option<u64>, Query, description = "Default 0."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000,
            description = "Default 100."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
    ),
    responses(
        (status = 200, description = "A page", body = AuditPage),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
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
