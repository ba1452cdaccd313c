//! Every endpoint × every kind of caller × a community in and out of the caller's scope.
//!
//! Callers: no key, an unknown key, and one key per role scoped to community `a`.
//! Expected: 401 without a valid key; 403 for a role the endpoint does not admit; for an
//! admitted role, success in `a` and 404 in `b` (existence does not leak), except where
//! noted. Public endpoints answer everyone. The roles admitted are also the roles the API
//! document lists for each operation.
//!
//! `openapi.rs` drives the same endpoints to check that every documented response is met.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{Resp, Server, ADMIN};

const ROLES: [&str; 4] = ["admin", "moderator", "ingest", "feed"];

use super::matrix_ctx::Ctx;

/// Calls the endpoint with a key (and its role), in a community.
type Call = fn(&Ctx, Option<&str>, Option<&str>, &str) -> Resp;

pub(super) struct Endpoint {
    pub(super) method: &'static str,
    pub(super) path: &'static str,
    /// Roles admitted; `None` for public endpoints.
    pub(super) roles: Option<&'static [&'static str]>,
    pub(super) ok: u16,
    /// Status for an admitted role in community `b`.
    outside: u16,
    pub(super) call: Call,
}

fn body(c: &Ctx, method: &str, path: &str, key: Option<&str>, b: Value) -> Resp {
    c.s.call(method, path, key, Some(&b))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    const FEED: &[&str] = &["admin", "moderator", "feed"];
    const TRANSPARENCY: &[&str] = &["admin", "moderator", "ingest"];
    const MOD: &[&str] = &["admin", "moderator"];
    const ING: &[&str] = &["admin", "ingest"];
    const ADM: &[&str] = &["admin"];
    let public = |path: &'static str, call: Call| Endpoint {
        method: "get",
        path,
        roles: None,
        ok: 200,
        outside: 200,
        call,
    };
    let mut list = vec![
        public("/healthz", |c, key, _, _| {
            c.s.call("GET", "/healthz", key, None)
        }),
        public("/readyz", |c, key, _, _| {
            c.s.call("GET", "/readyz", key, None)
        }),
        public("/metrics", |c, key, _, _| {
            c.s.call("GET", "/metrics", key, None)
        }),
        public("/openapi.json", |c, key, _, _| {
            c.s.call("GET", "/openapi.json", key, None)
        }),
        // Perspective's discovery document is public, as Google's is; its clients send
        // their key along, which changes nothing.
        public("/$discovery/rest", |c, key, _, _| {
            let path = match key {
                Some(key) => format!("/$discovery/rest?version=v1alpha1&key={key}"),
                None => "/$discovery/rest?version=v1alpha1".to_string(),
            };
            c.s.call("GET", &path, None, None)
        }),
        public(
            "/discovery/v1/apis/commentanalyzer/v1alpha1/rest",
            |c, key, _, _| {
                c.s.call(
                    "GET",
                    "/discovery/v1/apis/commentanalyzer/v1alpha1/rest",
                    key,
                    None,
                )
            },
        ),
        // The console's files hold nothing: its data comes through the API.
        public("/console", |c, key, _, _| {
            c.s.call("GET", "/console", key, None)
        }),
        public("/console/{asset}", |c, key, _, _| {
            c.s.call("GET", "/console/main.js", key, None)
        }),
    ];
    list.extend([
        Endpoint {
            method: "post",
            path: "/v1/moderate",
            roles: Some(&["admin", "moderator", "ingest"]),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| body(c, "POST", "/v1/moderate", key, json!({"text": "hi", "community": com})),
        },
        Endpoint {
            method: "post",
            path: "/v1alpha1/comments:analyze",
            roles: Some(&["admin", "moderator", "ingest"]),
            ok: 200,
            outside: 404,
            // The key as Perspective's clients send it, in the query string.
            call: |c, key, _, com| {
                let path = match key {
                    Some(key) => format!("/v1alpha1/comments:analyze?key={key}&alt=json"),
                    None => "/v1alpha1/comments:analyze".to_string(),
                };
                body(c, "POST", &path, None,
                     json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "communityId": com}))
            },
        },
        Endpoint {
            method: "post",
            path: "/v1alpha1/comments:suggestscore",
            roles: Some(&["admin", "moderator", "ingest"]),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let path = match key {
                    Some(key) => format!("/v1alpha1/comments:suggestscore?key={key}"),
                    None => "/v1alpha1/comments:suggestscore".to_string(),
                };
                body(c, "POST", &path, None,
                     json!({"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
                            "communityId": com}))
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/moderations",
            roles: Some(&["admin", "moderator", "ingest"]),
            ok: 200,
            // OpenAI's request names no community.
            outside: 200,
            call: |c, key, _, _| body(c, "POST", "/v1/moderations", key, json!({"input": "hi"})),
        },
        Endpoint {
            method: "post",
            path: "/v1/content",
            roles: Some(ING),
            ok: 201,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "POST", "/v1/content", key,
                     json!({"community": com, "content_id": c.unique(), "author_id": "u", "text": "hi"}))
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/content:batch",
            roles: Some(ING),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "POST", "/v1/content:batch", key,
                     json!({"items": [{"community": com, "content_id": c.unique(), "author_id": "u", "text": "hi"}]}))
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/queue",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/queue?community={com}"), key, None),
        },
        Endpoint {
            method: "post",
            path: "/v1/queue/claim",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| body(c, "POST", "/v1/queue/claim", key, json!({"community": com})),
        },
        Endpoint {
            method: "get",
            path: "/v1/items/{id}",
            // The feed never reads items: it gets rules, not text.
            roles: Some(&["admin", "moderator", "ingest"]),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.review_item(com);
                c.s.call("GET", &format!("/v1/items/{item}"), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/items/{id}/events",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.review_item(com);
                c.s.call("GET", &format!("/v1/items/{item}/events"), key, None)
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/items/{id}/decision",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, role, com| {
                let item = c.leased_item(com, key, role);
                body(c, "POST", &format!("/v1/items/{item}/decision"), key,
                     json!({"action": "approve", "reason": "fine"}))
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/items/{id}/release",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, role, com| {
                let item = c.leased_item(com, key, role);
                c.s.call("POST", &format!("/v1/items/{item}/release"), key, None)
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/items/{id}/undo",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, role, com| {
                // Decided by whoever holds the lease, then undone by the caller.
                let item = c.leased_item(com, key, role);
                let decider = c.claimer(com, key, role);
                let d = c.s.post(&format!("/v1/items/{item}/decision"), &decider,
                                 json!({"action": "approve", "reason": "fine"}));
                assert_eq!(d.status, 200, "{d:?}");
                c.s.call("POST", &format!("/v1/items/{item}/undo"), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/items/{id}/author-history",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.review_item(com);
                c.s.call("GET", &format!("/v1/items/{item}/author-history"), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/items/{id}/suppressions",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.review_item(com);
                c.s.call("GET", &format!("/v1/items/{item}/suppressions"), key, None)
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/items/{id}/appeal",
            roles: Some(ING),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.removed_item(com);
                body(c, "POST", &format!("/v1/items/{item}/appeal"), key, json!({"statement": "please"}))
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/policy",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/communities/{com}/policy"), key, None),
        },
        Endpoint {
            method: "put",
            path: "/v1/communities/{id}/policy",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "PUT", &format!("/v1/communities/{com}/policy"), key,
                     json!({"thresholds": {"profanity": {"review": 0.6, "remove": 0.9},
                                           "threat": {"review": 0.6, "remove": 0.9},
                                           "insult": {"review": 0.5}}}))
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/wordlist",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/communities/{com}/wordlist"), key, None),
        },
        Endpoint {
            method: "put",
            path: "/v1/communities/{id}/wordlist",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "PUT", &format!("/v1/communities/{com}/wordlist"), key,
                     json!({"block": [{"text": "zork", "category": "insult", "severity": "low"}]}))
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/keys",
            roles: Some(ADM),
            ok: 200,
            // Listing names no community: the list is filtered to the caller's scope.
            outside: 200,
            call: |c, key, _, _| c.s.call("GET", "/v1/keys", key, None),
        },
        Endpoint {
            method: "post",
            path: "/v1/keys",
            roles: Some(ADM),
            ok: 201,
            // Granting beyond one's own scope is refused, not hidden.
            outside: 403,
            call: |c, key, _, com| body(c, "POST", "/v1/keys", key, json!({"role": "feed", "communities": [com]})),
        },
        Endpoint {
            method: "get",
            path: "/v1/keys/self",
            roles: Some(&["admin", "moderator", "ingest", "feed"]),
            ok: 200,
            // It names no community.
            outside: 200,
            call: |c, key, _, _| c.s.call("GET", "/v1/keys/self", key, None),
        },
        Endpoint {
            method: "delete",
            path: "/v1/keys/{id}",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let r = c.s.post("/v1/keys", ADMIN, json!({"role": "feed", "communities": [com]}));
                let id = r.body["id"].as_str().unwrap().to_string();
                c.s.call("DELETE", &format!("/v1/keys/{id}"), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/audit",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/audit?community={com}"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/suppressions",
            roles: Some(FEED),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/suppressions?community={com}"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/suppressions/stream",
            roles: Some(FEED),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.stream_status(&format!("/v1/suppressions/stream?community={com}"), key),
        },
        Endpoint {
            method: "post",
            path: "/v1/suppressions:check",
            roles: Some(FEED),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "POST", "/v1/suppressions:check", key,
                     json!({"scope": "recommend", "subjects": [{"kind": "content", "community": com, "id": "x"}]}))
            },
        },
        Endpoint {
            method: "delete",
            path: "/v1/subjects/{id}",
            roles: Some(ING),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                c.s.call("DELETE", &format!("/v1/subjects/{}?community={com}", c.unique()), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/subjects/{id}/export",
            roles: Some(ING),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/subjects/author-1/export?community={com}"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/items/{id}/statement",
            roles: Some(TRANSPARENCY),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let item = c.removed_item(com);
                c.s.call("GET", &format!("/v1/items/{item}/statement"), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/statements",
            roles: Some(TRANSPARENCY),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/statements?community={com}"), key, None),
        },
        Endpoint {
            method: "post",
            path: "/v1/items:bulk",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                body(c, "POST", "/v1/items:bulk", key,
                     json!({"filter": {"community": com, "content_ids": [c.unique()]},
                            "action": "approve", "reason": "fine", "dry_run": true}))
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/reports/operations",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/reports/operations?community={com}"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/reports/precision",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/reports/precision?community={com}"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/policy:suggest",
            roles: Some(ADM),
            // Community `a` has far fewer decisions than a suggestion needs: the refusal
            // comes after the role and scope checks.
            ok: 422,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/communities/{com}/policy:suggest"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/labels",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/communities/{com}/labels"), key, None),
        },
        Endpoint {
            method: "get",
            path: "/v1/reports/transparency",
            roles: Some(MOD),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/reports/transparency?community={com}"), key, None),
        },
        Endpoint {
            method: "post",
            path: "/v1/reports",
            roles: Some(ING),
            ok: 201,
            outside: 404,
            // Unknown content with its text: created, scored and reported.
            call: |c, key, _, com| {
                body(c, "POST", "/v1/reports", key,
                     json!({"community": com, "content_id": c.unique(), "reporter_id": c.unique(),
                            "reason": "spam", "text": "hi", "author_id": "u"}))
            },
        },
        Endpoint {
            method: "put",
            path: "/v1/communities/{id}/trusted-flaggers/{reporter_id}",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                c.s.call("PUT", &format!("/v1/communities/{com}/trusted-flaggers/{}", c.unique()), key, None)
            },
        },
        Endpoint {
            method: "delete",
            path: "/v1/communities/{id}/trusted-flaggers/{reporter_id}",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                c.s.call("DELETE", &format!("/v1/communities/{com}/trusted-flaggers/{}", c.unique()), key, None)
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/webhooks",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| c.s.call("GET", &format!("/v1/communities/{com}/webhooks"), key, None),
        },
        Endpoint {
            method: "post",
            path: "/v1/communities/{id}/webhooks",
            roles: Some(ADM),
            ok: 201,
            outside: 404,
            call: |c, key, _, com| {
                let r = body(c, "POST", &format!("/v1/communities/{com}/webhooks"), key,
                             json!({"url": "http://example.invalid/hook", "events": ["subject.erased"]}));
                // At most ten per community: the fixture does not keep them.
                if let Some(id) = r.body["webhook_id"].as_str() {
                    c.s.call("DELETE", &format!("/v1/communities/{com}/webhooks/{id}"), Some(ADMIN), None);
                }
                r
            },
        },
        Endpoint {
            method: "delete",
            path: "/v1/communities/{id}/webhooks/{webhook_id}",
            roles: Some(ADM),
            ok: 204,
            outside: 404,
            call: |c, key, _, com| {
                let id = c.webhook(com);
                let r = c.s.call("DELETE", &format!("/v1/communities/{com}/webhooks/{id}"), key, None);
                c.s.call("DELETE", &format!("/v1/communities/{com}/webhooks/{id}"), Some(ADMIN), None);
                r
            },
        },
        Endpoint {
            method: "get",
            path: "/v1/communities/{id}/webhooks/{webhook_id}/deliveries",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let id = c.webhook(com);
                let r = c.s.call("GET", &format!("/v1/communities/{com}/webhooks/{id}/deliveries"), key, None);
                c.s.call("DELETE", &format!("/v1/communities/{com}/webhooks/{id}"), Some(ADMIN), None);
                r
            },
        },
        Endpoint {
            method: "post",
            path: "/v1/communities/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}:retry",
            roles: Some(ADM),
            ok: 200,
            outside: 404,
            call: |c, key, _, com| {
                let id = c.webhook(com);
                let seq = c.delivery(com, &id);
                let r = c.s.call("POST", &format!("/v1/communities/{com}/webhooks/{id}/deliveries/{seq}:retry"), key, None);
                c.s.call("DELETE", &format!("/v1/communities/{com}/webhooks/{id}"), Some(ADMIN), None);
                r
            },
        },
    ]);
    list
}

/// Whether an error body has the route's error shape: Warden's `{error: {code, message}}`,
/// or the vendor's on the drop-in routes.
fn error_shaped(path: &str, body: &Value) -> bool {
    let error = &body["error"];
    let text = |field: &str| error[field].as_str().is_some_and(|s| !s.is_empty());
    match path {
        "/v1alpha1/comments:analyze" | "/v1alpha1/comments:suggestscore" => {
            text("message") && text("status") && error["code"].is_u64()
        }
        "/v1/moderations" => text("message") && text("type"),
        _ => text("code") && text("message"),
    }
}

#[test]
fn role_endpoint_community_matrix() {
    let ctx = Ctx::new(Server::start());
    let mut callers: Vec<(Option<&str>, Option<String>)> = vec![
        (None, None),
        (None, Some("wdn_not_a_key_at_all_000000".into())),
    ];
    for role in ROLES {
        callers.push((Some(role), Some(ctx.s.key(role, &["a"]))));
    }

    let endpoints = endpoints();
    let covered: BTreeSet<(String, String)> = endpoints
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    let routes: BTreeSet<(String, String)> = warden::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(covered, routes, "every route is in the matrix");

    // The API document lists the same roles: in every security requirement of a
    // protected operation, none for a public one.
    let doc = super::contract::document();
    for e in &endpoints {
        let security = &doc["paths"][e.path][e.method]["security"];
        let requirements = security
            .as_array()
            .expect("each operation says its security");
        match e.roles {
            None => assert!(requirements.is_empty(), "{} {} is public", e.method, e.path),
            Some(roles) => {
                let mut roles: Vec<&str> = roles.to_vec();
                roles.sort_unstable();
                assert!(!requirements.is_empty(), "{} {}", e.method, e.path);
                for requirement in requirements {
                    for (scheme, documented) in requirement.as_object().unwrap() {
                        let mut documented: Vec<&str> = documented
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r.as_str().unwrap())
                            .collect();
                        documented.sort_unstable();
                        assert_eq!(documented, roles, "{} {} ({scheme})", e.method, e.path);
                    }
                }
            }
        }
    }

    let mut failures = Vec::new();
    let mut cells = 0;
    for e in &endpoints {
        for (role, key) in &callers {
            for community in ["a", "b"] {
                let expected = match (e.roles, role, key) {
                    (None, _, _) => e.ok,
                    (Some(_), None, _) => 401,
                    (Some(roles), Some(role), _) if !roles.contains(role) => 403,
                    (Some(_), Some(_), _) if community == "b" => e.outside,
                    (Some(_), Some(_), _) => e.ok,
                };
                let r = (e.call)(&ctx, key.as_deref(), *role, community);
                cells += 1;
                if r.status != expected {
                    failures.push(format!(
                        "{} {} as {} in {community}: expected {expected}, got {} {}",
                        e.method,
                        e.path,
                        role.unwrap_or(if key.is_some() {
                            "unknown key"
                        } else {
                            "no key"
                        }),
                        r.status,
                        r.body
                    ));
                } else if r.status >= 400 && !error_shaped(e.path, &r.body) {
                    failures.push(format!(
                        "{} {}: error without the error shape",
                        e.method, e.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
