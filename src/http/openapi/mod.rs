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
//! Three rules are applied to the generated document instead of being spelled out on
//! each type (`rules`):
//!
//! * An object schema that lists its properties is closed (`additionalProperties:
//!   false`). The request types refuse unknown fields (`deny_unknown_fields`, which
//!   `utoipa` reads), and a response type is a Rust struct that `serde` writes with exactly
//!   its fields, so every such object is closed; the types that take free-form members (a
//!   submission's `context`) list no properties and stay open. For this to hold, no API
//!   type uses `#[serde(flatten)]`, which `utoipa` renders as an `allOf` of separately
//!   closed parts (a test below checks).
//! * In responses, a property that may be absent is never `null` (a response type skips
//!   an empty optional field; one that can be `null` is always written and `required`).
//! * Descriptions come from the types' doc comments, so their rustdoc links
//!   (``[`Policy`]``) are shown as plain code (`` `Policy` ``).

mod responses;
mod rules;

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub(crate) use self::responses::*;
use super::console::AssetName;
use super::error::Body;
use super::routes::Documented;
use crate::clock::Timestamp;
use crate::compat::openai::OpenAiErrorBody;
use crate::compat::perspective::GoogleError;
use crate::domain::item::QueueName;
use crate::ids::{AuthorId, CommunityId, ItemId, KeyId};
use crate::moderation::labels::LabelRecord;

/// The document as served: generated on first use, then kept.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| document().to_string())
}

/// The document: the frame below, the operations of the route table, and the rules (see
/// the module docs).
fn document() -> Value {
    let mut doc = Frame::openapi();
    doc.merge(Documented::openapi());
    // A value built from `utoipa`'s own types, whose serialization cannot fail.
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    rules::close_objects(&mut value);
    rules::optional_is_not_null_in_responses(&mut value);
    rules::plain_descriptions(&mut value);
    value
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
        (name = "Reports", description = "User reports (notices, DSA Art. 16) and trusted flaggers (Art. 22)."),
        (name = "Webhooks", description = "Signed webhooks: a community's subscriptions and their delivery logs."),
        (name = "Team", description = "Running a moderation team: bulk decisions, the operations dashboard, the engine's precision as moderators measured it, threshold suggestions and the label export."),
        (name = "Console", description = "The moderator console: a browser app embedded in the binary."),
        (name = "Perspective", description = "Google's Perspective API, answered by Warden (drop-in)."),
        (name = "OpenAI", description = "OpenAI's moderation endpoint, answered by Warden (drop-in)."),
    ),
    // The schemas that only parameters and the shared responses name (`utoipa` collects
    // those of request and response bodies itself), and the lines of the label export
    // (a JSON-lines body, documented as a string).
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
            Timestamp,
            LabelRecord
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
    fn no_rustdoc_link_is_left_in_a_description() {
        let doc = document().to_string();
        assert!(!doc.contains("[`"), "a rustdoc link left in a description");
    }
}
