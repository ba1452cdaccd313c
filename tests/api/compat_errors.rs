//! The drop-in routes' errors that arise before the request is translated — a wrong
//! method, a body with a key given twice — in the vendor's shape, as every error there is.

use serde_json::Value;

use super::{Server, ADMIN};

const ANALYZE: &str = "/v1alpha1/comments:analyze";
const MODERATIONS: &str = "/v1/moderations";

/// A Google error body: `{"error": {"code": <status>, "message", "status": <NAME>, …}}`.
fn assert_google_error(status: u16, body: &Value) {
    let error = &body["error"];
    assert_eq!(error["code"], status, "{body}");
    assert!(error["message"].is_string(), "{body}");
    assert!(error["status"].as_str().is_some_and(|s| !s.is_empty()
        && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')), "{body}");
}

/// An OpenAI error body: `{"error": {"message", "type", "param", "code"}}`.
fn assert_openai_error(body: &Value) {
    let error = body["error"].as_object().expect("error object");
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "param", "type"], "{body}");
    assert_eq!(error["type"], "invalid_request_error", "{body}");
}

#[test]
fn wrong_methods_on_drop_in_routes_answer_405_in_the_vendors_shape() {
    let s = Server::start();
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let r = s.call(method, ANALYZE, Some(ADMIN), None);
        assert_eq!(r.status, 405, "{method} {ANALYZE}: {r:?}");
        assert_google_error(405, &r.body);

        let r = s.call(method, MODERATIONS, Some(ADMIN), None);
        assert_eq!(r.status, 405, "{method} {MODERATIONS}: {r:?}");
        assert_openai_error(&r.body);
    }
    // Native routes keep Warden's own shape.
    let r = s.call("GET", "/v1/moderate", Some(ADMIN), None);
    assert_eq!((r.status, r.code()), (405, "method_not_allowed"), "{r:?}");
}

#[test]
fn drop_in_routes_reject_duplicate_keys_in_the_vendors_shape() {
    let s = Server::start();
    let post = |path: &str, body: &str| {
        s.raw(
            "POST",
            path,
            Some(ADMIN),
            Some(("application/json", body.as_bytes())),
        )
    };
    let perspective = [
        r#"{"comment": {"text": "hello", "text": "go drink bleach"}, "requestedAttributes": {"TOXICITY": {}}}"#,
        r#"{"comment": {"text": "hello"}, "comment": {"text": "go drink bleach"}, "requestedAttributes": {"TOXICITY": {}}}"#,
        r#"{"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}, "TOXICITY": {"scoreThreshold": 0.5}}}"#,
    ];
    for body in perspective {
        let r = post(ANALYZE, body);
        assert_eq!(r.status, 400, "{body}: {r:?}");
        assert_google_error(400, &r.body);
        assert_eq!(r.body["error"]["status"], "INVALID_ARGUMENT", "{r:?}");
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("uplicate"), "{body}: {r:?}");
    }
    let openai = [
        r#"{"input": "hello", "input": "go drink bleach"}"#,
        r#"{"input": [{"type": "text", "text": "hello", "text": "go drink bleach"}]}"#,
    ];
    for body in openai {
        let r = post(MODERATIONS, body);
        assert_eq!(r.status, 400, "{body}: {r:?}");
        assert_openai_error(&r.body);
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("uplicate"), "{body}: {r:?}");
    }
    // The same key in different objects is no duplicate.
    let r = post(
        ANALYZE,
        r#"{"comment": {"text": "hello"}, "context": {"entries": [{"text": "a"}, {"text": "b"}]}, "requestedAttributes": {"TOXICITY": {}}}"#,
    );
    assert_eq!(r.status, 200, "{r:?}");
}
