//! Issue 16, point 2: the classifier's work is bounded per text and per request, and rate
//! limits count the text a request asks to score, not only the request.

use serde_json::{json, Value};

use super::{Server, ADMIN, ALLOW_TEXT, MODEL_NAME};

/// Benign prose of about `bytes` bytes.
fn prose(bytes: usize) -> String {
    let sentence = "the weather today is mild and the park is quiet in the afternoon. ";
    sentence.repeat(bytes / sentence.len() + 1)[..bytes].to_string()
}

fn coverage(verdict: &Value) -> (u64, u64) {
    let c = &verdict["model_coverage"];
    (
        c["read_tokens"].as_u64().unwrap_or(0),
        c["tokens"].as_u64().unwrap_or(0),
    )
}

#[test]
fn a_huge_text_is_read_in_part_by_the_model_and_whole_by_the_patterns() {
    let s = Server::start();
    // A threat phrase in the middle, where the classifier's evenly spread windows need
    // not fall: the pattern stage still finds it, at its place.
    let dots = "f.".repeat(16 * 1024 - 16);
    let text = format!("{dots} go drink bleach {dots}");
    assert!(text.len() > 64_000 && text.len() <= 64 * 1024);
    let r = s.post("/v1/moderate", ADMIN, json!({ "text": text }));
    assert_eq!(r.status, 200, "{r:?}");
    let v = &r.body;
    assert_eq!(v["model"]["name"], MODEL_NAME, "the classifier ran");
    let (read, tokens) = coverage(v);
    assert!(tokens >= 60_000, "{:?}", v["model_coverage"]);
    // At most 16 windows of 126 tokens (the default), and something was read.
    assert!(read > 0 && read <= 16 * 126, "{:?}", v["model_coverage"]);
    let bleach = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["category"] == "threat" && m["source"] == "wordlist")
        .unwrap_or_else(|| panic!("the threat in the middle was found: {v}"));
    assert!(bleach["start"].as_u64().unwrap() > 32_000, "{bleach}");
    assert_eq!(v["action"], "remove", "{v}");

    // A text the classifier reads whole has no `model_coverage`.
    let r = s.post("/v1/moderate", ADMIN, json!({ "text": ALLOW_TEXT }));
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.get("model_coverage").is_none(), "{r:?}");
    let r = s.post("/v1/moderate", ADMIN, json!({ "text": prose(2_000) }));
    assert!(r.body.get("model_coverage").is_none(), "{r:?}");
}

#[test]
fn the_per_text_bound_is_configurable() {
    let s = Server::with(|c| c.engine.max_model_windows = 2);
    let r = s.post("/v1/moderate", ADMIN, json!({ "text": prose(2_000) }));
    assert_eq!(r.status, 200, "{r:?}");
    let (read, tokens) = coverage(&r.body);
    assert!(read > 126 && read <= 2 * 126 && tokens > read, "{r:?}");
}

#[test]
fn a_request_over_the_model_budget_reads_its_longest_texts_in_part() {
    let s = Server::with(|c| c.engine.max_request_model_windows = 4);
    let ingest = s.key("ingest", &["c"]);
    let long = prose(3_000);
    let items: Vec<Value> = (0..4)
        .map(|i| {
            let text = if i == 3 { ALLOW_TEXT } else { long.as_str() };
            json!({"community": "c", "content_id": format!("p{i}"), "author_id": "u", "text": text})
        })
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({ "items": items }));
    assert_eq!(r.status, 200, "{r:?}");
    let results = r.body["results"].as_array().unwrap();
    for long in &results[..3] {
        // Four windows for four texts: one each.
        let (read, tokens) = coverage(&long["verdict"]);
        assert!(read > 0 && read <= 126 && tokens > read, "{long}");
    }
    assert!(results[3]["verdict"].get("model_coverage").is_none());

    // The same text alone fits the budget of its own request... in four windows.
    let r = s.post("/v1/moderate", ADMIN, json!({ "text": long }));
    let (read, _) = coverage(&r.body);
    assert!(read > 3 * 126 && read <= 4 * 126, "{r:?}");

    // OpenAI's shape has no field for it: the documented partial read, scores as usual.
    let r = s.post(
        "/v1/moderations",
        ADMIN,
        json!({ "input": [long, long, long, long, long] }),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["results"].as_array().unwrap().len(), 5);
}

#[test]
fn rate_limits_count_the_bytes_scored_not_the_requests() {
    // Twenty tokens, practically no refill; 1 KiB of text per token (the default).
    let s = Server::with(|c| {
        c.rate_limit.per_second = 0.001;
        c.rate_limit.burst = 20;
    });
    let key = s.key("moderator", &["*"]);
    let eight_kib = prose(8 * 1024);
    // 8 tokens each: two pass (4 left), the third does not.
    for _ in 0..2 {
        let r = s.post("/v1/moderate", &key, json!({ "text": eight_kib }));
        assert_eq!(r.status, 200, "{r:?}");
    }
    let r = s.post("/v1/moderate", &key, json!({ "text": eight_kib }));
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{r:?}");
    assert!(r.retry_after.is_some(), "{r:?}");
    // The refused text was not charged: small requests (one token each) still pass.
    for _ in 0..2 {
        let r = s.post("/v1/moderate", &key, json!({ "text": ALLOW_TEXT }));
        assert_eq!(r.status, 200, "{r:?}");
    }
    // The drop-in routes count the same way, in their vendor's shape.
    let r = s.post("/v1/moderations", &key, json!({ "input": eight_kib }));
    assert_eq!(r.status, 429, "{r:?}");
    assert_eq!(r.body["error"]["code"], "rate_limit_exceeded", "{r:?}");
}
