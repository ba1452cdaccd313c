//! Bad input: one error shape with stable codes, the field named, no panics, and a failed
//! request changes nothing.

use serde_json::{json, Value};

use super::{Server, ADMIN};

fn content(community: &str) -> Value {
    json!({"community": community, "content_id": "x", "author_id": "u", "text": "hello"})
}

#[test]
fn malformed_bodies_name_the_field() {
    let s = Server::start();
    let post = |body: &str| {
        s.raw(
            "POST",
            "/v1/content",
            Some(ADMIN),
            Some(("application/json", body.as_bytes())),
        )
    };
    let cases: &[(&str, &str, &str)] = &[
        ("{", "invalid_json", "EOF"),
        ("", "invalid_json", "EOF"),
        ("[]", "invalid_field", "body"),
        (
            r#"{"community":"c","content_id":"x","author_id":"u","text":"t","colour":1}"#,
            "unknown_field",
            "`colour`",
        ),
        (
            r#"{"community":"c","content_id":"x","text":"t"}"#,
            "missing_field",
            "`author_id`",
        ),
        (
            r#"{"community":"not ok","content_id":"x","author_id":"u","text":"t"}"#,
            "invalid_field",
            "`community`",
        ),
        (
            r#"{"community":"c","content_id":"","author_id":"u","text":"t"}"#,
            "invalid_field",
            "`content_id`",
        ),
        (
            r#"{"community":"c","content_id":"x","author_id":"u","text":7}"#,
            "invalid_field",
            "`text`",
        ),
        (
            r#"{"community":"c","content_id":"x","author_id":"u","text":"t","context":[1]}"#,
            "invalid_field",
            "`context`",
        ),
    ];
    for (body, code, needle) in cases {
        let r = post(body);
        assert_eq!((r.status, r.code()), (400, *code), "{body}: {r:?}");
        assert!(r.message().contains(needle), "{body}: {r:?}");
    }
    let long = "x".repeat(64 * 1024 + 1);
    let r = s.post(
        "/v1/content",
        ADMIN,
        json!({"community": "c", "content_id": "x", "author_id": "u", "text": long}),
    );
    assert_eq!((r.status, r.code()), (400, "invalid_field"));
    assert!(r.message().contains("`text`"), "{r:?}");

    let r = s.post(
        "/v1/content:batch",
        ADMIN,
        json!({"items": [content("c"), {"community": "c", "content_id": "y", "author_id": "u", "text": false}]}),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("items[1].text"), "{r:?}");

    // Query strings are checked the same way.
    for (query, code, needle) in [
        ("limit=0", "invalid_field", "`limit`"),
        ("limit=ten", "invalid_field", "`limit`"),
        ("queue=later", "invalid_field", "`queue`"),
        ("cursor=zz", "invalid_field", "`cursor`"),
        ("community=a%20b", "invalid_field", "`community`"),
        ("colour=red", "unknown_field", "`colour`"),
    ] {
        let r = s.get(&format!("/v1/queue?{query}"), ADMIN);
        assert_eq!((r.status, r.code()), (400, code), "{query}: {r:?}");
        assert!(r.message().contains(needle), "{query}: {r:?}");
    }
    let r = s.post("/v1/queue/claim", ADMIN, json!({"lease_seconds": 0}));
    assert!(r.message().contains("`lease_seconds`"), "{r:?}");
    let r = s.post("/v1/queue/claim", ADMIN, json!({"limit": 100000}));
    assert_eq!((r.status, r.code()), (400, "invalid_field"));
    let r = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "boss", "communities": ["*"]}),
    );
    assert_eq!((r.status, r.code()), (400, "invalid_field"), "{r:?}");
    let r = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "feed", "communities": []}),
    );
    assert!(r.message().contains("`communities`"), "{r:?}");
}

#[test]
fn transport_errors() {
    let s = Server::with(|c| c.http.max_body_bytes = 4096);
    let big = format!(
        r#"{{"community":"c","content_id":"x","author_id":"u","text":"{}"}}"#,
        "a".repeat(5000)
    );
    let r = s.raw(
        "POST",
        "/v1/content",
        Some(ADMIN),
        Some(("application/json", big.as_bytes())),
    );
    assert_eq!((r.status, r.code()), (413, "payload_too_large"), "{r:?}");

    let ok = serde_json::to_vec(&content("c")).unwrap();
    let r = s.raw(
        "POST",
        "/v1/content",
        Some(ADMIN),
        Some(("text/plain", &ok)),
    );
    assert_eq!((r.status, r.code()), (415, "unsupported_media_type"));
    let r = s.raw(
        "POST",
        "/v1/content",
        Some(ADMIN),
        Some(("application/json; charset=utf-8", &ok)),
    );
    assert_eq!(r.status, 201, "{r:?}");

    let r = s.raw(
        "POST",
        "/v1/content",
        Some(ADMIN),
        Some(("application/json", b"\xff\xfe")),
    );
    assert_eq!(r.status, 400, "{r:?}");

    // Authentication comes before the body is looked at.
    let r = s.raw("POST", "/v1/content", None, Some(("text/plain", b"x")));
    assert_eq!((r.status, r.code()), (401, "unauthorized"));
    let r = s.call("GET", "/v1/keys", None, None);
    assert_eq!((r.status, r.code()), (401, "unauthorized"));
    let mut req =
        ureq::get(&format!("{}/v1/keys", s.base)).set("Authorization", &format!("Basic {ADMIN}"));
    req = req.set("Accept", "application/json");
    match req.call() {
        Err(ureq::Error::Status(401, _)) => {}
        other => panic!("expected 401, got {other:?}"),
    }

    let r = s.get("/v1/nothing-here", ADMIN);
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = s.call("DELETE", "/v1/content", Some(ADMIN), None);
    assert_eq!((r.status, r.code()), (405, "method_not_allowed"));
    for path in [
        "/v1/items/nope",
        "/v1/items/00000000000000000000000000000000",
    ] {
        let r = s.get(path, ADMIN);
        assert_eq!((r.status, r.code()), (404, "not_found"), "{path}");
    }
    let r = s.get("/v1/communities/a%20b/policy", ADMIN);
    assert_eq!(r.status, 404);
}

#[test]
fn default_body_limit_is_one_mebibyte() {
    let s = Server::start();
    let text = "a".repeat(1 << 20);
    let body = format!(r#"{{"items":[],"pad":"{text}"}}"#);
    let r = s.raw(
        "POST",
        "/v1/content:batch",
        Some(ADMIN),
        Some(("application/json", body.as_bytes())),
    );
    assert_eq!((r.status, r.code()), (413, "payload_too_large"), "{r:?}");
    // Just under the limit is parsed (and then refused for its unknown field).
    let body = format!(r#"{{"items":[],"pad":"{}"}}"#, "a".repeat((1 << 20) - 30));
    let r = s.raw(
        "POST",
        "/v1/content:batch",
        Some(ADMIN),
        Some(("application/json", body.as_bytes())),
    );
    assert_eq!((r.status, r.code()), (400, "unknown_field"), "{r:?}");
}

#[test]
fn semantic_errors_are_422_and_change_nothing() {
    let s = Server::start();
    let before = s.get("/v1/communities/c/policy", ADMIN).body;
    let r = s.put(
        "/v1/communities/c/policy",
        ADMIN,
        json!({"thresholds": {"insult": {"review": 0.8, "remove": 0.5}}}),
    );
    assert_eq!((r.status, r.code()), (422, "unprocessable"), "{r:?}");
    assert!(r.message().contains("thresholds.insult.remove"), "{r:?}");
    assert_eq!(s.get("/v1/communities/c/policy", ADMIN).body, before);

    let r = s.put(
        "/v1/communities/c/wordlist",
        ADMIN,
        json!({"block": [{"text": "   ", "category": "insult", "severity": "low"}]}),
    );
    assert_eq!((r.status, r.code()), (422, "unprocessable"), "{r:?}");
    let r = s.put(
        "/v1/communities/c/wordlist",
        ADMIN,
        json!({"block": [{"text": "x", "category": "pii", "severity": "low"}]}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(
        s.get("/v1/communities/c/wordlist", ADMIN).body,
        json!({"block": [], "allow": []})
    );

    let items: Vec<Value> = (0..1001)
        .map(|i| json!({"community": "c", "content_id": format!("{i}"), "author_id": "u", "text": "t"}))
        .collect();
    let r = s.post("/v1/content:batch", ADMIN, json!({ "items": items }));
    assert_eq!((r.status, r.code()), (422, "unprocessable"));
    let r = s.post(
        "/v1/content",
        ADMIN,
        json!({"community": "c", "content_id": "0", "author_id": "u", "text": "t"}),
    );
    assert_eq!(r.status, 201, "the refused batch stored nothing");

    let item = s.queued(ADMIN, "c", "q");
    let r = s.post(
        &format!("/v1/items/{item}/decision"),
        ADMIN,
        json!({"action": "label", "reason": "crude"}),
    );
    assert_eq!((r.status, r.code()), (422, "unprocessable"), "{r:?}");
    let r = s.post(
        &format!("/v1/items/{item}/decision"),
        ADMIN,
        json!({"action": "approve", "reason": " "}),
    );
    assert_eq!((r.status, r.code()), (400, "invalid_field"));
    assert_eq!(
        s.event_kinds(&item),
        ["submitted"],
        "refused decisions left no trace"
    );
    let r = s.post(
        &format!("/v1/items/{item}/appeal"),
        ADMIN,
        json!({"statement": "why"}),
    );
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
}

#[test]
fn rate_limit_per_key() {
    let s = Server::with(|c| {
        c.rate_limit.per_second = 0.01;
        c.rate_limit.burst = 3;
    });
    let other = s.key("ingest", &["*"]);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            s.get("/v1/items/00000000000000000000000000000000", &other)
                .status,
        );
    }
    assert_eq!(statuses, [404, 404, 404]);
    let r = s.get("/v1/items/00000000000000000000000000000000", &other);
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
    let wait: u64 = r.retry_after.as_deref().unwrap().parse().unwrap();
    assert!(wait >= 1, "{wait}");
    // Another key has its own bucket (the admin used one token creating `other`).
    assert_eq!(s.get("/v1/keys", ADMIN).status, 200);
    // Public endpoints are not limited.
    assert_eq!(s.call("GET", "/healthz", None, None).status, 200);
}

/// A tiny deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn no_input_makes_the_server_fail() {
    let s = Server::start();
    let fragments: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"null",
        b"true",
        b"1e999",
        b"-0",
        b"\\u0000",
        b"\"community\"",
        b"\"text\"",
        b"\"items\"",
        b"\"action\"",
        b"\"thresholds\"",
        b"\xff",
        b"\xc3\x28",
        b"\"\\ud800\"",
        b"\"c\"",
        b"\"*\"",
        b"{\"label\":2}",
        b"[[[[[[[[[[[[",
        b"\"approve\"",
        b"18446744073709551616",
        b"0.5",
        b"\"\xf0\x9f\x92\xa9\"",
    ];
    let item = s.queued(ADMIN, "c", "target");
    let paths = [
        ("POST", "/v1/moderate".to_string()),
        ("POST", "/v1/content".to_string()),
        ("POST", "/v1/content:batch".to_string()),
        ("POST", "/v1/queue/claim".to_string()),
        ("POST", format!("/v1/items/{item}/decision")),
        ("POST", format!("/v1/items/{item}/appeal")),
        ("PUT", "/v1/communities/c/policy".to_string()),
        ("PUT", "/v1/communities/c/wordlist".to_string()),
        ("POST", "/v1/keys".to_string()),
    ];
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for round in 0..300 {
        let (method, path) = rng.pick(&paths);
        let mut body = Vec::new();
        for _ in 0..(rng.next() % 12) {
            let fragment: &&[u8] = rng.pick(fragments);
            body.extend_from_slice(fragment);
        }
        let r = s.raw(method, path, Some(ADMIN), Some(("application/json", &body)));
        assert!(
            r.status < 500 && (r.status < 400 || !r.code().is_empty()),
            "round {round}: {method} {path} {:?} -> {r:?}",
            String::from_utf8_lossy(&body)
        );
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = s.raw(
        "POST",
        "/v1/content",
        Some(ADMIN),
        Some(("application/json", deep.as_bytes())),
    );
    assert_eq!(r.status, 400);
    assert_eq!(s.call("GET", "/readyz", None, None).status, 200);
}

#[test]
fn invalid_utf8_in_a_body_is_invalid_utf8() {
    let s = Server::start();
    // Well-formed JSON but for one byte that is not UTF-8 inside a string, and a body
    // that breaks off mid-character: both are `invalid_utf8`, as documented, not
    // `invalid_json`.
    let bodies: [&[u8]; 2] = [
        b"{\"community\":\"c\",\"content_id\":\"x\",\"author_id\":\"u\",\"text\":\"a\xffb\"}",
        b"{\"text\":\"\xe2\x82",
    ];
    for body in bodies {
        for path in ["/v1/content", "/v1/moderate"] {
            let r = s.raw("POST", path, Some(ADMIN), Some(("application/json", body)));
            assert_eq!((r.status, r.code()), (400, "invalid_utf8"), "{path}: {r:?}");
        }
    }
    assert_eq!(s.get("/v1/queue", ADMIN).body["items"], json!([]));
}

#[test]
fn empty_content_text_is_an_invalid_field() {
    let s = Server::start();
    let mut empty = content("c");
    empty["text"] = json!("");
    let r = s.post("/v1/content", ADMIN, empty.clone());
    assert_eq!((r.status, r.code()), (400, "invalid_field"), "{r:?}");
    assert!(r.message().contains("`text`"), "{r:?}");
    let r = s.post(
        "/v1/content:batch",
        ADMIN,
        json!({"items": [content("c"), empty]}),
    );
    assert_eq!((r.status, r.code()), (400, "invalid_field"), "{r:?}");
    assert!(r.message().contains("items[1].text"), "{r:?}");
    // Nothing was stored: the batch's first item neither.
    let r = s.get("/v1/subjects/u/export", ADMIN);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["communities"], json!([]), "{r:?}");
}

#[test]
fn moderate_echoes_a_string_or_number_id_and_refuses_anything_else() {
    let s = Server::start();
    for id in [json!("req-7"), json!(7), json!(-1.5)] {
        let r = s.post("/v1/moderate", ADMIN, json!({"text": "hello", "id": id}));
        assert_eq!(r.status, 200, "{id}: {r:?}");
        assert_eq!(r.body["id"], id, "{r:?}");
    }
    // `null` is the same as no id.
    let r = s.post("/v1/moderate", ADMIN, json!({"text": "hello", "id": null}));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["id"], Value::Null, "{r:?}");
    for id in [json!(true), json!({"a": 1}), json!(["x"])] {
        let r = s.post("/v1/moderate", ADMIN, json!({"text": "hello", "id": id}));
        assert_eq!((r.status, r.code()), (400, "invalid_field"), "{id}: {r:?}");
        assert!(r.message().contains("`id`"), "{r:?}");
    }
}

#[test]
fn a_body_that_arrives_too_slowly_gets_408() {
    use std::io::{Read, Write};
    let s = Server::with(|c| c.http.body_timeout_seconds = 1);
    let addr = s.base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let body = br#"{"text": "hello"}"#;
    let head = format!(
        "POST /v1/moderate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("head");
    let started = std::time::Instant::now();
    // A byte now and then, each well within any per-read timeout, never the whole body.
    let mut answer = Vec::new();
    for byte in &body[..body.len() - 1] {
        conn.write_all(&[*byte]).expect("a byte");
        std::thread::sleep(std::time::Duration::from_millis(300));
        conn.set_nonblocking(true).expect("nonblocking");
        let mut buf = [0u8; 4096];
        if let Ok(n) = conn.read(&mut buf) {
            answer.extend_from_slice(&buf[..n]);
        }
        conn.set_nonblocking(false).expect("blocking");
        if !answer.is_empty() {
            break;
        }
    }
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "answered after {:?}",
        started.elapsed()
    );
    // The server is fine, and a body sent at once is unaffected.
    let r = s.post("/v1/moderate", ADMIN, json!({"text": "hello"}));
    assert_eq!(r.status, 200, "{r:?}");
}
