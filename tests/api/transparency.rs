//! Statements of reasons and transparency reports over the real server.

use serde_json::{json, Value};

use super::{Server, ADMIN, ALLOW_TEXT, REMOVE_TEXT};

#[test]
fn restrictive_decisions_get_a_statement_without_personal_data() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let moderator = s.key("moderator", &["c"]);
    let r = s.post(
        "/v1/content",
        &ingest,
        json!({"community": "c", "content_id": "sor-1", "author_id": "private-person-77", "text": REMOVE_TEXT}),
    );
    let auto = r.body["item_id"].as_str().unwrap().to_string();
    let st = s.get(&format!("/v1/items/{auto}/statement"), &ingest);
    assert_eq!(st.status, 200, "{st:?}");
    let st = st.body;
    assert_eq!(
        st["decision_visibility"],
        json!(["DECISION_VISIBILITY_CONTENT_REMOVED"])
    );
    assert_eq!(
        st["decision_ground"],
        "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    );
    assert_eq!(st["category"], "STATEMENT_CATEGORY_VIOLENCE");
    assert_eq!(st["content_type"], json!(["CONTENT_TYPE_TEXT"]));
    assert_eq!(st["source_type"], "SOURCE_VOLUNTARY");
    assert_eq!(st["automated_detection"], "Yes");
    assert_eq!(st["automated_decision"], "AUTOMATED_DECISION_FULLY");
    assert_eq!(st["content_date"].as_str().unwrap().len(), 10);
    assert_eq!(st["application_date"], st["content_date"]);
    assert!(st["puid"].as_str().unwrap().starts_with(&auto));
    let raw = st.to_string();
    for personal in ["private-person-77", "bleach", "sor-1"] {
        assert!(!raw.contains(personal), "{personal} in {raw}");
    }

    // A moderator's removal: not automated. An approval owes no statement.
    let queued = s.queued(&ingest, "c", "sor-2");
    s.post("/v1/queue/claim", &moderator, json!({"community": "c"}));
    s.post(
        &format!("/v1/items/{queued}/decision"),
        &moderator,
        json!({"action": "label", "reason": "rude", "labels": ["rude"], "note": "private-person-77 again"}),
    );
    let st = s
        .get(&format!("/v1/items/{queued}/statement"), &moderator)
        .body;
    assert_eq!(
        st["decision_visibility"],
        json!(["DECISION_VISIBILITY_CONTENT_LABELLED"])
    );
    assert_eq!(st["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");
    assert!(
        !st.to_string().contains("private-person-77"),
        "notes stay out"
    );
    let allowed = s.submit(&ingest, "c", "sor-3", ALLOW_TEXT).body["item_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.get(&format!("/v1/items/{allowed}/statement"), &ingest);
    assert_eq!((r.status, r.code()), (404, "not_found"));
}

#[test]
fn statements_export_in_batches_of_100() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let items: Vec<Value> = (0..105)
        .map(|i| json!({"community": "c", "content_id": format!("b{i}"), "author_id": "u", "text": REMOVE_TEXT}))
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({"items": items}));
    assert_eq!(r.status, 200);
    s.submit(&ingest, "other", "o", REMOVE_TEXT);

    let first = s.get("/v1/statements?community=c", &ingest).body;
    assert_eq!(first["statements"].as_array().unwrap().len(), 100);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = s
        .get(
            &format!("/v1/statements?community=c&cursor={cursor}"),
            &ingest,
        )
        .body;
    assert_eq!(second["statements"].as_array().unwrap().len(), 5);
    assert!(second.get("next_cursor").is_none(), "{second}");
    let mut puids: Vec<String> = first["statements"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["statements"].as_array().unwrap())
        .map(|st| st["puid"].as_str().unwrap().to_string())
        .collect();
    puids.sort();
    puids.dedup();
    assert_eq!(puids.len(), 105, "every decision once");

    let all = s.get("/v1/statements", &ingest).body;
    let next = all["next_cursor"].as_str().unwrap();
    let rest = s
        .get(&format!("/v1/statements?cursor={next}"), &ingest)
        .body;
    assert_eq!(
        rest["statements"].as_array().unwrap().len(),
        6,
        "both communities"
    );
    let r = s.get("/v1/statements?to=2000-01-01T00:00:00Z", &ingest);
    assert_eq!(r.body["statements"], json!([]), "{r:?}");
    let r = s.get("/v1/statements?from=yesterday", &ingest);
    assert_eq!((r.status, r.code()), (400, "invalid_field"));
    let r = s.get("/v1/statements?cursor=zz", &ingest);
    assert_eq!(r.status, 400);
}

#[test]
fn the_transparency_report_counts_decisions_appeals_and_reversals() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let moderator = s.key("moderator", &["c"]);
    let mut removed = Vec::new();
    for i in 0..3 {
        let r = s.submit(&ingest, "c", &format!("r{i}"), REMOVE_TEXT);
        removed.push(r.body["item_id"].as_str().unwrap().to_string());
    }
    s.submit(&ingest, "c", "fine", ALLOW_TEXT);
    let queued = s.queued(&ingest, "c", "q");
    s.post("/v1/queue/claim", &moderator, json!({"community": "c"}));
    s.post(
        &format!("/v1/items/{queued}/decision"),
        &moderator,
        json!({"action": "approve", "reason": "banter"}),
    );
    // Two appeals: one upheld, one reversed.
    for (item, action) in [(&removed[0], "remove"), (&removed[1], "approve")] {
        s.post(
            &format!("/v1/items/{item}/appeal"),
            &ingest,
            json!({"statement": "please"}),
        );
        s.post(
            &format!("/v1/items/{item}/decision"),
            ADMIN,
            json!({"action": action, "reason": "appeal"}),
        );
    }
    let r = s.get("/v1/reports/transparency?community=c", &moderator);
    assert_eq!(r.status, 200, "{r:?}");
    let rep = r.body;
    assert_eq!(rep["decisions"], 7, "{rep}");
    assert_eq!(rep["automated"], 4);
    assert_eq!(rep["human"], 3);
    assert_eq!(rep["by_action"], json!({"allow": 3, "remove": 4}));
    assert_eq!(rep["by_category"]["threat"], 4);
    assert_eq!(
        rep["appeals"],
        json!({"received": 2, "upheld": 1, "reversed": 1})
    );
    assert_eq!(rep["median_seconds_to_decision"]["automated"], 0.0);
    assert!(rep["median_seconds_to_decision"]["human"].as_f64().unwrap() >= 0.0);
    assert_eq!(rep["communities"], json!(["c"]));
    let empty = s
        .get(
            "/v1/reports/transparency?community=c&to=2000-01-01T00:00:00Z",
            &moderator,
        )
        .body;
    assert_eq!(empty["decisions"], 0);
    assert_eq!(empty["median_seconds_to_decision"]["all"], Value::Null);
    let r = s.get("/v1/reports/transparency", &ingest);
    assert_eq!(r.status, 403);
}
