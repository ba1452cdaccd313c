//! Issue 16, point 10: a `content_id` keeps its author unless the platform says the
//! content changed hands.

use serde_json::{json, Value};

use super::{Server, ADMIN, ALLOW_TEXT};

fn content(content_id: &str, author: &str, text: &str) -> Value {
    json!({"community": "c", "content_id": content_id, "author_id": author, "text": text})
}

#[test]
fn another_author_is_a_conflict_unless_it_is_an_ownership_change() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let first = s.post("/v1/content", &ingest, content("p1", "alice", ALLOW_TEXT));
    assert_eq!(first.status, 201, "{first:?}");
    let item = first.body["item_id"].as_str().unwrap().to_string();

    // Another author, new text or the same text: refused, nothing written.
    for text in ["an edited text, by someone else", ALLOW_TEXT] {
        let r = s.post("/v1/content", &ingest, content("p1", "mallory", text));
        assert_eq!((r.status, r.code()), (409, "author_conflict"), "{r:?}");
        assert!(r.message().contains("ownership_change"), "{r:?}");
        // Neither author is named to the caller.
        assert!(!r.message().contains("alice") && !r.message().contains("mallory"));
    }
    assert_eq!(s.event_kinds(&item), ["submitted", "auto_decided"]);
    let got = s.get(&format!("/v1/items/{item}"), ADMIN);
    assert_eq!(got.body["revision"], 1, "{got:?}");

    // In a batch, one conflict refuses the whole batch.
    let r = s.post(
        "/v1/content:batch",
        &ingest,
        json!({"items": [content("p2", "bob", ALLOW_TEXT), content("p1", "mallory", "x y z")]}),
    );
    assert_eq!((r.status, r.code()), (409, "author_conflict"), "{r:?}");
    let p2 = s.post("/v1/content", &ingest, content("p2", "bob", ALLOW_TEXT));
    assert_eq!(p2.status, 201, "the batch wrote nothing: {p2:?}");

    // The same author may say it too: an ordinary revision, no ownership event.
    let mut same = content("p1", "alice", "alice edits her post");
    same["ownership_change"] = json!(true);
    let r = s.post("/v1/content", &ingest, same);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["revision"], 2);

    // The platform says the content changed hands: a new revision by the new author.
    let mut handover = content("p1", "mallory", "mallory's text now");
    handover["ownership_change"] = json!(true);
    let r = s.post("/v1/content", &ingest, handover);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["revision"], 3);
    assert_eq!(
        s.event_kinds(&item),
        [
            "submitted",
            "auto_decided",
            "submitted",
            "auto_decided",
            "ownership_changed",
            "submitted",
            "auto_decided"
        ]
    );
    let events = s.get(&format!("/v1/items/{item}/events"), ADMIN);
    let changed = &events.body["events"][4];
    assert_eq!(changed["revision"], 3, "{changed:?}");
    assert!(
        changed["actor"].as_str().unwrap().starts_with("key_"),
        "{changed:?}"
    );

    // The new author's export holds the item with the event that made it theirs.
    let export = s.get("/v1/subjects/mallory/export?community=c", ADMIN);
    assert_eq!(export.status, 200, "{export:?}");
    let items = export.body["communities"][0]["items"].as_array().unwrap();
    let kinds: Vec<&str> = items[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"ownership_changed"), "{kinds:?}");

    let got = s.get(&format!("/v1/items/{item}?reveal=pii"), ADMIN);
    assert_eq!(got.body["author_id"], "mallory", "{got:?}");

    // And the old author is now the one refused.
    let r = s.post("/v1/content", &ingest, content("p1", "alice", "mine again"));
    assert_eq!((r.status, r.code()), (409, "author_conflict"), "{r:?}");
}
