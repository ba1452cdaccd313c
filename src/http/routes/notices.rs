//! User reports (`POST /v1/reports`, the platform forwarding a user's notice) and trusted
//! flaggers (`PUT`/`DELETE /v1/communities/{id}/trusted-flaggers/{reporter_id}`, admins).
//! Reporter ids are personal data: they are pseudonymised by the store, and never logged
//! nor written to the audit log.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Admin, Ingest};
use crate::clock::Timestamp;
use crate::domain::item::Status;
use crate::domain::notice::{ReportId, ReportReason};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::openapi::{BadRequest, BodyErrors, Conflict, KeyErrors, NotFound};
use crate::http::routes::content::{submit_all, ContentRequest};
use crate::http::routes::items::access;
use crate::http::{blocking, AppState};
use crate::ids::{AuthorId, CommunityId, ContentId, ContentText, ItemId};
use crate::moderation::notices::{self, Notice};
use crate::Code;

/// `POST /v1/reports`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    community: CommunityId,
    content_id: ContentId,
    /// The platform's id of the user who reports: pseudonymised per community before
    /// storage, never logged.
    reporter_id: AuthorId,
    reason: ReportReason,
    /// The reporter's words (personal data: sealed, masked in views, dropped with the
    /// text at retention and by erasure). At most `reports.max_comment_chars` (2,000).
    #[serde(default)]
    comment: Option<String>,
    /// For content Warden has not seen: its text and author, to create and score the item
    /// (otherwise 404).
    #[serde(default)]
    text: Option<ContentText>,
    #[serde(default)]
    author_id: Option<AuthorId>,
}

/// The answer to `POST /v1/reports`: 201 for a new report, 200 for the reporter's open one.
#[derive(Serialize, ToSchema)]
#[schema(as = ReportResult)]
pub struct ReportResponse {
    report_id: ReportId,
    item_id: ItemId,
    /// `open`, or how it was resolved at once (`already_removed`).
    #[schema(value_type = String)]
    status: &'static str,
    /// The report's weight (the reporter's reputation, 0..1; a trusted flagger's is 1000).
    weight: f64,
    trusted: bool,
    /// Where the item is now: `pending` in `queue`, or `decided`.
    item_status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<crate::domain::item::QueueName>,
}

/// `POST /v1/reports`
#[utoipa::path(
    post,
    path = "/v1/reports",
    operation_id = "create_report",
    tag = "Reports",
    summary = "Report content (notice and action)",
    description = "A user's report, forwarded by the platform (DSA Art. 16). Attaches to the \
        item's current revision; creates and scores the item first when it is unknown and \
        `text` and `author_id` are given (404 otherwise). One open report per reporter and \
        item: a repeat returns the first (200). Open report weight at the community's \
        `reports.threshold` sends an allowed or labelled item to review; a trusted \
        flagger's always does, first. Item events `reported` and `report_resolved`; the \
        webhook event `report.resolved` tells the platform the outcome. More than \
        `reports.per_hour` reports of one reporter in an hour are refused (429).",
    security(("bearer" = ["admin", "ingest"])),
    request_body = ReportRequest,
    responses(
        (status = 200, description = "The reporter's open report on the item",
            body = ReportResponse),
        (status = 201, description = "A new report", body = ReportResponse),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn create(
    auth: Auth<Ingest>,
    state: web::Data<AppState>,
    body: Json<ReportRequest>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    auth.require(&req.community, "community")?;
    if req.comment.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(Failure::invalid_field("comment", "must not be empty"));
    }
    let s = state.clone();
    let (community, content_id) = (req.community.clone(), req.content_id.clone());
    let mut id = blocking(move || notices::find_item(&*s.store, &community, &content_id)).await?;
    if id.is_none() {
        // Content Warden has not seen: created and scored like `POST /v1/content`, then
        // reported.
        let (Some(text), Some(author_id)) = (req.text.clone(), req.author_id.clone()) else {
            return Err(Failure::new(
                Code::NotFound,
                "no item holds this content: send `text` and `author_id` to create it",
            ));
        };
        if text.as_str().is_empty() {
            return Err(Failure::invalid_field("text", "must not be empty"));
        }
        let created = submit_all(
            &auth,
            &state,
            vec![ContentRequest {
                community: req.community.clone(),
                content_id: req.content_id.clone(),
                author_id,
                ownership_change: false,
                text,
                context: None,
            }],
        )
        .await?;
        id = created.first().map(|r| r.item.id);
    }
    let id = id.ok_or_else(|| Failure::internal("no item after creating it"))?;
    let notice = Notice {
        community: req.community,
        reporter: req.reporter_id,
        reason: req.reason,
        comment: req.comment,
    };
    let s = state.clone();
    let filed = blocking(move || {
        notices::file(
            &*s.store,
            &s.reports,
            &id,
            &access(&auth),
            notice,
            auth.id(),
            Timestamp::now(),
        )
    })
    .await?;
    state.commit.durable().await?;
    let report = &filed.report;
    let view = ReportResponse {
        report_id: report.id.clone(),
        item_id: filed.item.id,
        status: report
            .resolution
            .as_ref()
            .map_or("open", |r| r.outcome.as_str()),
        weight: f64::from(report.weight) / 1000.0,
        trusted: report.trusted,
        item_status: filed.item.status,
        queue: filed.item.queue,
    };
    let mut response = if filed.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(view))
}

fn flagger_path(
    auth: &Auth<Admin>,
    path: &(String, String),
) -> Result<(CommunityId, AuthorId), Failure> {
    let community: CommunityId = path
        .0
        .parse()
        .map_err(|_| Failure::not_found("community"))?;
    auth.require(&community, "community")?;
    let reporter: AuthorId = path
        .1
        .parse()
        .map_err(|e| Failure::invalid_field("reporter_id", e))?;
    Ok((community, reporter))
}

async fn set_trusted(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    trusted: bool,
) -> Result<HttpResponse, Failure> {
    let (community, reporter) = flagger_path(&auth, &path)?;
    let s = state.clone();
    let c = community.clone();
    blocking(move || {
        notices::set_trusted(
            &*s.store,
            &c,
            &reporter,
            trusted,
            auth.id(),
            Timestamp::now(),
        )
    })
    .await?;
    state.commit.durable().await?;
    Ok(HttpResponse::Ok().json(TrustedFlagger { community, trusted }))
}

/// Whether a reporter is now a trusted flagger in the community.
#[derive(Serialize, ToSchema)]
pub struct TrustedFlagger {
    community: CommunityId,
    trusted: bool,
}

/// `PUT /v1/communities/{id}/trusted-flaggers/{reporter_id}`: the reporter's reports in
/// this community now always go to review, first.
#[utoipa::path(
    put,
    path = "/v1/communities/{id}/trusted-flaggers/{reporter_id}",
    operation_id = "trust_flagger",
    tag = "Reports",
    summary = "Mark a trusted flagger",
    description = "Their reports in this community always go to review, first (DSA Art. \
        22). Audited under the reporter's pseudonym.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
        ("reporter_id" = AuthorId, Path, description = "The platform's id of the reporter."),
    ),
    responses(
        (status = 200, description = "Marked", body = TrustedFlagger),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn trust(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    set_trusted(auth, state, path, true).await
}

/// `DELETE /v1/communities/{id}/trusted-flaggers/{reporter_id}`
#[utoipa::path(
    delete,
    path = "/v1/communities/{id}/trusted-flaggers/{reporter_id}",
    operation_id = "distrust_flagger",
    tag = "Reports",
    summary = "Unmark a trusted flagger",
    description = "Their reports weigh by their reputation again.",
    security(("bearer" = ["admin"])),
    params(
        ("id" = CommunityId, Path, description = "The community."),
        ("reporter_id" = AuthorId, Path, description = "The platform's id of the reporter."),
    ),
    responses(
        (status = 200, description = "Unmarked", body = TrustedFlagger),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn distrust(
    auth: Auth<Admin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    set_trusted(auth, state, path, false).await
}
