//! Scoring and submitting content.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Ingest, Scorer};
use crate::clock::Timestamp;
use crate::domain::community::Rules;
use crate::domain::item::{Status, Submitted};
use crate::failure::Failure;
use crate::http::extract::{Auth, Json};
use crate::http::openapi::{BodyErrors, Conflict, KeyErrors, NotFound, Unprocessable};
use crate::http::views::{BatchResults, SubmitView};
use crate::http::{blocking, AppState};
use crate::ids::{AuthorId, CommunityId, ContentId, ContentText};
use crate::moderation::submit::{self, Content};
use crate::verdict::Verdict;

/// Most items in one `POST /v1/content:batch`.
pub const MAX_BATCH: usize = 1000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateRequest {
    text: ContentText,
    /// Score under this community's policy and wordlist.
    #[serde(default)]
    community: Option<CommunityId>,
    /// Echoed back in the verdict; `null` is no id.
    #[serde(default, deserialize_with = "echo_id")]
    #[schema(schema_with = crate::verdict::echo_id_schema)]
    id: Option<serde_json::Value>,
}

/// The caller's `id` for a text: a string or a number, echoed as given; `null` is no id.
/// Anything else is refused rather than echoed, so the verdict cannot carry an arbitrary
/// document back (and clients matching on it get a value they can compare).
fn echo_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(None),
        id @ (serde_json::Value::String(_) | serde_json::Value::Number(_)) => Ok(Some(id)),
        _ => Err(de::Error::custom("must be a string or a number")),
    }
}

/// A submission's text: empty text is refused. There is nothing to moderate, and a stored
/// item without text would only hide a client bug (a field mapped wrongly).
fn non_empty_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ContentText, D::Error> {
    let text = ContentText::deserialize(deserializer)?;
    if text.as_str().is_empty() {
        return Err(de::Error::custom("must not be empty"));
    }
    Ok(text)
}

/// `POST /v1/moderate`: a verdict, nothing stored.
#[utoipa::path(
    post,
    path = "/v1/moderate",
    tag = "Scoring",
    summary = "Score text; nothing is stored",
    description = concat!(
        "With `community`, the community's policy and wordlist apply (404 outside the \
        key's scope). ",
        bounded_work!()
    ),
    security(("bearer" = ["admin", "moderator", "ingest"])),
    request_body = ModerateRequest,
    responses(
        (status = 200, description = "The verdict", body = Verdict),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
    ),
)]
pub async fn moderate(
    auth: Auth<Scorer>,
    state: web::Data<AppState>,
    body: Json<ModerateRequest>,
) -> Result<HttpResponse, Failure> {
    let req = body.0;
    state
        .limiter
        .charge_text(auth.id(), req.text.as_str().len())?;
    let rules = match &req.community {
        Some(c) => {
            auth.require(c, "community")?;
            rules_for(&state, std::slice::from_ref(c)).await?.remove(c)
        }
        None => None,
    }
    .unwrap_or_else(|| state.communities.default_rules());
    let text: Arc<str> = Arc::from(req.text.as_str());
    let mut verdict = state.scorer.score(rules, text).await?;
    verdict.id = req.id;
    Ok(HttpResponse::Ok().json(verdict))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentRequest {
    pub(super) community: CommunityId,
    pub(super) content_id: ContentId,
    pub(super) author_id: AuthorId,
    /// The content changed hands: a new `author_id` for an existing `content_id` is then
    /// the new owner (an `ownership_changed` event), not a 409 `author_conflict`.
    #[serde(default)]
    #[schema(default = false)]
    pub(super) ownership_change: bool,
    /// Not empty; at most 65,536 bytes.
    #[serde(deserialize_with = "non_empty_text")]
    #[schema(value_type = String, min_length = 1, max_length = 65536)]
    pub(super) text: ContentText,
    /// Free-form, stored with the revision.
    #[serde(default)]
    pub(super) context: Option<serde_json::Map<String, serde_json::Value>>,
}

impl From<ContentRequest> for Content {
    fn from(r: ContentRequest) -> Content {
        Content {
            community: r.community,
            content_id: r.content_id,
            author_id: r.author_id,
            ownership_change: r.ownership_change,
            text: r.text,
            context: r.context,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// At most 1,000 (more is 422).
    #[schema(max_items = 1000)]
    items: Vec<ContentRequest>,
}

/// `POST /v1/content`: 201 when an item or revision was created, 200 when the same text
/// was already stored.
#[utoipa::path(
    post,
    path = "/v1/content",
    tag = "Content",
    summary = "Submit content",
    description = concat!(
        "Idempotent on `(community, content_id)`: the same text returns the existing item; \
        different text creates a new revision, re-scored. A different `author_id` for a known \
        `content_id` is 409 `author_conflict` unless the request says `ownership_change: true` \
        (then an `ownership_changed` event precedes the revision's `submitted`). Durable when \
        answered. The community must be in the key's scope (else 404). ",
        bounded_work!()
    ),
    security(("bearer" = ["admin", "ingest"])),
    request_body = ContentRequest,
    responses(
        (status = 201, description = "A new item or a new revision", body = SubmitView),
        (status = 200, description = "Same text as the current revision: the existing item, \
            unchanged", body = SubmitView),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn submit(
    auth: Auth<Ingest>,
    state: web::Data<AppState>,
    body: Json<ContentRequest>,
) -> Result<HttpResponse, Failure> {
    let mut results = submit_all(&auth, &state, vec![body.0]).await?;
    let result = results
        .pop()
        .ok_or_else(|| Failure::internal("no submission result"))?;
    let mut response = if result.changed {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(SubmitView::new(result.item, result.changed)))
}

/// `POST /v1/content:batch`: up to [`MAX_BATCH`] items, stored atomically; results in
/// order.
#[utoipa::path(
    post,
    path = "/v1/content:batch",
    tag = "Content",
    summary = "Submit up to 1,000 items",
    description = concat!(
        "All items are stored in one atomic write: a failed request changes nothing. Every \
        community must be in the key's scope (else 404). ",
        bounded_work!()
    ),
    security(("bearer" = ["admin", "ingest"])),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Results in input order", body = BatchResults),
        BodyErrors,
        KeyErrors,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    ),
)]
pub async fn submit_batch(
    auth: Auth<Ingest>,
    state: web::Data<AppState>,
    body: Json<BatchRequest>,
) -> Result<HttpResponse, Failure> {
    let items = body.0.items;
    if items.len() > MAX_BATCH {
        return Err(Failure::unprocessable(format!(
            "at most {MAX_BATCH} items per batch, got {}",
            items.len()
        )));
    }
    let results: Vec<SubmitView> = submit_all(&auth, &state, items)
        .await?
        .into_iter()
        .map(|r| SubmitView::new(r.item, r.changed))
        .collect();
    Ok(HttpResponse::Ok().json(BatchResults { results }))
}

/// The compiled rules of each community, from the cache or loaded off the executor.
pub(super) async fn rules_for(
    state: &web::Data<AppState>,
    communities: &[CommunityId],
) -> Result<HashMap<CommunityId, Arc<Rules>>, Failure> {
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for c in communities {
        match state.communities.cached(c) {
            Some(rules) => {
                found.insert(c.clone(), rules);
            }
            None if !missing.contains(c) => missing.push(c.clone()),
            None => {}
        }
    }
    if !missing.is_empty() {
        let s = state.clone();
        let loaded = blocking(move || {
            missing
                .into_iter()
                .map(|c| Ok((c.clone(), s.communities.rules(&c)?)))
                .collect::<Result<Vec<_>, Failure>>()
        })
        .await?;
        found.extend(loaded);
    }
    Ok(found)
}

pub(super) async fn submit_all(
    auth: &Auth<Ingest>,
    state: &web::Data<AppState>,
    requests: Vec<ContentRequest>,
) -> Result<Vec<Submitted>, Failure> {
    for r in &requests {
        auth.require(&r.community, "community")?;
    }
    let bytes = requests.iter().map(|r| r.text.as_str().len()).sum();
    state.limiter.charge_text(auth.id(), bytes)?;
    let communities: Vec<CommunityId> = requests.iter().map(|r| r.community.clone()).collect();
    let rules = rules_for(state, &communities).await?;
    let rules_of = |c: &CommunityId| {
        rules
            .get(c)
            .cloned()
            .ok_or_else(|| Failure::internal("rules missing for a community"))
    };
    let mut texts = Vec::with_capacity(requests.len());
    for r in &requests {
        texts.push((rules_of(&r.community)?, Arc::<str>::from(r.text.as_str())));
    }
    let verdicts = state.scorer.score_all(texts).await?;

    let now = Timestamp::now();
    let mut batch = Vec::with_capacity(requests.len());
    for (r, verdict) in requests.into_iter().zip(verdicts) {
        let rules = rules_of(&r.community)?;
        batch.push(submit::scored(r.into(), verdict, &rules, auth.id(), now));
    }
    // With other requests' submissions where they are waiting, in one store call
    // (`moderation::coalesce`); this request's items stay in one atomic step.
    let results = state.submissions.store(batch).await?;
    state.commit.durable().await?;

    for r in &results {
        let kind = match (r.changed, r.item.revision) {
            (false, _) => "unchanged",
            (true, 1) => "created",
            (true, _) => "revised",
        };
        state.metrics.submission(kind);
        if r.changed && r.item.status == Status::Decided {
            state.metrics.decision(r.item.action.as_str(), "auto");
        }
    }
    Ok(results)
}
