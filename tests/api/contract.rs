//! Every response the black-box tests receive, held to the API document: [`check`] finds
//! the documented operation of a request (the route table's template its path matches,
//! and its method), requires the response's status to be documented for it and its media
//! type to be one the document lists, and validates a JSON body against the documented
//! schema (a JSON Schema 2020-12 validator, `jsonschema`, over the generated OpenAPI 3.1
//! document, `$ref`s resolved within it). `Server` calls it on every response, so a schema
//! that says something the server does not do fails whichever test saw it.
//!
//! Requests that no operation serves (an unknown path, another method on a known path)
//! are not part of the document and are not checked here; `openapi.rs` checks the table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

/// The operation and status a response was checked against: `(method, template, status)`.
pub type Checked = (String, String, u16);

/// The parsed document, the route templates and the validators compiled so far.
struct Contract {
    doc: Value,
    /// `(method, template)` in the route table's order, which is actix's matching order.
    routes: Vec<(String, String)>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract {
        doc: serde_json::from_str(warden::http::openapi_json()).expect("the document is JSON"),
        routes: warden::http::ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect(),
        validators: Mutex::new(HashMap::new()),
    })
}

/// The document, as served.
pub fn document() -> &'static Value {
    &contract().doc
}

/// Whether `path` (no query string) fits the route template `template`: the same
/// segments, a `{…}` matching any one non-empty segment (or its start, before a literal
/// suffix such as `:retry`).
fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty()
            } else if let Some((_, suffix)) = t.split_once('}').filter(|_| t.starts_with('{')) {
                // `{delivery_id}:retry`: a non-empty value, then the literal suffix.
                p.len() > suffix.len() && p.ends_with(suffix)
            } else {
                t == p
            }
        })
}

/// The route template that serves `path`: the first in the table that fits it, as actix
/// picks it.
pub fn template_of(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    contract()
        .routes
        .iter()
        .find(|(_, t)| fits(t, path))
        .map(|(_, t)| t.as_str())
}

/// A validator for `schema`, a schema of the document (so its `$ref`s point into the
/// document's components): compiled once per distinct schema.
fn validator(schema: &Value) -> Arc<Validator> {
    let c = contract();
    let key = schema.to_string();
    if let Some(v) = c.validators.lock().unwrap().get(&key) {
        return v.clone();
    }
    // The schema as the root of a resource that also holds the components, so that
    // `#/components/schemas/…` resolves within it.
    let mut root = json!({ "components": c.doc["components"].clone() });
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                root[k] = v.clone();
            }
        }
        other => root["allOf"] = json!([other]),
    }
    let v = Arc::new(
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the document's schema {schema} does not compile: {e}")),
    );
    c.validators.lock().unwrap().insert(key, v.clone());
    v
}

/// The errors of `value` against `schema`, one line each (empty when it is valid).
pub fn errors(schema: &Value, value: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(value)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

/// `value` validates against the component schema `name`.
pub fn check_component(name: &str, value: &Value) -> Result<(), String> {
    let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    match errors(&schema, value).as_slice() {
        [] => Ok(()),
        errors => Err(format!("{name}: {}\n{value}", errors.join("\n"))),
    }
}

/// Checks one response against the document (see the module docs). `Ok(None)`: no
/// documented operation serves the request; `Ok(Some(_))`: what it was checked against.
pub fn check(
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<Option<Checked>, String> {
    let doc = document();
    let method = method.to_ascii_lowercase();
    let Some(template) = template_of(path) else {
        return Ok(None);
    };
    let op = &doc["paths"][template][&method];
    if !op.is_object() {
        return Ok(None);
    }
    let what = format!("{} {path} → {status}", method.to_uppercase());
    let mut response = &op["responses"][status.to_string()];
    if response.is_null() {
        return Err(format!(
            "{what}: status not documented for {template}\n{body}"
        ));
    }
    if let Some(r) = response["$ref"].as_str() {
        response = doc
            .pointer(r.trim_start_matches('#'))
            .ok_or_else(|| format!("{what}: dangling {r}"))?;
    }
    let Some(content) = response["content"].as_object() else {
        return match body.is_empty() {
            true => Ok(Some((method, template.to_string(), status))),
            false => Err(format!(
                "{what}: documented without a body, got one: {body}"
            )),
        };
    };
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let documented = content
        .iter()
        .find(|(m, _)| m.split(';').next().is_some_and(|m| m.trim() == mime))
        .map(|(_, c)| c)
        .ok_or_else(|| {
            let listed: Vec<&String> = content.keys().collect();
            format!("{what}: media type `{mime}`, documented {listed:?}")
        })?;
    if mime == "application/json" {
        let value: Value = serde_json::from_str(body)
            .map_err(|e| format!("{what}: documented as JSON, not JSON ({e}): {body}"))?;
        let errors = errors(&documented["schema"], &value);
        if !errors.is_empty() {
            return Err(format!(
                "{what}: the body does not fit the documented schema\n{}\n{value}",
                errors.join("\n")
            ));
        }
    }
    Ok(Some((method, template.to_string(), status)))
}

#[test]
fn paths_find_their_templates_in_table_order() {
    assert_eq!(template_of("/v1/keys/self"), Some("/v1/keys/self"));
    assert_eq!(template_of("/v1/keys/key_0123"), Some("/v1/keys/{id}"));
    assert_eq!(
        template_of("/v1/items/abc/events?x=1"),
        Some("/v1/items/{id}/events")
    );
    assert_eq!(template_of("/v1/content:batch"), Some("/v1/content:batch"));
    assert_eq!(
        template_of("/v1/communities/a/webhooks/w/deliveries/7:retry"),
        Some("/v1/communities/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}:retry")
    );
    assert_eq!(template_of("/v1/items//events"), None);
    assert_eq!(template_of("/nope"), None);
}

/// The check can fail: a body that breaks the documented schema, an undocumented status,
/// an undocumented media type.
#[test]
fn the_check_refuses_what_the_document_does_not_say() {
    let ok = r#"{"status": "ok"}"#;
    let json = Some("application/json");
    assert!(check("GET", "/healthz", 200, json, ok).unwrap().is_some());
    for (status, content_type, body) in [
        (200, json, r#"{"status": "fine"}"#),
        (200, json, r#"{"status": "ok", "extra": 1}"#),
        (200, json, r#"{}"#),
        (200, Some("text/plain"), ok),
        (500, json, ok),
    ] {
        assert!(
            check("GET", "/healthz", status, content_type, body).is_err(),
            "{status} {body}"
        );
    }
    let error = r#"{"error": {"code": "not_found", "message": "item not found"}}"#;
    assert!(check("GET", "/v1/items/x", 404, json, error).is_ok());
    let unknown = r#"{"error": {"code": "teapot", "message": "item not found"}}"#;
    assert!(check("GET", "/v1/items/x", 404, json, unknown).is_err());
    assert!(check_component("Timestamp", &json!("2024-01-01T00:00:00.000Z")).is_ok());
    assert!(check_component("Timestamp", &json!("yesterday")).is_err());
    assert!(check_component("ItemId", &json!("0123")).is_err());
    // Not an operation: not checked.
    assert_eq!(check("DELETE", "/healthz", 405, json, error), Ok(None));
    assert_eq!(check("GET", "/nope", 404, json, error), Ok(None));
}
