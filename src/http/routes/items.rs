//! One item: reading it and its history, deciding, undoing a decision, releasing,
//! appealing.
//!
//! An item outside the caller's scope is `not_found`, exactly like one that does not
//! exist; so is a malformed item id. Personal data in what moderators see is masked;
//! `GET /v1/items/{id}?reveal=pii` shows it to an admin or the moderator holding the
//! item's lease, and records a `pii_revealed` event.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Auditor, Ingest, ItemReader, Moderator, Role, Roles};
use crate::clock::Timestamp;
use crate::domain::event::Remarks;
use crate::domain::item::{DecisionAction, Item};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::openapi::{BadRequest, BodyErrors, Conflict, KeyErrors, NotFound, Unprocessable};
use crate::http::views::{ItemEvents, ItemView, Pii};
use crate::http::{blocking, AppState};
use crate::ids::ItemId;
use crate::moderation::decisions::{self, Act, Actor};
use crate::moderation::items::{self, Access};
use crate::store::Store;

pub(crate) fn item_id(path: &str) -> Result<ItemId, Failure> {
    path.parse().map_err(|_| Failure::not_found("item"))
}

/// Items in the caller's scope, as the services ask: one outside it is `not_found`.
pub(crate) fn access<R: Roles>(
    auth: &Auth<R>,
) -> impl Fn(&Item) -> Result<(), Failure> + Sync + '_ {
    |item: &Item| auth.require(&item.community, "item")
}

/// The opening of the routes that read one item: `read` (a `moderation` service) on the
/// blocking pool, over the store, for the item `id` in the caller's scope.
pub(crate) async fn read_item<R: Roles, T: Send + 'static>(
    auth: Auth<R>,
    state: &web::Data<AppState>,
    id: ItemId,
    read: impl FnOnce(&dyn Store, &ItemId, &Access<'_>) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure>
where
    Auth<R>: Send + 'static,
{
    let s = state.clone();
    blocking(move || read(&*s.store, &id, &access(&auth))).await
}

/// `GET /v1/items/{id}[?reveal=pii]`
#[utoipa::path(
    get,
    path = "/v1/items/{id}",
    operation_id = "get_item",
    tag = "Items",
    summary = "An item",
    description = "Personal data (emails, phone numbers, … found by the `pii` detectors) in \
        `text`, `context` and the appeal statement is masked (`[email]`) unless \
        `reveal=pii`, which only an admin or the moderator holding the item's lease may use \
        (else 403); each reveal is recorded as a `pii_revealed` event.",
    security(("bearer" = ["admin", "moderator", "ingest"])),
    params(
        ("id" = ItemId, Path, description = "The item id (a malformed one is 404)."),
        ("reveal" = Option<String>, Query, pattern = "^pii$",
            description = "`pii`: show personal data unmasked (audited)."),
    ),
    responses(
        (status = 200, description = "The item with its current text", body = ItemView),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn get(
    auth: Auth<ItemReader>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let mut params = QueryParams::parse(&req)?;
    let reveal = match params.take::<String>("reveal")?.as_deref() {
        None => false,
        Some("pii") => true,
        Some(_) => return Err(Failure::invalid_field("reveal", "the only value is `pii`")),
    };
    params.finish()?;
    if !reveal {
        let record = read_item(auth, &state, id, items::read).await?;
        return Ok(HttpResponse::Ok().json(ItemView::render(
            record,
            Timestamp::now(),
            Pii::Masked,
        )));
    }
    if !matches!(auth.key.role, Role::Admin | Role::Moderator) {
        return Err(Failure::forbidden(
            "only an admin or the moderator holding the lease may reveal personal data",
        ));
    }
    let view = change(state, auth, id, Act::RevealPii, Pii::Revealed).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /v1/items/{id}/events`
#[utoipa::path(
    get,
    path = "/v1/items/{id}/events",
    operation_id = "item_events",
    tag = "Items",
    summary = "An item's full history",
    description = "Moderators' `reason` and `note` are shown with personal data masked.",
    security(("bearer" = ["admin", "moderator"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    responses(
        (status = 200, description = "Events, oldest first", body = ItemEvents),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn events(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let events = read_item(auth, &state, id, items::history).await?;
    Ok(HttpResponse::Ok().json(ItemEvents {
        item_id: id,
        events,
    }))
}

/// Does `act` to an item the caller may see, waits for durability, and answers with the
/// item.
async fn change<R: Roles>(
    state: web::Data<AppState>,
    auth: Auth<R>,
    id: ItemId,
    act: Act,
    pii: Pii,
) -> Result<ItemView, Failure> {
    let now = Timestamp::now();
    let actor = Actor {
        key: auth.id().clone(),
        admin: auth.is_admin(),
        access: Box::new(move |item: &Item| auth.require(&item.community, "item")),
    };
    let record = decisions::act(&state.changes, state.store.clone(), id, actor, act, now).await?;
    state.commit.durable().await?;
    Ok(ItemView::render(record, now, pii))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub(crate) action: DecisionAction,
    /// 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub(crate) reason: String,
    /// Required for `label`: at most 20, each 1 to 64 characters.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub(crate) labels: Vec<String>,
    /// 1 to 4,000 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4000)]
    pub(crate) note: Option<String>,
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), Failure> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(Failure::invalid_field(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

impl DecisionRequest {
    pub(crate) fn remarks(self) -> Result<(DecisionAction, Remarks), Failure> {
        check_text("reason", &self.reason, 2000)?;
        if self.labels.len() > 20 {
            return Err(Failure::invalid_field("labels", "at most 20 labels"));
        }
        for (i, label) in self.labels.iter().enumerate() {
            check_text(&format!("labels[{i}]"), label, 64)?;
        }
        if let Some(note) = &self.note {
            check_text("note", note, 4000)?;
        }
        Ok((
            self.action,
            Remarks {
                reason: self.reason,
                labels: self.labels,
                note: self.note,
            },
        ))
    }
}

/// `POST /v1/items/{id}/decision`: by the lease holder, or an admin.
#[utoipa::path(
    post,
    path = "/v1/items/{id}/decision",
    tag = "Items",
    summary = "Decide an item",
    description = "Only the lease holder (or an admin) may decide: 409 `lease_conflict` \
        otherwise; 409 `invalid_state` if the item is not pending. On an appeal, the same \
        outcome upholds (`decided` with `appeal: upheld`) and a different one reverses \
        (`reversed`).",
    security(("bearer" = ["admin", "moderator"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "The item after the decision", body = ItemView),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    ),
)]
pub async fn decide(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<DecisionRequest>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let (action, remarks) = body.0.remarks()?;
    let by = if auth.is_admin() {
        "admin"
    } else {
        "moderator"
    };
    let act = Act::Decide(action, remarks);
    let view = change(state.clone(), auth, id, act, Pii::Masked).await?;
    state.metrics.decision(action.as_str(), by);
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /v1/items/{id}/release`: gives the lease back (holder or admin).
#[utoipa::path(
    post,
    path = "/v1/items/{id}/release",
    tag = "Items",
    summary = "Give a lease back",
    description = "By the lease holder or an admin; 409 otherwise.",
    security(("bearer" = ["admin", "moderator"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    responses(
        (status = 200, description = "The item, back in its queue", body = ItemView),
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn release(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let view = change(state, auth, id, Act::Release, Pii::Masked).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /v1/items/{id}/undo`: the moderator who made the item's last decision takes it
/// back while their lease would still have been running (see `item`); the item is
/// leased to them again. 409 when it is someone else's decision, too late, or something
/// happened to the item since.
#[utoipa::path(
    post,
    path = "/v1/items/{id}/undo",
    tag = "Items",
    summary = "Undo a decision within the lease",
    description = "The moderator who made the item's last decision (escalation included) \
        takes it back while the lease it was made under would still be running, and only if \
        nothing happened to the item since. The item returns to where it was (its queue, age, \
        outcome and labels; an appeal it settled waits again), leased to them until the \
        original expiry, with an `undone` event; the suppression rules the decision produced \
        are revoked in the same step. 409 `lease_conflict` for someone else's decision or \
        after the lease would have run out; 409 `invalid_state` when there is nothing to \
        undo.",
    security(("bearer" = ["admin", "moderator"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    responses(
        (status = 200, description = "The item, leased to the caller again", body = ItemView),
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn undo(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let view = change(state, auth, id, Act::Undo, Pii::Masked).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// The author's statement: 1 to 5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    statement: String,
}

/// `POST /v1/items/{id}/appeal`: the author (through the platform) contests a decision.
#[utoipa::path(
    post,
    path = "/v1/items/{id}/appeal",
    tag = "Items",
    summary = "Appeal a label or removal on the author's behalf",
    description = "Once per revision; only for decided items whose outcome is `label` or \
        `remove` (409 otherwise).",
    security(("bearer" = ["admin", "ingest"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    request_body = AppealRequest,
    responses(
        (status = 200, description = "The item, in the appeals queue", body = ItemView),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn appeal(
    auth: Auth<Ingest>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<AppealRequest>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let statement = body.0.statement;
    check_text("statement", &statement, 5000)?;
    let view = change(state, auth, id, Act::Appeal(statement), Pii::Masked).await?;
    Ok(HttpResponse::Ok().json(view))
}
