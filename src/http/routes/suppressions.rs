//! The suppression-rule feed for personalization systems: the change log as pages, as
//! a Server-Sent Events stream, and a bulk check of subjects; and, for the people who
//! moderate, the rules one item produced (`GET /v1/items/{id}/suppressions`).
//!
//! A reader sees the rules of the communities in its key's scope (or the one it names,
//! 404 outside its scope). The log has one global sequence, so a reader that sees only
//! some communities gets increasing `seq`s with gaps where other communities' entries
//! were; `next` moves past those too, so resuming never rescans them.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{ApiKey, Auditor, FeedReader};
use crate::clock::Timestamp;
use crate::domain::suppress::{Rule, Scope, Subject};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json, QueryParams};
use crate::http::openapi::{BadRequest, BodyErrors, KeyErrors, NotFound, Unprocessable};
use crate::http::routes::items::{item_id, read_item};
use crate::http::views::{CheckResult, ItemRules};
use crate::http::{blocking, AppState};
use crate::ids::{CommunityId, ItemId};
use crate::moderation::feed::{self, Page};

const DEFAULT_PAGE: u32 = 100;
/// Entries a stream reads from the log at a time.
const STREAM_BATCH: usize = 200;

/// `GET /v1/suppressions?after=SEQ&limit=N&community=` → `{rules, next}`.
#[utoipa::path(
    get,
    path = "/v1/suppressions",
    operation_id = "list_suppressions",
    tag = "Suppressions",
    summary = "The suppression-rule change log",
    description = "Entries with `seq > after`, in order, durable ones only: new rules, updates \
        (same `rule_id`), revocations and expiries (`state`). Resume from `next`: the last seq \
        examined (returned, or skipped as another community's), or `after` when nothing is \
        new. A reader sees the communities in its key's scope; `seq` has gaps where other \
        communities' entries were.",
    security(("bearer" = ["admin", "moderator", "feed"])),
    params(
        ("after" = Option<u64>, Query, description = "Default 0."),
        ("limit" = Option<u32>, Query, minimum = 1,
            description = "Default 100; at most `suppression.max_page` (1,000)."),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
    ),
    responses(
        (status = 200, description = "A page", body = Page),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn list(
    auth: Auth<FeedReader>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let after: u64 = params.take("after")?.unwrap_or(0);
    let max = state.config.suppression.max_page;
    let limit: u32 = params.take("limit")?.unwrap_or(DEFAULT_PAGE.min(max));
    if !(1..=max).contains(&limit) {
        return Err(Failure::invalid_field(
            "limit",
            format!("must be between 1 and {max}"),
        ));
    }
    let community: Option<CommunityId> = params.take("community")?;
    params.finish()?;
    let list = auth.communities(community)?;
    let s = state.clone();
    let page = blocking(move || {
        s.suppressions
            .page(&*s.store, after, limit as usize, list.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One Server-Sent Event for a rule.
fn event(rule: &Rule) -> Bytes {
    let data = serde_json::to_string(rule).unwrap_or_default();
    Bytes::from(format!("id: {}\nevent: rule\ndata: {data}\n\n", rule.seq))
}

struct Stream {
    state: web::Data<AppState>,
    /// The key the stream was opened with: it ends as soon as the key is revoked or its
    /// role or scope change, since the rules it carries (author ids among them) are only
    /// for a key that may read them now.
    key: Arc<ApiKey>,
    key_changes: tokio::sync::watch::Receiver<u64>,
    after: u64,
    communities: Option<Vec<CommunityId>>,
    durable: tokio::sync::watch::Receiver<u64>,
    closing: tokio::sync::watch::Receiver<bool>,
    keepalive: Duration,
    pending: VecDeque<Bytes>,
}

impl Stream {
    /// The next chunk: a waiting event, new entries from the log, or a keep-alive;
    /// `None` ends the stream (server stopping, or the log cannot be read).
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            self.key_changes.borrow_and_update();
            if !self.state.keys.unchanged(&self.key) {
                return None;
            }
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            // Mark the current watermark seen before reading, so a rule made durable
            // while we read wakes the wait below.
            self.durable.borrow_and_update();
            let s = self.state.clone();
            let (after, list) = (self.after, self.communities.clone());
            let page = blocking(move || {
                s.suppressions
                    .page(&*s.store, after, STREAM_BATCH, list.as_deref())
            })
            .await;
            match page {
                Ok(page) => {
                    self.after = page.next;
                    self.pending.extend(page.rules.iter().map(event));
                    if !self.pending.is_empty() {
                        continue;
                    }
                }
                Err(_) => return None,
            }
            tokio::select! {
                changed = self.durable.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = self.closing.changed() => return None,
                // Some key changed: the check at the top of the loop says whether ours.
                changed = self.key_changes.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = tokio::time::sleep(self.keepalive) => {
                    return Some(Bytes::from_static(b": keep-alive\n\n"));
                }
            }
        }
    }
}

/// `GET /v1/suppressions/stream?after=SEQ&community=`: the same entries as Server-Sent
/// Events (`id: seq`, `event: rule`, `data: {rule}`), live. Without `after`, resumes
/// from the `Last-Event-ID` header, else from the start.
#[utoipa::path(
    get,
    path = "/v1/suppressions/stream",
    operation_id = "stream_suppressions",
    tag = "Suppressions",
    summary = "The change log as Server-Sent Events",
    description = "Each entry is an event `id: <seq>`, `event: rule`, `data: <Rule JSON>` (the \
        `Rule` schema); live, with `: keep-alive` comments when idle. Resumes after `after`, \
        else after the `Last-Event-ID` header, else from the start. The stream ends when the \
        server stops or the key is revoked or changed. A reader sees the communities in its \
        key's scope.",
    security(("bearer" = ["admin", "moderator", "feed"])),
    params(
        ("after" = Option<u64>, Query),
        ("community" = Option<CommunityId>, Query,
            description = "Default: every community in the key's scope."),
        ("Last-Event-ID" = Option<u64>, Header, description = "Where to resume."),
    ),
    responses(
        (status = 200, description = "An endless stream of `rule` events", body = String,
            content_type = "text/event-stream"),
        (status = 400, response = BadRequest),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn stream(
    auth: Auth<FeedReader>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Failure> {
    let mut params = QueryParams::parse(&req)?;
    let after: Option<u64> = params.take("after")?;
    let community: Option<CommunityId> = params.take("community")?;
    params.finish()?;
    let after = match after {
        Some(a) => a,
        None => match req.headers().get("Last-Event-ID") {
            Some(v) => v
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| Failure::invalid_field("Last-Event-ID", "must be a seq"))?,
            None => 0,
        },
    };
    let list = auth.communities(community)?;
    let stream = Stream {
        key: auth.key.clone(),
        key_changes: state.keys.subscribe(),
        durable: state.suppressions.subscribe(),
        closing: state.closing.subscribe(),
        keepalive: Duration::from_secs(u64::from(state.config.suppression.keepalive_seconds)),
        state: state.clone(),
        after,
        communities: list,
        // Headers go out with the first chunk: say hello at once.
        pending: VecDeque::from([Bytes::from_static(b": warden suppression feed\n\n")]),
    };
    let body = futures_util::stream::unfold(stream, |mut s| async move {
        let chunk = s.next().await?;
        Some((Ok::<_, actix_web::Error>(chunk), s))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    scope: Scope,
    /// At most `suppression.max_check` (10,000; more is 422).
    subjects: Vec<Subject>,
}

/// `POST /v1/suppressions:check {scope, subjects}` → `{suppressed: [{subject, scopes,
/// rule_ids}]}`: which subjects are suppressed in `scope` now.
#[utoipa::path(
    post,
    path = "/v1/suppressions:check",
    operation_id = "check_suppressions",
    tag = "Suppressions",
    summary = "Which subjects are suppressed now",
    description = "Up to 10,000 subjects (`suppression.max_check`); the answer lists those \
        suppressed in `scope`, with every scope their active rules cover and the ids of the \
        rules covering `scope`. Every subject's community must be in the key's scope (else \
        404).",
    security(("bearer" = ["admin", "moderator", "feed"])),
    request_body = CheckRequest,
    responses(
        (status = 200, description = "The suppressed subjects", body = CheckResult),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    ),
)]
pub async fn check(
    auth: Auth<FeedReader>,
    state: web::Data<AppState>,
    body: Json<CheckRequest>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    let max = state.config.suppression.max_check as usize;
    if req.subjects.len() > max {
        return Err(Failure::unprocessable(format!(
            "at most {max} subjects per check, got {}",
            req.subjects.len()
        )));
    }
    for subject in &req.subjects {
        auth.require(&subject.community, "community")?;
    }
    // In memory: a hash lookup per subject, cheap enough for the executor.
    let suppressed = state
        .suppressions
        .check(req.scope, &req.subjects, Timestamp::now());
    Ok(HttpResponse::Ok().json(CheckResult { suppressed }))
}

/// `GET /v1/items/{id}/suppressions` → `{item_id, rules}`: every rule the item produced
/// (its content rules, and an author rule its removal created or extended), each as its
/// latest change-log entry, so an ended one shows `revoked` or `expired`. Read-only;
/// admins and moderators in scope.
#[utoipa::path(
    get,
    path = "/v1/items/{id}/suppressions",
    tag = "Items",
    summary = "The suppression rules an item produced",
    description = "Read-only: the item's content rules and any author rule its removal created \
        or extended, each as its latest change-log entry (`active`, `revoked` or `expired`), \
        oldest first.",
    security(("bearer" = ["admin", "moderator"])),
    params(("id" = ItemId, Path, description = "The item id.")),
    responses(
        (status = 200, description = "The rules", body = ItemRules),
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn item_rules(
    auth: Auth<Auditor>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let id = item_id(&path)?;
    let rules = read_item(auth, &state, id, feed::item_rules).await?;
    Ok(HttpResponse::Ok().json(ItemRules { item_id: id, rules }))
}
