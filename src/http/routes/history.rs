//! An author's record in a community, for the moderator deciding one of their items
//! (see `moderation::reports`).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::Auditor;
use crate::failure::Failure;
use crate::http::extract::{Auth, QueryParams};
use crate::http::openapi::{BadRequest, KeyErrors, NotFound};
use crate::http::routes::items::{item_id, read_item};
use crate::http::AppState;
use crate::ids::ItemId;
use crate::moderation::reports::{self, AuthorHistory};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// `GET /v1/items/{id}/author-history?limit=`: prior decisions on the same author's other
/// items in the item's community (admins and moderators in scope).
#[utoipa::path(
    get,
    path = "/v1/items/{id}/author-history",
    tag = "Items",
    summary = "The author's prior decisions",
    description = "Decisions (automatic, by moderators, on appeal) on the same author's other \
        items in the item's community, newest first, undone ones left out. An erased author \
        has none. At most 500 of the author's items are examined (`truncated` says when there \
        were more).",
    security(("bearer" = ["admin", "moderator"])),
    params(
        ("id" = ItemId, Path, description = "The item id."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Decisions listed; default 20."),
    ),
    responses(
        (status = 200, description = "The record", body = AuthorHistory),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn author_history(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let mut params = QueryParams::parse(&req)?;
    let limit: u32 = params.take("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    params.finish()?;
    let history = read_item(auth, &state, id, move |store, id, access| {
        reports::author_history(store, id, access, limit as usize)
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}
