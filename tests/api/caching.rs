//! What shared caches may keep: nothing from the API. Its responses carry secrets (a new
//! key), user text (items, exports, verdicts) or depend on the caller's key, so every one
//! is `Cache-Control: no-store`; the console's static files are the exception.

use serde_json::json;

use super::{Resp, Server, ADMIN, REMOVE_TEXT};

fn assert_no_store(what: &str, r: &Resp) {
    assert_eq!(
        r.cache_control.as_deref(),
        Some("no-store"),
        "{what}: {r:?}"
    );
}

#[test]
fn responses_with_secrets_or_user_text_are_not_stored_by_caches() {
    let s = Server::start();
    let created = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "ingest", "communities": ["c"]}),
    );
    assert_eq!(created.status, 201, "{created:?}");
    assert_no_store("POST /v1/keys", &created);
    let ingest = created.body["key"].as_str().expect("secret").to_string();

    let submitted = s.post(
        "/v1/content",
        &ingest,
        json!({"community": "c", "content_id": "x", "author_id": "author-1", "text": REMOVE_TEXT}),
    );
    assert_eq!(submitted.status, 201, "{submitted:?}");
    assert_no_store("POST /v1/content", &submitted);
    let item = submitted.body["item_id"].as_str().expect("item id");

    let text = json!({"text": REMOVE_TEXT});
    let openai = json!({"input": REMOVE_TEXT});
    let perspective =
        json!({"comment": {"text": REMOVE_TEXT}, "requestedAttributes": {"TOXICITY": {}}});
    let responses = [
        (
            "GET /v1/items/{id}",
            s.get(&format!("/v1/items/{item}"), ADMIN),
        ),
        (
            "GET /v1/items/{id}/events",
            s.get(&format!("/v1/items/{item}/events"), ADMIN),
        ),
        (
            "GET /v1/subjects/{id}/export",
            s.get("/v1/subjects/author-1/export", ADMIN),
        ),
        ("GET /v1/keys", s.get("/v1/keys", ADMIN)),
        ("POST /v1/moderate", s.post("/v1/moderate", ADMIN, text)),
        (
            "POST /v1/moderations",
            s.post("/v1/moderations", ADMIN, openai),
        ),
        (
            "POST /v1alpha1/comments:analyze",
            s.post("/v1alpha1/comments:analyze", ADMIN, perspective),
        ),
        // Errors too: their messages can name what the caller sent.
        (
            "GET /v1/items/{unknown}",
            s.get("/v1/items/itm_unknown", ADMIN),
        ),
    ];
    for (what, r) in &responses {
        assert!(r.status < 500, "{what}: {r:?}");
        assert_no_store(what, r);
    }
}
