//! `/openapi.json` documents exactly the routes the app serves, and every response it
//! documents is one the server gives: each is met by a real response in
//! [`every_documented_response_is_met`], and every response of every API test is checked
//! against the document (`contract`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use warden::Code;

use super::contract::Checked;
use super::matrix::endpoints;
use super::matrix_ctx::Ctx;
use super::{Server, ADMIN};

#[test]
fn every_route_is_documented_and_every_documented_route_is_served() {
    let s = Server::start();
    let r = s.call("GET", "/openapi.json", None, None);
    assert_eq!(r.status, 200);
    let doc = r.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = warden::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );

    // And the server really routes each of them (a route-level 404 has this message).
    for (method, path) in &served {
        let path = path.replace("{id}", "x");
        let r = if path.ends_with("/stream") {
            s.stream_status(&path, Some(ADMIN))
        } else {
            s.call(&method.to_uppercase(), &path, Some(ADMIN), None)
        };
        assert!(
            !(r.status == 404 && r.message() == "route not found") && r.status != 405,
            "{method} {path}: {r:?}"
        );
    }

    // Every operation documents its responses, and every $ref resolves.
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in refs {
        let pointer = r.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "dangling {r}");
    }

    // The error codes are the ones the server answers with.
    let codes: BTreeSet<&str> = doc["components"]["schemas"]["Error"]["properties"]["error"]
        ["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let ours: BTreeSet<&str> = Code::SERVICE.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, ours);
}

/// Drives every operation of the route table at least twice, as an admin of community
/// `a` (its success) and without a key or in a way that fails (a typical error), plus the
/// documented answers those calls do not reach; then requires that every documented JSON
/// response of a success status, at least one error of every operation that documents
/// errors, and every response schema the document names were each checked against a real
/// response. What the server answered was checked as it arrived (see `contract`).
#[test]
fn every_documented_response_is_met() {
    let ctx = Ctx::new(Server::start());
    let admin = ctx.s.key("admin", &["a"]);
    for e in endpoints() {
        let r = (e.call)(&ctx, Some(&admin), Some("admin"), "a");
        assert_eq!(r.status, e.ok, "{} {}: {r:?}", e.method, e.path);
        if e.roles.is_some() {
            let r = (e.call)(&ctx, None, None, "a");
            assert_eq!(r.status, 401, "{} {}: {r:?}", e.method, e.path);
        }
    }
    let s = &ctx.s;
    // The same text again: the existing item, 200.
    let item = json!({"community": "a", "content_id": "again", "author_id": "u", "text": "hi"});
    assert_eq!(s.post("/v1/content", ADMIN, item.clone()).status, 201);
    assert_eq!(s.post("/v1/content", ADMIN, item).status, 200);
    // The same reporter again on the same item: their open report, 200.
    let report =
        json!({"community": "a", "content_id": "again", "reporter_id": "r1", "reason": "spam"});
    assert_eq!(s.post("/v1/reports", ADMIN, report.clone()).status, 201);
    assert_eq!(s.post("/v1/reports", ADMIN, report).status, 200);
    // Errors of the public routes, and the vendors' shapes on their drop-in routes.
    assert_eq!(s.call("GET", "/console/nothing.js", None, None).status, 404);
    assert_eq!(
        s.call("GET", "/$discovery/rest?version=v2", None, None)
            .status,
        404
    );
    let bad = json!({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}});
    assert_eq!(s.post("/v1alpha1/comments:analyze", ADMIN, bad).status, 400);
    assert_eq!(
        s.post("/v1/moderations", ADMIN, json!({"input": []}))
            .status,
        400
    );
    // A suggestion needs 50 items moderators decided (the matrix meets its 422): 50
    // allowed items, then removed in one bulk decision.
    let contents: Vec<String> = (0..50).map(|i| format!("cal{i}")).collect();
    for c in &contents {
        let item = json!({"community": "cal", "content_id": c, "author_id": "u", "text": "hi"});
        assert_eq!(s.post("/v1/content", ADMIN, item).status, 201);
    }
    let bulk = json!({"filter": {"community": "cal", "content_ids": contents},
        "action": "remove", "reason": "calibration"});
    let r = s.post("/v1/items:bulk", ADMIN, bulk);
    assert_eq!(
        (r.status, r.body["decided"].as_u64()),
        (200, Some(50)),
        "{r:?}"
    );
    let r = s.get("/v1/communities/cal/policy:suggest", ADMIN);
    assert_eq!(r.status, 200, "{r:?}");
    // Not ready: a server whose engine has no classifier though one is configured.
    let plain = Server::with_engine(crate::common::engine(), |_| {});
    assert_eq!(plain.call("GET", "/readyz", None, None).status, 503);

    let checked: BTreeSet<Checked> = s.checked().union(&plain.checked()).cloned().collect();
    let doc = super::contract::document();
    let mut unmet = Vec::new();
    // Each documented JSON response's schema, and whether a real response met it.
    let mut schemas: BTreeMap<String, bool> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut errors_documented = false;
            let mut errors_met = false;
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = match response["$ref"].as_str() {
                    Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
                    None => response,
                };
                let Some(schema) = response["content"]
                    .get("application/json")
                    .map(|c| c["schema"].to_string())
                else {
                    continue;
                };
                let status: u16 = status.parse().unwrap();
                let met = checked.contains(&(method.clone(), path.clone(), status));
                *schemas.entry(schema).or_default() |= met;
                if status < 400 && !met {
                    unmet.push(format!("{method} {path} {status}"));
                }
                errors_documented |= status >= 400;
                errors_met |= status >= 400 && met;
            }
            if errors_documented && !errors_met {
                unmet.push(format!("{method} {path}: no error"));
            }
        }
    }
    for (schema, met) in &schemas {
        if !met {
            unmet.push(format!("schema never met: {schema}"));
        }
    }
    assert!(
        unmet.is_empty(),
        "documented but not met:\n{}",
        unmet.join("\n")
    );
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
