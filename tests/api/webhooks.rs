//! Webhooks, black-box: a real receiver on 127.0.0.1 in the test, signatures checked with
//! the Standard Webhooks algorithm (an HMAC written here, not Warden's), retries on 5xx,
//! the delivery log, redelivery, and the outbox surviving `kill -9`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::serve;
use super::{Server, ADMIN, ALLOW_TEXT, REMOVE_TEXT};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// An HTTP receiver on a loopback port: records every request and answers with the
/// next scripted status (200 once the script is spent).
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(script: Vec<u16>) -> Receiver {
        Receiver::on(TcpListener::bind("127.0.0.1:0").expect("bind"), script)
    }

    pub fn on(listener: TcpListener, script: Vec<u16>) -> Receiver {
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (record, script) = (got.clone(), Arc::new(Mutex::new(script)));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let Some(mut req) = read_request(&mut stream) else {
                    continue;
                };
                let status = {
                    let mut s = script.lock().unwrap();
                    if s.is_empty() {
                        200
                    } else {
                        s.remove(0)
                    }
                };
                req.status = status;
                record.lock().unwrap().push(req);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (at most 30 s).
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}: got {got:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        headers,
        body,
        status: 0,
    })
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Verifies a request as the Standard Webhooks libraries do: `v1,` and base64 of
/// HMAC-SHA256(base64-decoded secret after `whsec_`, "id.timestamp.body"), and a
/// timestamp within five minutes.
pub fn verify(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ secret"))
        .expect("base64 secret");
    let ts: i64 = r.header("webhook-timestamp").parse().expect("timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - ts).abs() > 300 {
        return false;
    }
    let mut message = format!("{}.{}.", r.header("webhook-id"), ts).into_bytes();
    message.extend_from_slice(&r.body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, &message))
    );
    r.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// A server that may deliver to 127.0.0.1.
pub fn server() -> Server {
    Server::with(|c| {
        c.webhooks.allow_private_destinations = true;
        c.webhooks.poll_millis = 20;
    })
}

/// Registers a webhook for `events`; its id and secret.
pub fn register(s: &Server, community: &str, url: &str, events: &[&str]) -> (String, String) {
    let r = s.post(
        &format!("/v1/communities/{community}/webhooks"),
        ADMIN,
        json!({"url": url, "events": events}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    (
        r.body["webhook_id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

#[test]
fn deliveries_are_signed_carry_no_personal_data_and_retry_on_5xx() {
    let s = server();
    let receiver = Receiver::start(vec![500, 500]);
    let (hook, secret) = register(&s, "w", &receiver.url, &["item.auto_decided"]);

    // The secret is shown once: never in the listing.
    let list = s.get("/v1/communities/w/webhooks", ADMIN);
    assert_eq!(list.body["webhooks"][0]["webhook_id"], hook.as_str());
    assert!(list.body["webhooks"][0].get("secret").is_none(), "{list:?}");

    let r = s.post(
        "/v1/content",
        ADMIN,
        json!({"community": "w", "content_id": "c1", "author_id": "alice@example.com", "text": ALLOW_TEXT}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let item = r.body["item_id"].as_str().unwrap().to_string();

    let got = receiver.wait_for("three attempts", |g| g.len() >= 3);
    // The same event three times: the same id, each signed.
    let ids: Vec<&str> = got.iter().map(|g| g.header("webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(got.iter().all(|g| verify(&secret, g)), "signatures verify");
    assert!(!verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &got[0]));
    let body = got[0].json();
    assert_eq!(body["type"], "item.auto_decided");
    assert_eq!(body["data"]["item_id"], item.as_str());
    assert_eq!(body["data"]["content_id"], "c1");
    assert_eq!(body["data"]["outcome"], "allow");
    let raw = String::from_utf8_lossy(&got[0].body);
    assert!(!raw.contains("alice") && !raw.contains("lovely"), "{raw}");

    // The log says delivered, after three attempts.
    let start = Instant::now();
    loop {
        let d = s.get(
            &format!("/v1/communities/w/webhooks/{hook}/deliveries"),
            ADMIN,
        );
        let first = &d.body["deliveries"][0];
        if first["status"] == "delivered" {
            assert_eq!(first["attempts"], 3, "{d:?}");
            assert_eq!(first["last_status"], 200, "{d:?}");
            // Redelivery on request.
            let seq = first["seq"].as_u64().unwrap();
            let again = s.call(
                "POST",
                &format!("/v1/communities/w/webhooks/{hook}/deliveries/{seq}:retry"),
                Some(ADMIN),
                None,
            );
            assert_eq!(again.status, 200, "{again:?}");
            assert_eq!(again.body["status"], "pending");
            receiver.wait_for("the redelivery", |g| g.len() >= 4);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{d:?}");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A webhook of another community, or a deleted one, is not found.
    let other = s.get(
        &format!("/v1/communities/x/webhooks/{hook}/deliveries"),
        ADMIN,
    );
    assert_eq!(other.status, 404);
    assert_eq!(
        s.delete(&format!("/v1/communities/w/webhooks/{hook}"), ADMIN)
            .status,
        204
    );
    assert_eq!(
        s.get(
            &format!("/v1/communities/w/webhooks/{hook}/deliveries"),
            ADMIN
        )
        .status,
        404
    );
}

#[test]
fn private_destinations_are_refused_unless_allowed() {
    let s = Server::start();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "ftp://example.com/x",
        "http://user:pw@example.com/x",
        "not a url",
    ] {
        let r = s.post(
            "/v1/communities/w/webhooks",
            ADMIN,
            json!({"url": url, "events": ["item.decided"]}),
        );
        assert_eq!(r.status, 400, "{url}: {r:?}");
    }
    let r = s.post(
        "/v1/communities/w/webhooks",
        ADMIN,
        json!({"url": "https://example.com/x", "events": []}),
    );
    assert_eq!(r.status, 400, "{r:?}");
    let r = s.post(
        "/v1/communities/w/webhooks",
        ADMIN,
        json!({"url": "https://example.com/x", "events": ["item.nothing"]}),
    );
    assert_eq!(r.status, 400, "{r:?}");
}

#[test]
fn decisions_and_erasures_reach_the_platform_in_order() {
    let s = server();
    let receiver = Receiver::start(vec![]);
    let (_, secret) = register(
        &s,
        "w",
        &receiver.url,
        &["item.decided", "item.undone", "subject.erased"],
    );
    let item = s.queued(ADMIN, "w", "c1");
    let claim = s.post("/v1/queue/claim", ADMIN, json!({"community": "w"}));
    assert_eq!(claim.status, 200, "{claim:?}");
    let d = s.post(
        &format!("/v1/items/{item}/decision"),
        ADMIN,
        json!({"action": "remove", "reason": "quoted: you are a f*cking idiot", "labels": []}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    let undo = s.call("POST", &format!("/v1/items/{item}/undo"), Some(ADMIN), None);
    assert_eq!(undo.status, 200, "{undo:?}");
    let e = s.delete("/v1/subjects/author-1?community=w", ADMIN);
    assert_eq!(e.status, 200, "{e:?}");
    let receipt = e.body["receipt_id"].as_str().unwrap().to_string();

    let got = receiver.wait_for("three events", |g| g.len() >= 3);
    let types: Vec<String> = got
        .iter()
        .map(|g| g.json()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["item.decided", "item.undone", "subject.erased"]);
    assert!(got.iter().all(|g| verify(&secret, g)));
    let raw: String = got
        .iter()
        .map(|g| String::from_utf8_lossy(&g.body).into_owned())
        .collect();
    // No moderator remark (it may quote the content), no author id.
    assert!(!raw.contains("idiot") && !raw.contains("author-1"), "{raw}");
    assert_eq!(got[2].json()["data"]["receipt_id"], receipt.as_str());
    assert_eq!(got[0].json()["data"]["action"], "remove");
}

/// `kill -9` while deliveries are in flight: some events committed and not yet fanned
/// out, some fanned out and not yet sent, some sent and not yet marked. After the restart
/// every committed event is delivered (duplicates allowed, counted).
#[test]
fn the_outbox_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env = [
        ("WARDEN_ADMIN_KEY", ADMIN),
        ("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", "true"),
    ];
    // Every third attempt fails, so retries are pending when the process dies.
    let receiver = Receiver::start(
        (0..200)
            .map(|i| if i % 3 == 2 { 503 } else { 200 })
            .collect(),
    );
    let first = serve::start(&data, &env);
    let (status, body) = first.call(
        "POST",
        "/v1/communities/w/webhooks",
        ADMIN,
        Some(json!({"url": receiver.url, "events": ["item.auto_decided"]})),
    );
    assert_eq!(status, 201, "{body}");
    let mut committed = Vec::new();
    for i in 0..40 {
        let text = if i % 2 == 0 { ALLOW_TEXT } else { REMOVE_TEXT };
        let (status, body) = first.call(
            "POST",
            "/v1/content",
            ADMIN,
            Some(json!({"community": "w", "content_id": format!("c{i}"), "author_id": "a", "text": text})),
        );
        assert_eq!(status, 201, "{body}");
        committed.push(body["item_id"].as_str().unwrap().to_string());
    }
    // SIGKILL: no graceful flush. Every 201 above was durable when it was sent.
    first.kill();
    let before = receiver.received().len();

    let second = serve::start(&data, &env);
    let got = receiver.wait_for("every committed event", |g| {
        let items: std::collections::HashSet<String> = g
            .iter()
            .map(|r| r.json()["data"]["item_id"].as_str().unwrap().to_string())
            .collect();
        committed.iter().all(|i| items.contains(i))
    });
    let distinct: std::collections::HashSet<&str> =
        got.iter().map(|g| g.header("webhook-id")).collect();
    assert_eq!(
        distinct.len(),
        committed.len(),
        "one event per committed item"
    );
    // A duplicate: an event accepted (200) more than once, sent again because the crash
    // came between the receiver's answer and its record.
    let accepted = got.iter().filter(|g| g.status == 200).count();
    let accepted_ids: std::collections::HashSet<&str> = got
        .iter()
        .filter(|g| g.status == 200)
        .map(|g| g.header("webhook-id"))
        .collect();
    eprintln!(
        "outbox after kill -9: {} events committed, {before} requests before the kill, {} in \
         all, {} answered 503 on purpose, {} duplicates",
        committed.len(),
        got.len(),
        got.len() - accepted,
        accepted - accepted_ids.len(),
    );
    drop(second);
}
