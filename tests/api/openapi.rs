//! `/openapi.json` documents exactly the routes the app serves.

use std::collections::BTreeSet;

use serde_json::Value;
use warden::Code;

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
