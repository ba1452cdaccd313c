//! The OpenAPI 3.1 document served at `/openapi.json`, generated with `utoipa` from the
//! code that serves the API rather than written beside it, so that it cannot drift from
//! it: the request and response types derive `ToSchema` (their fields, `serde` renames,
//! optional and defaulted fields become the schemas), every handler carries a
//! `#[utoipa::path]` (method, path, parameters, body, responses, the roles that may call
//! it), and the route table lists the handlers (`routes::Documented`), so a route without
//! its annotation does not compile.
//!
//! What the compiler cannot hold together, the integration tests do (`tests/api/`): every
//! served `(method, path)` is documented and nothing else is; the roles documented for an
//! operation are the ones the server admits; and every JSON response of the black-box
//! tests validates against the schema documented for its operation and status.
//!
//! Two rules are applied to the generated document instead of being spelled out on each
//! type. Descriptions come from the types' doc comments, so their intra-doc links
//! (``[`Policy`]``) are shown as plain code (`` `Policy` ``). And an object schema that
//! lists its properties is closed (`additionalProperties:
//! false`). The request types refuse unknown fields (`deny_unknown_fields`, which `utoipa`
//! reads), and a response type is a Rust struct that `serde` writes with exactly its
//! fields, so every such object is closed; the types that take free-form members (a
//! submission's `context`) have no listed properties and stay open. For the rule to hold,
//! no API type uses `#[serde(flatten)]` (which `utoipa` renders as `allOf` of separately
//! closed parts): the unit tests below check both.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToResponse, ToSchema};

use super::console::AssetName;
use super::error::Body;
use super::routes::Documented;
use crate::clock::Timestamp;
use crate::compat::openai::OpenAiErrorBody;
use crate::compat::perspective::GoogleError;
use crate::domain::item::QueueName;
use crate::ids::{AuthorId, CommunityId, ItemId, KeyId};

/// The document as served: generated on first use, then kept.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| document().to_string())
}

/// The document: the frame below, the operations of the route table, and the rule that
/// closes objects (see the module docs).
fn document() -> Value {
    let mut doc = Frame::openapi();
    doc.merge(Documented::openapi());
    // A value built from `utoipa`'s own types, whose serialization cannot fail.
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    close_objects(&mut value);
    plain_descriptions(&mut value);
    value
}

/// Rewrites the rustdoc links of every `description` as plain code (see the module docs).
fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                match (key.as_str(), member) {
                    ("description", Value::String(text)) => *text = plain_links(text),
                    (_, member) => plain_descriptions(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

/// ``[`X`]`` and ``[`X`](path)`` become `` `X` ``.
fn plain_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("[`") {
        let Some(end) = rest[at + 2..].find("`]").map(|e| at + 2 + e) else {
            break;
        };
        out.push_str(&rest[..at]);
        out.push('`');
        out.push_str(&rest[at + 2..end]);
        out.push('`');
        rest = &rest[end + 2..];
        if rest.starts_with('(') {
            if let Some(close) = rest.find(')') {
                rest = &rest[close + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sets `additionalProperties: false` on every object schema that lists its properties
/// and says nothing about others (see the module docs). A `properties` map is a map of
/// names to schemas, not a schema: its members are visited, it is not closed itself.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let lists_properties = map.get("properties").is_some_and(Value::is_object);
            if lists_properties && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, member) in map.iter_mut() {
                match (key.as_str(), member) {
                    ("properties", Value::Object(properties)) => {
                        properties.values_mut().for_each(close_objects)
                    }
                    (_, member) => close_objects(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// What is not read off a handler: the document's title and description, the server,
/// the tags, the security schemes and the shared error responses.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Warden moderation API",
        version = "1",
        description = "Score content, queue what needs a human, record every decision, and tell \
            personalization systems what not to amplify, target or profile.\n\n\
            Errors have one shape, `{\"error\": {\"code\", \"message\"}}`, except on the \
            drop-in routes (`/v1alpha1/…`: Google's; `/v1/moderations`: OpenAI's). A key is \
            sent as `Authorization: Bearer wdn_…`; each operation's security requirement \
            lists the roles that may call it.\n\n\
            Generated from the server's own types and handlers (see `src/http/openapi.rs`).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "http://127.0.0.1:8080", description = "`warden serve` with the default `bind`")),
    security(("bearer" = [])),
    tags(
        (name = "Operations", description = "Liveness, readiness, metrics and this document: public."),
        (name = "Scoring", description = "A verdict on a text; nothing is stored."),
        (name = "Content", description = "Submitting content: scored, stored, decided or queued."),
        (name = "Queue", description = "The review queues, and leasing items from them."),
        (name = "Items", description = "One item: reading it and its history, deciding, undoing, releasing, appealing."),
        (name = "Communities", description = "A community's policy and custom wordlist."),
        (name = "Keys", description = "API keys, roles and community scopes."),
        (name = "Audit", description = "Who changed keys, policies and wordlists, or asked for an author's data."),
        (name = "Suppressions", description = "Suppression rules: what personalization systems must not amplify, target or profile."),
        (name = "Subjects", description = "Data-subject requests (GDPR): erasure and export of an author's data."),
        (name = "Transparency", description = "Statements of reasons (DSA Art. 17) and transparency reports."),
        (name = "Console", description = "The moderator console: a browser app embedded in the binary."),
        (name = "Perspective", description = "Google's Perspective API, answered by Warden (drop-in)."),
        (name = "OpenAI", description = "OpenAI's moderation endpoint, answered by Warden (drop-in)."),
    ),
    // The schemas that only parameters and the shared responses name (`utoipa` collects
    // those of request and response bodies itself).
    components(
        schemas(
            Body,
            GoogleError,
            OpenAiErrorBody,
            AssetName,
            ItemId,
            CommunityId,
            AuthorId,
            KeyId,
            QueueName,
            Timestamp
        ),
        responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        RequestTimeout,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        RateLimited,
    )),
    modifiers(&SecuritySchemes),
)]
struct Frame;

/// The two ways to send a key: the bearer header everywhere, and `?key=` on the
/// Perspective-compatible routes (as Google's clients send it).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer wdn_…`. An operation's requirement lists the \
                         roles that may call it.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "perspectiveKey",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "key",
                "`?key=wdn_…`, on the Perspective-compatible routes only",
            ))),
        );
    }
}

pub(crate) use self::responses::*;

/// For `#[utoipa::path]`: what every route that takes a key and admits only some roles
/// may answer before it does anything: 401 (no valid key), 403 (the role), 429 (the
/// key's rate limit).
pub(crate) struct KeyErrors;

impl IntoResponses for KeyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            named::<Unauthorized>(401),
            named::<Forbidden>(403),
            named::<RateLimited>(429),
        ])
    }
}

/// For `#[utoipa::path]`: what every route that reads a JSON body may answer about it:
/// 400 (malformed, or a field missing, unknown or invalid), 408 (too slow), 413 (too
/// large), 415 (not JSON).
pub(crate) struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            named::<BadRequest>(400),
            named::<RequestTimeout>(408),
            named::<PayloadTooLarge>(413),
            named::<UnsupportedMediaType>(415),
        ])
    }
}

/// `status`, answered with the shared response `R` (a reference to it).
fn named<'r, R: ToResponse<'r>>(status: u16) -> (String, RefOr<Response>) {
    let (name, _) = R::response();
    (status.to_string(), Ref::from_response_name(name).into())
}

/// For `#[utoipa::path]` on the drop-in routes: the failures raised before the vendor's
/// translation (the key, its role and rate limit, the body's transport, the community's
/// scope), each in the vendor's error shape `B`, with the vendor's words for it.
pub(crate) struct VendorErrors<B>(std::marker::PhantomData<B>);

impl<B: ToSchema + Vendor> IntoResponses for VendorErrors<B> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let body = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(B::name())))
                .build()
        };
        B::TRANSPORT
            .iter()
            .map(|&(status, description)| {
                let mut response = ResponseBuilder::new()
                    .description(description)
                    .content("application/json", body());
                if status == 429 {
                    response = response.header(
                        "Retry-After",
                        HeaderBuilder::new()
                            .schema(u64::schema())
                            .description(Some("Seconds until the request would fit"))
                            .build(),
                    );
                }
                (status.to_string(), response.build().into())
            })
            .collect()
    }
}

/// A vendor's error body, and what each transport failure is called in its words.
pub(crate) trait Vendor {
    const TRANSPORT: &'static [(u16, &'static str)];
}

impl Vendor for GoogleError {
    const TRANSPORT: &'static [(u16, &'static str)] = &[
        (401, "UNAUTHENTICATED: missing, invalid or revoked key"),
        (403, "PERMISSION_DENIED: the key's role may not score"),
        (404, "NOT_FOUND: `communityId` outside the key's scope"),
        (408, "DEADLINE_EXCEEDED: the body did not arrive in time"),
        (413, "INVALID_ARGUMENT: body over the limit"),
        (415, "INVALID_ARGUMENT: body is not `application/json`"),
        (
            429,
            "RESOURCE_EXHAUSTED: per-key rate limit; see `Retry-After`",
        ),
    ];
}

impl Vendor for OpenAiErrorBody {
    const TRANSPORT: &'static [(u16, &'static str)] = &[
        (401, "`invalid_api_key`: missing, invalid or revoked key"),
        (403, "The key's role may not score"),
        (408, "The body did not arrive in time"),
        (413, "Body over the limit"),
        (415, "Body is not `application/json`"),
        (
            429,
            "`rate_limit_exceeded`: per-key rate limit; see `Retry-After`",
        ),
    ];
}

/// The shared error responses of Warden's own routes, each the one error body. The types
/// are never built: each only says, for `#[utoipa::path]`, what its response carries.
#[allow(dead_code)]
mod responses {
    use utoipa::ToResponse;

    use crate::http::error::Body;

    /// Malformed JSON, or a missing, unknown or invalid field (named in the message).
    #[derive(ToResponse)]
    pub(crate) struct BadRequest(Body<'static>);

    /// Missing, invalid or revoked key.
    #[derive(ToResponse)]
    #[response(headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"warden\"`")))]
    pub(crate) struct Unauthorized(Body<'static>);

    /// The key's role may not do this.
    #[derive(ToResponse)]
    pub(crate) struct Forbidden(Body<'static>);

    /// No such item, key or community, or outside the key's scope (existence does not leak).
    #[derive(ToResponse)]
    pub(crate) struct NotFound(Body<'static>);

    /// Lease, state or author conflict (`lease_conflict`, `invalid_state`, `author_conflict`).
    #[derive(ToResponse)]
    pub(crate) struct Conflict(Body<'static>);

    /// The body did not arrive within `http.body_timeout_seconds`.
    #[derive(ToResponse)]
    pub(crate) struct RequestTimeout(Body<'static>);

    /// Body over the limit (`http.max_body_bytes`, 1 MiB by default).
    #[derive(ToResponse)]
    pub(crate) struct PayloadTooLarge(Body<'static>);

    /// The body is not `application/json`.
    #[derive(ToResponse)]
    pub(crate) struct UnsupportedMediaType(Body<'static>);

    /// Well-formed but semantically invalid.
    #[derive(ToResponse)]
    pub(crate) struct Unprocessable(Body<'static>);

    /// The key's token bucket does not hold the request's cost: one token, plus one for every
    /// further started `rate_limit.bytes_per_token` (1,024) bytes of text the request scores
    /// (at most a full bucket). Retry after `Retry-After` seconds.
    #[derive(ToResponse)]
    #[response(headers(("Retry-After" = u64, description = "Seconds until the request would fit")))]
    pub(crate) struct RateLimited(Body<'static>);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk<'a>(value: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
        match value {
            Value::Object(map) => {
                out.push(map);
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_and_operation_ids_are_unique() {
        let doc: Value = serde_json::from_str(openapi_json()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut objects = Vec::new();
        walk(&doc, &mut objects);
        for map in &objects {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.trim_start_matches('#');
                assert!(doc.pointer(pointer).is_some(), "dangling {r}");
            }
        }
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "operation ids repeat");
    }

    #[test]
    fn no_schema_combines_closed_parts() {
        let doc = document();
        let mut objects = Vec::new();
        walk(&doc, &mut objects);
        for map in objects {
            assert!(
                !map.contains_key("allOf"),
                "an allOf (a flattened type?): {map:?}"
            );
        }
    }

    #[test]
    fn rustdoc_links_read_as_code() {
        assert_eq!(
            plain_links("as in [`Policy`]; see [`Engine`](crate::Engine) and [x](y)."),
            "as in `Policy`; see `Engine` and [x](y)."
        );
        assert_eq!(plain_links("no links [`"), "no links [`");
        let doc = document().to_string();
        assert!(!doc.contains("[`"), "a rustdoc link left in a description");
    }

    #[test]
    fn objects_that_list_properties_are_closed() {
        let mut v = serde_json::json!({
            "a": {"type": "object", "properties": {"x": {"type": "object", "properties": {}}}},
            "b": {"type": "object", "additionalProperties": {"type": "number"}},
            "c": {"type": "object", "properties": {}, "additionalProperties": true},
            "d": {"type": "object", "properties": {"properties": {"type": "string"}}},
        });
        close_objects(&mut v);
        assert_eq!(v["a"]["additionalProperties"], false);
        assert_eq!(v["a"]["properties"]["x"]["additionalProperties"], false);
        assert_eq!(
            v["b"]["additionalProperties"],
            serde_json::json!({"type": "number"})
        );
        assert_eq!(v["c"]["additionalProperties"], true);
        assert_eq!(v["d"]["additionalProperties"], false);
        assert_eq!(
            v["d"]["properties"],
            serde_json::json!({"properties": {"type": "string"}})
        );
    }
}
