//! The drop-in APIs on the wire: the exact bytes the vendors' unmodified client libraries
//! send (keep-alive, their header sets, keys in the query string), and what of it may reach
//! the log. Golden examples and sources: `compat.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use super::compat::{keys, model_id, openai_result, utf16_slice, ANALYZE, MODERATIONS};
use super::{Server, ALLOW_TEXT, REMOVE_TEXT};

/// A response read off a raw connection: status, lower-cased headers, body.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

/// Writes `request` as is and reads one response (by `Content-Length`), leaving the
/// connection open for the next, as keep-alive clients do.
fn exchange(reader: &mut BufReader<TcpStream>, request: &[u8]) -> RawResponse {
    reader
        .get_mut()
        .write_all(request)
        .expect("request written");
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {status_line:?}"));
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line:?}");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .expect("a Content-Length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    RawResponse {
        status,
        headers,
        body: serde_json::from_slice(&body).expect("a JSON body"),
    }
}

fn connect(s: &Server) -> BufReader<TcpStream> {
    let addr = s.base.trim_start_matches("http://");
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    BufReader::new(stream)
}

/// A request as google-api-python-client 2.x sends `comments().analyze(body=…).execute()`
/// for a client built with `developerKey` (httplib2 underneath): the key and `alt=json` in
/// the query, its own header set, the body as Python's `json.dumps` writes it (ASCII-only,
/// `\u` escapes, surrogate pairs for characters outside the BMP).
fn google_python_client(host: &str, key: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /v1alpha1/comments:analyze?key={key}&alt=json HTTP/1.1\r\n\
         Host: {host}\r\n\
         content-length: {}\r\n\
         accept: application/json\r\n\
         accept-encoding: gzip, deflate\r\n\
         user-agent: (gzip)\r\n\
         x-goog-api-client: gdcl/2.154.0 gl-python/3.11.7\r\n\
         content-type: application/json\r\n\
         \r\n\
         {body}",
        body.len()
    )
    .into_bytes()
}

/// A request as openai-python 1.x sends `client.moderations.create(…)` with `base_url`
/// pointed at Warden (httpx underneath).
fn openai_python_client(host: &str, key: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /v1/moderations HTTP/1.1\r\n\
         Host: {host}\r\n\
         Accept-Encoding: gzip, deflate\r\n\
         Connection: keep-alive\r\n\
         Accept: application/json\r\n\
         Content-Type: application/json\r\n\
         User-Agent: OpenAI/Python 1.59.7\r\n\
         X-Stainless-Lang: python\r\n\
         X-Stainless-Package-Version: 1.59.7\r\n\
         X-Stainless-OS: Linux\r\n\
         X-Stainless-Arch: x64\r\n\
         X-Stainless-Runtime: CPython\r\n\
         X-Stainless-Runtime-Version: 3.11.7\r\n\
         Authorization: Bearer {key}\r\n\
         X-Stainless-Async: false\r\n\
         x-stainless-retry-count: 0\r\n\
         x-stainless-read-timeout: 600\r\n\
         Content-Length: {}\r\n\
         \r\n\
         {body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn unmodified_clients_work_over_plain_http() {
    let s = Server::start();
    let host = s.base.trim_start_matches("http://").to_string();
    let key = s.key("ingest", &["*"]);

    // Perspective's Python quickstart request, then one with an emoji and spans, on one
    // keep-alive connection.
    let mut conn = connect(&s);
    let r = exchange(
        &mut conn,
        &google_python_client(
            &host,
            &key,
            r#"{"comment": {"text": "friendly greetings from python"}, "requestedAttributes": {"TOXICITY": {}}}"#,
        ),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r
        .headers
        .iter()
        .any(|(n, v)| n == "content-type" && v.starts_with("application/json")));
    assert_eq!(keys(&r.body), ["attributeScores", "languages"]);
    let toxicity = &r.body["attributeScores"]["TOXICITY"]["summaryScore"];
    assert_eq!(toxicity["type"], "PROBABILITY");
    assert!(toxicity["value"].as_f64().unwrap() < 0.3, "{}", r.body);

    let r = exchange(
        &mut conn,
        &google_python_client(
            &host,
            &key,
            r#"{"comment": {"text": "\ud83d\ude00 you are an idiot"}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": true, "doNotStore": true}"#,
        ),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let span = &r.body["attributeScores"]["INSULT"]["spanScores"][0];
    assert_eq!(
        utf16_slice("😀 you are an idiot", &span["begin"], &span["end"]),
        "idiot"
    );
    // A refusal reaches the client as the HttpError body it parses.
    let r = exchange(
        &mut conn,
        &google_python_client(
            &host,
            &key,
            r#"{"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}}"#,
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["error"]["details"][0]["errorType"],
        "INVALID_REQUEST"
    );

    // openai-python's moderation call, then a batch, on one keep-alive connection.
    let mut conn = connect(&s);
    let r = exchange(
        &mut conn,
        &openai_python_client(
            &host,
            &key,
            r#"{"input":"I want to kill them.","model":"omni-moderation-latest"}"#,
        ),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["model"], model_id());
    assert_eq!(openai_result(&r.body["results"][0])["violence"], true);
    let r = exchange(
        &mut conn,
        &openai_python_client(
            &host,
            &key,
            &format!(
                r#"{{"input":["{ALLOW_TEXT}","{REMOVE_TEXT}"],"model":"omni-moderation-latest"}}"#
            ),
        ),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let flagged: Vec<&Value> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["flagged"])
        .collect();
    assert_eq!(flagged, [&json!(false), &json!(true)]);
    let r = exchange(
        &mut conn,
        &openai_python_client(&host, "wdn_wrong", r#"{"input":"a"}"#),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "invalid_api_key");
}

#[test]
fn keys_in_query_strings_and_texts_stay_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "wdn_compat_log_test_key_0123456789";
    let mut p = super::serve::start(
        &dir.path().join("data"),
        &[("WARDEN_ADMIN_KEY", secret), ("WARDEN_LOG", "debug")],
    );
    let stderr = p.child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut all);
        all
    });
    let text = "a very distinctive comment 7f3a";
    let res = ureq::post(&format!("{}{ANALYZE}?key={secret}&alt=json", p.base))
        .send_json(json!({"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}));
    assert_eq!(res.map(|r| r.status()).ok(), Some(200));
    let (status, _) = p.call("POST", MODERATIONS, secret, Some(json!({"input": text})));
    assert_eq!(status, 200);
    assert!(p.terminate().success());
    let log = log.join().expect("log reader");
    assert!(
        log.contains("/v1alpha1/comments:analyze"),
        "the request was logged, by route: {log}"
    );
    assert!(!log.contains(secret), "the key leaked into the log: {log}");
    assert!(!log.contains("7f3a"), "the text leaked into the log: {log}");
}
