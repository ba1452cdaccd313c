//! Data-subject requests: erasure (GDPR Art. 17) and access (Art. 15), by the platform
//! on the person's behalf. The author id is in the path (percent-encode it); it is never
//! logged or written to the audit log, which records the receipt id or the community.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::DataRequests;
use crate::clock::Timestamp;
use crate::domain::event::Actor;
use crate::domain::privacy::Receipt;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::openapi::{BadRequest, KeyErrors, NotFound};
use crate::http::{blocking, AppState};
use crate::ids::{AuthorId, CommunityId};
use crate::moderation::subjects::{self, Export, ExportRequest};

fn author(path: &str) -> Result<AuthorId, Failure> {
    path.parse()
        .map_err(|e| Failure::invalid_field("author_id", e))
}

/// The opening of both routes: the author in the path, and `community`, which must be in
/// the caller's scope when it is given.
fn subject(
    auth: &Auth<DataRequests>,
    path: &str,
    req: &HttpRequest,
) -> Result<(AuthorId, Option<CommunityId>), Failure> {
    let author = author(path)?;
    let mut params = QueryParams::parse(req)?;
    let community: Option<CommunityId> = params.take("community")?;
    params.finish()?;
    if let Some(c) = &community {
        auth.require(c, "community")?;
    }
    Ok((author, community))
}

/// `DELETE /v1/subjects/{author_id}?community=` → the erasure receipt.
#[utoipa::path(
    delete,
    path = "/v1/subjects/{id}",
    operation_id = "erase_subject",
    tag = "Subjects",
    summary = "Erase an author's data (GDPR Art. 17)",
    description = "Removes the author's text, context, appeal statements and identifiers from \
        every item in `community`, keeps the anonymized decision records, destroys the \
        author's encryption key, and emits a `profiling` + `ads_targeting` rule on the author. \
        Durable when answered. The author id is never logged or audited (the receipt id is).",
    security(("bearer" = ["admin", "ingest"])),
    params(
        ("id" = AuthorId, Path, description = "The author id, percent-encoded."),
        ("community" = CommunityId, Query, description = "Where to erase (required)."),
    ),
    responses(
        (status = 200, description = "The receipt", body = Receipt),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn erase(
    auth: Auth<DataRequests>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let (author, community) = subject(&auth, &path, &req)?;
    let community = community
        .ok_or_else(|| Failure::new(crate::Code::MissingField, "missing field `community`"))?;
    let s = state.clone();
    let actor = auth.id().clone();
    let receipt =
        blocking(move || subjects::erase(&*s.store, &community, &author, &actor, Timestamp::now()))
            .await?;
    // The store flushed; this makes the erasure rule visible in the feed.
    state.commit.durable().await?;
    tracing::info!(receipt = %receipt.receipt_id, items = receipt.items, "subject erased");
    Ok(HttpResponse::Ok().json(receipt))
}

/// `GET /v1/subjects/{author_id}/export?community=` → everything held about the author:
/// in one community, or in every community of the key's scope that has data.
#[utoipa::path(
    get,
    path = "/v1/subjects/{id}/export",
    operation_id = "export_subject",
    tag = "Subjects",
    summary = "Everything held about an author (GDPR Art. 15)",
    description = "Unmasked: the author's own texts, contexts, appeal statements, the items' \
        verdicts, outcomes and histories, and the active suppression rules about the author \
        and their content. Recorded in the audit log.",
    security(("bearer" = ["admin", "ingest"])),
    params(
        ("id" = AuthorId, Path, description = "The author id, percent-encoded."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
    ),
    responses(
        (status = 200, description = "The export", body = Export),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn export(
    auth: Auth<DataRequests>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let (author, community) = subject(&auth, &path, &req)?;
    let scope = auth.key.scope.clone();
    let actor = Actor::Key(auth.id().clone());
    let s = state.clone();
    let export = blocking(move || {
        let request = ExportRequest {
            author,
            community,
            scope,
            actor,
        };
        subjects::export(&*s.store, &s.suppressions, request, Timestamp::now())
    })
    .await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(export))
}
