//! What the moderator console needs from the server: its files (with their security
//! headers and caching), who a key is, undoing a decision within the lease, an author's
//! prior decisions, and the suppression rules an item produced. The browser flow itself
//! is `tests/e2e/console.mjs`.

use std::time::Duration;

use serde_json::{json, Value};

use super::{Resp, Server, ADMIN, REVIEW_TEXT};

/// A console file: status, headers by lower-case name, body.
fn fetch(s: &Server, path: &str, etag: Option<&str>) -> (u16, Vec<(String, String)>, String) {
    let mut req = ureq::get(&format!("{}{path}", s.base));
    if let Some(etag) = etag {
        req = req.set("If-None-Match", etag);
    }
    let res = match req.call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {path}: {e}"),
    };
    let headers = res
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = res.header(&n).unwrap_or_default().to_string();
            (n.to_ascii_lowercase(), v)
        })
        .collect();
    (res.status(), headers, res.into_string().unwrap_or_default())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn the_console_is_served_from_the_binary_with_strict_headers() {
    let s = Server::start();
    let (status, headers, body) = fetch(&s, "/console", None);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert!(body.contains("<title>Warden · Moderator console</title>"));
    let csp = header(&headers, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "cache-control"), "no-cache");

    // Caching is keyed to the build: the ETag names the version, and a browser holding
    // this very file gets 304 without a body.
    let etag = header(&headers, "etag").to_string();
    assert!(etag.contains(env!("CARGO_PKG_VERSION")), "{etag}");
    let (status, headers, body) = fetch(&s, "/console", Some(&etag));
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), etag);
    assert_eq!(fetch(&s, "/console", Some("\"0.0.0-stale\"")).0, 200);

    for (path, content_type) in [
        ("/console/main.js", "text/javascript; charset=utf-8"),
        ("/console/api.js", "text/javascript; charset=utf-8"),
        ("/console/ui.js", "text/javascript; charset=utf-8"),
        ("/console/session.js", "text/javascript; charset=utf-8"),
        ("/console/queue.js", "text/javascript; charset=utf-8"),
        ("/console/item.js", "text/javascript; charset=utf-8"),
        ("/console/editors.js", "text/javascript; charset=utf-8"),
        ("/console/admin.js", "text/javascript; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
        ("/console/favicon.svg", "image/svg+xml"),
    ] {
        let (status, headers, body) = fetch(&s, path, None);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-type"), content_type, "{path}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_ne!(
            header(&headers, "etag"),
            etag,
            "{path} shares the page's ETag"
        );
        assert!(!body.is_empty());
    }
    // Only the embedded files: no path reaches anything else.
    let r = s.call("GET", "/console/..%2Fopenapi.json", None, None);
    assert_eq!((r.status, r.code()), (404, "not_found"), "{r:?}");
    let r = s.call("GET", "/console/secrets.txt", None, None);
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = s.call("POST", "/console", None, None);
    assert_eq!((r.status, r.code()), (405, "method_not_allowed"));
}

#[test]
fn a_key_reads_itself_and_nothing_more() {
    let s = Server::start();
    let r = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "moderator", "communities": ["b", "a"], "name": "Ana"}),
    );
    let (id, moderator) = (
        r.body["id"].clone(),
        r.body["key"].as_str().unwrap().to_string(),
    );
    let me = s.get("/v1/keys/self", &moderator);
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["id"], id);
    assert_eq!(me.body["role"], "moderator");
    assert_eq!(me.body["communities"], json!(["a", "b"]));
    assert_eq!(me.body["name"], "Ana");
    assert!(me.body.get("key").is_none() && me.body.get("hash").is_none());
    // Every role may ask, a missing or revoked key may not.
    let feed = s.key("feed", &["*"]);
    assert_eq!(s.get("/v1/keys/self", &feed).body["role"], "feed");
    assert_eq!(s.call("GET", "/v1/keys/self", None, None).status, 401);
    assert_eq!(
        s.delete(&format!("/v1/keys/{}", id.as_str().unwrap()), ADMIN)
            .status,
        200
    );
    assert_eq!(s.get("/v1/keys/self", &moderator).status, 401);
    // `self` is not a key id that can be revoked.
    assert_eq!(s.delete("/v1/keys/self", ADMIN).status, 405);
}

fn decide(s: &Server, key: &str, item: &str, action: &str, reason: &str) -> Resp {
    s.post(
        &format!("/v1/items/{item}/decision"),
        key,
        json!({"action": action, "reason": reason}),
    )
}

fn undo(s: &Server, key: &str, item: &str) -> Resp {
    s.call("POST", &format!("/v1/items/{item}/undo"), Some(key), None)
}

/// The rules an item produced, as `(cause reason source, state)` pairs.
fn rules(s: &Server, key: &str, item: &str) -> Vec<(String, String)> {
    let r = s.get(&format!("/v1/items/{item}/suppressions"), key);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["item_id"], item);
    r.body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"]["source"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(rules: &[(String, String)], source: &str, state: &str) -> bool {
    rules.iter().any(|(s, st)| s == source && st == state)
}

#[test]
fn the_decider_can_undo_within_the_lease_and_the_rules_follow() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let m1 = s.key("moderator", &["c"]);
    let m2 = s.key("moderator", &["c"]);
    let item = s.queued(&ingest, "c", "x");
    // Under review: the policy's "don't amplify what is being checked" rule.
    assert!(has(&rules(&s, &m1, &item), "policy", "active"));

    let c = s.post(
        "/v1/queue/claim",
        &m1,
        json!({"limit": 1, "lease_seconds": 600}),
    );
    let lease_until = c.body["items"][0]["lease_expires_at"].clone();
    let d = decide(&s, &m1, &item, "remove", "harassment");
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["undo"]["by"], c.body["items"][0]["lease_holder"]);
    assert_eq!(d.body["undo"]["until"], lease_until);
    let after_removal = rules(&s, &m1, &item);
    assert!(
        has(&after_removal, "decision", "active"),
        "{after_removal:?}"
    );
    assert!(
        has(&after_removal, "policy", "expired"),
        "{after_removal:?}"
    );

    // Not someone else's to undo, nor the platform's.
    let r = undo(&s, &m2, &item);
    assert_eq!((r.status, r.code()), (409, "lease_conflict"), "{r:?}");
    assert_eq!(undo(&s, &ingest, &item).status, 403);

    let u = undo(&s, &m1, &item);
    assert_eq!(u.status, 200, "{u:?}");
    assert_eq!(u.body["status"], "pending");
    assert_eq!(u.body["queue"], "review");
    assert_eq!(u.body["lease_expires_at"], lease_until);
    assert_eq!(u.body["lease_holder"], d.body["undo"]["by"]);
    assert!(
        u.body.get("outcome").is_none() && u.body.get("undo").is_none(),
        "{u:?}"
    );
    let kinds = s.event_kinds(&item);
    assert_eq!(kinds[kinds.len() - 2..], ["decided", "undone"]);
    let events = s.get(&format!("/v1/items/{item}/events"), &m1).body;
    let undone = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(undone["action"], "remove");
    assert_eq!(undone["previous_outcome"], "remove");
    assert_eq!(undone["queue"], "review");
    assert_eq!(undone["lease_expires_at"], lease_until);

    // The removal's rule is revoked, the under-review one is back; the item stays out of
    // the waiting queue (it is leased again) and can be decided afresh.
    let after_undo = rules(&s, &m1, &item);
    assert!(has(&after_undo, "decision", "revoked"), "{after_undo:?}");
    assert!(has(&after_undo, "policy", "active"), "{after_undo:?}");
    assert!(s.get("/v1/queue", &m2).body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let r = undo(&s, &m1, &item);
    assert_eq!(
        (r.status, r.code()),
        (409, "invalid_state"),
        "nothing left to undo"
    );
    let d = decide(&s, &m1, &item, "approve", "on reflection, fine");
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["outcome"], "allow");
    let report = s.get("/v1/reports/transparency", ADMIN).body;
    assert_eq!(report["undone"], 1, "{report}");
    // The statement of the restriction stays on record; the undo is no statement.
    let statements = s.get("/v1/statements", ADMIN).body;
    assert_eq!(
        statements["statements"].as_array().map(Vec::len),
        Some(1),
        "{statements}"
    );

    // Once anything else happened to the item, the decision is no longer undoable.
    let item2 = s.queued(&ingest, "c", "y");
    s.post(
        "/v1/queue/claim",
        &m1,
        json!({"limit": 1, "lease_seconds": 600}),
    );
    assert_eq!(decide(&s, &m1, &item2, "remove", "spam").status, 200);
    let a = s.post(
        &format!("/v1/items/{item2}/appeal"),
        &ingest,
        json!({"statement": "it was a joke"}),
    );
    assert_eq!(a.status, 200, "{a:?}");
    let r = undo(&s, &m1, &item2);
    assert_eq!((r.status, r.code()), (409, "invalid_state"), "{r:?}");
}

#[test]
fn undo_restores_escalations_and_appeals_and_ends_with_the_lease() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let m1 = s.key("moderator", &["c"]);

    // An escalation undone: back in review, leased again, out of the escalated queue.
    let item = s.queued(&ingest, "c", "esc");
    s.post(
        "/v1/queue/claim",
        &m1,
        json!({"limit": 1, "lease_seconds": 600}),
    );
    assert_eq!(decide(&s, &m1, &item, "escalate", "unsure").status, 200);
    let u = undo(&s, &m1, &item);
    assert_eq!(u.status, 200, "{u:?}");
    assert_eq!(u.body["queue"], "review");
    let escalated = s.get("/v1/queue?queue=escalated", ADMIN).body;
    assert!(
        escalated["items"].as_array().unwrap().is_empty(),
        "{escalated}"
    );
    assert_eq!(decide(&s, &m1, &item, "remove", "abusive").status, 200);

    // An appeal decision undone: the appeal waits again and the removal stands.
    let a = s.post(
        &format!("/v1/items/{item}/appeal"),
        &ingest,
        json!({"statement": "please look again"}),
    );
    assert_eq!(a.status, 200, "{a:?}");
    let c = s.post(
        "/v1/queue/claim",
        &m1,
        json!({"queue": "appeals", "limit": 1, "lease_seconds": 600}),
    );
    assert_eq!(c.body["items"][0]["item_id"], item.as_str(), "{c:?}");
    let d = decide(&s, &m1, &item, "approve", "reversed on appeal");
    assert_eq!(d.body["appeal"]["result"], "reversed", "{d:?}");
    let u = undo(&s, &m1, &item);
    assert_eq!(u.status, 200, "{u:?}");
    assert_eq!(u.body["queue"], "appeals");
    assert_eq!(u.body["outcome"], "remove");
    assert!(u.body["appeal"].get("result").is_none(), "{u:?}");
    assert!(has(&rules(&s, &m1, &item), "decision", "active"));

    // Past the lease the decision was made under, it stands.
    let late = s.queued(&ingest, "c", "late");
    s.post(
        "/v1/queue/claim",
        &m1,
        json!({"limit": 1, "lease_seconds": 1}),
    );
    let d = decide(&s, &m1, &late, "approve", "fine");
    assert_eq!(d.status, 200, "{d:?}");
    std::thread::sleep(Duration::from_millis(1100));
    let r = undo(&s, &m1, &late);
    assert_eq!((r.status, r.code()), (409, "lease_conflict"), "{r:?}");
    let view = s.get(&format!("/v1/items/{late}"), &m1).body;
    assert!(view.get("undo").is_none(), "{view}");

    // An admin's decision without a lease of their own has nothing to give back.
    let admin_decided = s.queued(&ingest, "c", "adm");
    assert_eq!(
        decide(&s, ADMIN, &admin_decided, "remove", "obvious").status,
        200
    );
    let r = undo(&s, ADMIN, &admin_decided);
    assert_eq!((r.status, r.code()), (409, "invalid_state"), "{r:?}");

    // Outside the moderator's communities the item does not exist.
    let other = s.key("moderator", &["d"]);
    assert_eq!(undo(&s, &other, &item).status, 404);
    assert_eq!(undo(&s, &m1, "itm_nonsense").status, 404);
}

fn submit_by(s: &Server, key: &str, community: &str, content_id: &str, author: &str) -> String {
    s.hold_for_review(community);
    let r = s.post(
        "/v1/content",
        key,
        json!({"community": community, "content_id": content_id, "author_id": author, "text": REVIEW_TEXT}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.body["item_id"].as_str().unwrap().to_string()
}

fn history(s: &Server, key: &str, item: &str) -> Value {
    let r = s.get(&format!("/v1/items/{item}/author-history"), key);
    assert_eq!(r.status, 200, "{r:?}");
    r.body
}

#[test]
fn author_history_is_the_authors_prior_decisions_in_the_community() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c", "d"]);
    let m = s.key("moderator", &["c"]);
    let first = submit_by(&s, &ingest, "c", "one", "ana");
    let second = submit_by(&s, &ingest, "c", "two", "ana");
    let someone_else = submit_by(&s, &ingest, "c", "three", "bo");
    let elsewhere = submit_by(&s, &ingest, "d", "four", "ana");
    for item in [&someone_else, &elsewhere] {
        assert_eq!(decide(&s, ADMIN, item, "remove", "unrelated").status, 200);
    }
    assert!(history(&s, &m, &second)["decisions"]
        .as_array()
        .unwrap()
        .is_empty());

    s.post(
        "/v1/queue/claim",
        &m,
        json!({"community": "c", "limit": 1, "lease_seconds": 600}),
    );
    let holder = s.get(&format!("/v1/items/{first}"), ADMIN).body["lease_holder"].clone();
    let claimed = if holder.is_null() { &second } else { &first };
    let other = if holder.is_null() { &first } else { &second };
    let d = decide(&s, &m, claimed, "remove", "abuse, see ana@example.com");
    assert_eq!(d.status, 200, "{d:?}");

    let h = history(&s, &m, other);
    assert_eq!(h["item_id"], other.as_str());
    assert_eq!(h["truncated"], false);
    assert_eq!(h["counts"], json!({"remove": 1}));
    let decisions = h["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{h}");
    assert_eq!(decisions[0]["item_id"], claimed.as_str());
    assert_eq!(decisions[0]["kind"], "decided");
    assert_eq!(decisions[0]["outcome"], "remove");
    assert_eq!(
        decisions[0]["reason"], "abuse, see [email]",
        "masked like events"
    );
    // Its own item's decisions are not "prior decisions on the author's other items".
    assert!(history(&s, &m, claimed)["decisions"]
        .as_array()
        .unwrap()
        .is_empty());

    // An undone decision is no part of the record.
    assert_eq!(undo(&s, &m, claimed).status, 200);
    assert!(history(&s, &m, other)["decisions"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(decide(&s, &m, claimed, "remove", "abuse").status, 200);
    assert_eq!(
        history(&s, &m, other)["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Scope and role: another community's moderator sees nothing, the feed may not ask.
    let outsider = s.key("moderator", &["d"]);
    assert_eq!(
        s.get(&format!("/v1/items/{other}/author-history"), &outsider)
            .status,
        404
    );
    let feed = s.key("feed", &["*"]);
    assert_eq!(
        s.get(&format!("/v1/items/{other}/author-history"), &feed)
            .status,
        403
    );
    let r = s.get(&format!("/v1/items/{other}/author-history?limit=0"), &m);
    assert_eq!((r.status, r.code()), (400, "invalid_field"));
    let r = s.get(&format!("/v1/items/{other}/author-history?author=ana"), &m);
    assert_eq!((r.status, r.code()), (400, "unknown_field"));

    // Erased, the author has no history, seen from any of their items.
    let r = s.delete("/v1/subjects/ana?community=c", &ingest);
    assert_eq!(r.status, 200, "{r:?}");
    for item in [&first, &second] {
        let h = history(&s, &m, item);
        assert!(h["decisions"].as_array().unwrap().is_empty(), "{h}");
        assert_eq!(h["counts"], json!({}));
    }
}

#[test]
fn item_rules_are_read_only_and_scoped() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let m = s.key("moderator", &["c"]);
    let item = s.queued(&ingest, "c", "x");
    assert_eq!(decide(&s, ADMIN, &item, "remove", "threat").status, 200);
    let r = s.get(&format!("/v1/items/{item}/suppressions"), &m);
    let rules = r.body["rules"].as_array().unwrap();
    let removed = rules
        .iter()
        .find(|r| r["reason"]["source"] == "decision")
        .expect("a removal rule");
    assert_eq!(removed["state"], "active");
    assert_eq!(
        removed["subject"],
        json!({"kind": "content", "community": "c", "id": "x"})
    );
    assert_eq!(removed["scopes"].as_array().unwrap().len(), 5);
    // The same entries the feed has.
    let feed = s.get("/v1/suppressions", ADMIN).body;
    let in_feed = feed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule_id"] == removed["rule_id"] && r["state"] == "active");
    assert!(in_feed, "{feed}");

    assert_eq!(
        s.get(&format!("/v1/items/{item}/suppressions"), &ingest)
            .status,
        403
    );
    let outsider = s.key("moderator", &["d"]);
    assert_eq!(
        s.get(&format!("/v1/items/{item}/suppressions"), &outsider)
            .status,
        404
    );
    let r = s.call(
        "PUT",
        &format!("/v1/items/{item}/suppressions"),
        Some(ADMIN),
        Some(&json!({})),
    );
    assert_eq!(r.status, 405);
}
