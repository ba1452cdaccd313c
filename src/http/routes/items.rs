//! One item: reading it and its history, deciding, releasing, appealing.
//!
//! An item outside the caller's scope is `not_found`, exactly like one that does not
//! exist; so is a malformed item id.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{AnyRole, Auditor, Ingest, Moderator, Roles};
use crate::clock::Timestamp;
use crate::event::Remarks;
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::views::ItemView;
use crate::http::{blocking, AppState};
use crate::ids::ItemId;
use crate::item::{DecisionAction, Item};
use crate::store::Change;

fn item_id(path: &str) -> Result<ItemId, Failure> {
    path.parse().map_err(|_| Failure::not_found("item"))
}

/// Reads an item the caller may see. Blocking.
fn visible<R: Roles>(state: &AppState, auth: &Auth<R>, id: &ItemId) -> Result<Item, Failure> {
    let item = state
        .store
        .item(id)?
        .ok_or_else(|| Failure::not_found("item"))?;
    auth.require(&item.community, "item")?;
    Ok(item)
}

/// `GET /v1/items/{id}`
pub async fn get(
    auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let s = state.clone();
    let view = blocking(move || {
        let item = visible(&s, &auth, &id)?;
        ItemView::load(&*s.store, item, Timestamp::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /v1/items/{id}/events`
pub async fn events(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let s = state.clone();
    let events = blocking(move || {
        visible(&s, &auth, &id)?;
        s.store.events(&id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "item_id": id, "events": events })))
}

/// Applies a change to an item the caller may see, waits for durability, and answers
/// with the item.
async fn change<R: Roles>(
    state: web::Data<AppState>,
    auth: Auth<R>,
    id: ItemId,
    change: impl Fn(&mut Item, &Auth<R>, Timestamp) -> Result<Vec<crate::event::Event>, Failure>
        + Send
        + 'static,
) -> Result<ItemView, Failure> {
    let s = state.clone();
    let view = blocking(move || {
        let now = Timestamp::now();
        let apply: &Change<'_> = &|item: &mut Item| {
            auth.require(&item.community, "item")?;
            change(item, &auth, now)
        };
        let item = s.store.update(&id, apply)?;
        ItemView::load(&*s.store, item, now)
    })
    .await?;
    state.commit.durable().await?;
    Ok(view)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    action: DecisionAction,
    reason: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    note: Option<String>,
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
    fn remarks(self) -> Result<(DecisionAction, Remarks), Failure> {
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
    let view = change(state.clone(), auth, id, move |item, auth, now| {
        item.decide(auth.id(), auth.is_admin(), action, &remarks, now)
    })
    .await?;
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
    let view = change(state, auth, id, |item, auth, now| {
        item.release(auth.id(), auth.is_admin(), now)
    })
    .await?;
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
    let view = change(state, auth, id, move |item, auth, now| {
        item.appeal(auth.id(), statement.clone(), now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
