//! One item: reading it and its history, deciding, undoing a decision, releasing,
//! appealing.
//!
//! An item outside the caller's scope is `not_found`, exactly like one that does not
//! exist; so is a malformed item id. Personal data in what moderators see is masked;
//! `GET /v1/items/{id}?reveal=pii` shows it to an admin or the moderator holding the
//! item's lease, and records a `pii_revealed` event.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Auditor, Ingest, ItemReader, Moderator, Role, Roles};
use crate::clock::Timestamp;
use crate::domain::event::Remarks;
use crate::domain::item::{DecisionAction, Item};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::views::{ItemView, Pii};
use crate::http::{blocking, AppState};
use crate::ids::ItemId;
use crate::moderation::decisions::{self, Act, Caller};
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
pub async fn events(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let events = read_item(auth, &state, id, items::history).await?;
    Ok(HttpResponse::Ok().json(json!({ "item_id": id, "events": events })))
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
    let s = state.clone();
    let record = blocking(move || {
        let caller = Caller {
            key: auth.id(),
            admin: auth.is_admin(),
            access: &access(&auth),
        };
        decisions::act(&*s.store, &id, &caller, &act, now)
    })
    .await?;
    state.commit.durable().await?;
    Ok(ItemView::render(record, now, pii))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub(crate) action: DecisionAction,
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) labels: Vec<String>,
    #[serde(default)]
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
pub async fn undo(
    auth: Auth<Moderator>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let view = change(state, auth, id, Act::Undo, Pii::Masked).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    statement: String,
}

/// `POST /v1/items/{id}/appeal`: the author (through the platform) contests a decision.
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
