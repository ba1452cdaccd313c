//! The moderation API, black-box: a real server on 127.0.0.1:0 in a background thread,
//! built with `warden::http::create_app` over a temporary sled directory and the real
//! engine, driven over HTTP with `ureq`. Every response is held to the API document
//! (`contract`): a status, media type or body the document does not describe fails the
//! test that received it.

mod audit;
mod caching;
mod compat;
mod compat_errors;
mod compat_wire;
mod concurrency;
mod console;
mod contract;
mod discovery;
mod errors;
mod flow;
mod matrix;
mod matrix_ctx;
mod model_cost;
mod nodes;
mod openapi;
mod operations;
mod ownership;
mod privacy;
mod reports;
mod serve;
mod stress;
mod suggest;
mod suppression;
mod transparency;
mod webhooks;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, HttpServer};
use serde_json::{json, Value};
use tempfile::TempDir;
use warden::config::Config;
use warden::http::{create_app, spawn_sweepers, AppState};
use warden::Engine;

use crate::common::model_engine;

/// The admin key every test server starts with.
pub const ADMIN: &str = "wdn_test_admin_key_0123456789";

/// The classifier every test server runs (`verdict.model.name`).
pub const MODEL_NAME: &str = "warden-minilm";

/// Plainly benign: allowed by the default policy and by [`hold_policy`].
pub const ALLOW_TEXT: &str = "have a lovely day, see you tomorrow";
/// Medium profanity and a low insult. What the default policy does with it depends on how
/// confident the classifier is (review or remove), so tests that need it in the review
/// queue submit it under [`hold_policy`], where it always waits for a person.
pub const REVIEW_TEXT: &str = "you are a f*cking idiot";
/// A high-severity threat phrase: `threat` is at least 0.95 from the wordlist alone, and
/// the classifier only ever raises it, so the default policy always removes it.
pub const REMOVE_TEXT: &str = "go drink bleach";

/// A community policy under which [`REVIEW_TEXT`] waits for a person whatever the
/// classifier's exact scores: the default thresholds, except that profanity goes to review
/// from 0.35 — below the low-severity score (0.40) a profanity word keeps even when the
/// classifier judges the text harmless — and every removal is mapped to review. Plainly
/// benign text such as [`ALLOW_TEXT`] is still allowed.
pub fn hold_policy() -> Value {
    let default = json!({"review": 0.6, "remove": 0.9});
    json!({
        "thresholds": {
            "toxicity": default,
            "profanity": {"review": 0.35, "remove": 0.9},
            "sexual": default,
            "insult": default,
            "identity_attack": default,
            "threat": default,
            "self_harm": {"review": 0.6},
        },
        "actions": {"remove": "review"},
    })
}

/// A running server; stopped and its data removed on drop.
pub struct Server {
    pub base: String,
    agent: ureq::Agent,
    handle: ServerHandle,
    state: web::Data<AppState>,
    thread: Option<JoinHandle<()>>,
    dir: TempDir,
    /// Every `(method, template, status)` a response of this server was checked against.
    checked: Mutex<BTreeSet<contract::Checked>>,
}

/// A response: status, `Retry-After`, and the body as JSON (or a JSON string if it was
/// not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub retry_after: Option<String>,
    pub cache_control: Option<String>,
    pub body: Value,
}

impl Resp {
    /// The error code of an error response.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

/// With `WARDEN_TEST_STORE=postgres` (and the cluster of `tests/with-postgres.sh`), test
/// servers store in a fresh PostgreSQL database each instead of sled.
pub fn test_store_url(dir: &std::path::Path) -> Option<String> {
    on_postgres().then(|| crate::common::postgres_for(&dir.display().to_string()))
}

/// Whether test servers store in PostgreSQL (`WARDEN_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("WARDEN_TEST_STORE").is_ok_and(|s| s == "postgres")
}

impl Server {
    pub fn start() -> Server {
        Server::with(|_| {})
    }

    /// A server whose configuration `tweak` adjusts.
    pub fn with(tweak: impl FnOnce(&mut Config)) -> Server {
        Server::with_engine(model_engine(), tweak)
    }

    /// A server on `engine` (the test classifier's, for [`Server::with`]), whose
    /// configuration `tweak` adjusts.
    pub fn with_engine(engine: &Engine, tweak: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config {
            data_dir: dir.path().join("data"),
            admin_key: Some(ADMIN.to_string()),
            ..Config::default()
        };
        config.engine.workers = 2;
        if let Some(url) = test_store_url(dir.path()) {
            config.store.url = Some(url);
        }
        tweak(&mut config);
        config.validate().expect("test configuration is valid");
        let (state, shown) = AppState::open(config, engine.clone()).expect("state opens");
        assert!(shown.is_none(), "a configured admin key is never printed");
        let (tx, rx) = mpsc::channel();
        let app_state = state.clone();
        let thread = std::thread::spawn(move || {
            let state = app_state;
            actix_web::rt::System::new()
                .block_on(async move {
                    let _sweepers = spawn_sweepers(&state);
                    let server = HttpServer::new(move || create_app(state.clone()))
                        .workers(2)
                        .disable_signals()
                        .bind(("127.0.0.1", 0))?;
                    let addr = server.addrs()[0];
                    let server = server.run();
                    tx.send((addr, server.handle())).expect("test is waiting");
                    server.await
                })
                .expect("server runs");
        });
        let (addr, handle) = rx.recv().expect("server started");
        Server {
            base: format!("http://{addr}"),
            agent: ureq::AgentBuilder::new().build(),
            handle,
            state,
            thread: Some(thread),
            dir,
            checked: Mutex::new(BTreeSet::new()),
        }
    }

    /// Holds a response to the API document (see `contract`), panicking with the
    /// mismatch, and records what it was checked against.
    fn check(&self, method: &str, path: &str, status: u16, content_type: Option<&str>, body: &str) {
        match contract::check(method, path, status, content_type, body) {
            Ok(Some(checked)) => {
                self.checked.lock().unwrap().insert(checked);
            }
            Ok(None) => {}
            Err(mismatch) => panic!("response not as documented: {mismatch}"),
        }
    }

    /// The `(method, template, status)`s this server's responses were checked against.
    pub fn checked(&self) -> BTreeSet<contract::Checked> {
        self.checked.lock().unwrap().clone()
    }

    /// The server's data directory (sled's files and the key vault).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Makes everything written so far durable (as a graceful stop would).
    pub fn flush(&self) {
        self.state.flush().expect("flush");
    }

    /// The status of opening a stream (with any key, or none), closing it at once.
    pub fn stream_status(&self, path: &str, key: Option<&str>) -> Resp {
        match key {
            Some(key) => match self.stream(path, key, None) {
                Ok(_) => Resp {
                    status: 200,
                    retry_after: None,
                    cache_control: None,
                    body: Value::Null,
                },
                Err(r) => r,
            },
            None => self.call("GET", path, None, None),
        }
    }

    /// Opens a Server-Sent Events stream: its status and, on 200, a reader of events.
    /// Reads time out after a minute so a broken stream fails the test, not hangs it.
    pub fn stream(
        &self,
        path: &str,
        key: &str,
        last_event_id: Option<u64>,
    ) -> Result<Events, Resp> {
        let agent = ureq::AgentBuilder::new()
            .timeout_read(Duration::from_secs(60))
            .build();
        let mut req = agent
            .get(&format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {key}"));
        if let Some(id) = last_event_id {
            req = req.set("Last-Event-ID", &id.to_string());
        }
        match req.call() {
            Ok(res) => {
                assert_eq!(res.header("Content-Type"), Some("text/event-stream"));
                self.check("GET", path, res.status(), res.header("Content-Type"), "");
                Ok(Events {
                    reader: BufReader::new(Box::new(res.into_reader())),
                })
            }
            Err(ureq::Error::Status(status, res)) => {
                let cache_control = res.header("Cache-Control").map(str::to_string);
                let content_type = res.header("Content-Type").map(str::to_string);
                let text = res.into_string().unwrap_or_default();
                self.check("GET", path, status, content_type.as_deref(), &text);
                Err(Resp {
                    status,
                    retry_after: None,
                    cache_control,
                    body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
                })
            }
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    /// Sends a request with an optional bearer key and an optional raw body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> Resp {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.set("Authorization", &format!("Bearer {key}"));
        }
        let result = match body {
            Some((content_type, bytes)) => req.set("Content-Type", content_type).send_bytes(bytes),
            None => req.call(),
        };
        let res = match result {
            Ok(res) | Err(ureq::Error::Status(_, res)) => res,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = res.status();
        let retry_after = res.header("Retry-After").map(str::to_string);
        let cache_control = res.header("Cache-Control").map(str::to_string);
        let content_type = res.header("Content-Type").map(str::to_string);
        let text = res.into_string().expect("readable body");
        self.check(method, path, status, content_type.as_deref(), &text);
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            retry_after,
            cache_control,
            body,
        }
    }

    pub fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<&Value>) -> Resp {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON"));
        self.raw(
            method,
            path,
            key,
            bytes.as_deref().map(|b| ("application/json", b)),
        )
    }

    pub fn get(&self, path: &str, key: &str) -> Resp {
        self.call("GET", path, Some(key), None)
    }

    pub fn post(&self, path: &str, key: &str, body: Value) -> Resp {
        self.call("POST", path, Some(key), Some(&body))
    }

    pub fn put(&self, path: &str, key: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(key), Some(&body))
    }

    pub fn delete(&self, path: &str, key: &str) -> Resp {
        self.call("DELETE", path, Some(key), None)
    }

    /// Creates a key through the API; its secret.
    pub fn key(&self, role: &str, communities: &[&str]) -> String {
        let r = self.post(
            "/v1/keys",
            ADMIN,
            json!({"role": role, "communities": communities}),
        );
        assert_eq!(r.status, 201, "{r:?}");
        r.body["key"].as_str().expect("secret").to_string()
    }

    /// Submits content; the response.
    pub fn submit(&self, key: &str, community: &str, content_id: &str, text: &str) -> Resp {
        self.post(
            "/v1/content",
            key,
            json!({"community": community, "content_id": content_id, "author_id": "author-1", "text": text}),
        )
    }

    /// Gives `community` the [`hold_policy`] (as the bootstrap admin).
    pub fn hold_for_review(&self, community: &str) {
        let r = self.put(
            &format!("/v1/communities/{community}/policy"),
            ADMIN,
            hold_policy(),
        );
        assert_eq!(r.status, 200, "{r:?}");
    }

    /// Submits [`REVIEW_TEXT`] under the [`hold_policy`], which it first (re)sets for
    /// `community`, whatever policy the community had; the id of the item, waiting in the
    /// review queue with a verdict from the classifier.
    pub fn queued(&self, key: &str, community: &str, content_id: &str) -> String {
        self.hold_for_review(community);
        let r = self.submit(key, community, content_id, REVIEW_TEXT);
        assert_eq!(r.status, 201, "{r:?}");
        assert_eq!(r.body["action"], "review", "{r:?}");
        assert_eq!(r.body["queue"], "review", "{r:?}");
        assert_eq!(r.body["verdict"]["model"]["name"], MODEL_NAME, "{r:?}");
        r.body["item_id"].as_str().expect("item id").to_string()
    }

    /// The kinds of an item's events, in order.
    pub fn event_kinds(&self, item: &str) -> Vec<String> {
        let r = self.get(&format!("/v1/items/{item}/events"), ADMIN);
        assert_eq!(r.status, 200, "{r:?}");
        r.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["kind"].as_str().expect("kind").to_string())
            .collect()
    }
}

/// One Server-Sent Event.
#[derive(Debug)]
pub struct Event {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Value,
}

/// The events of an open stream, in order (comments skipped).
pub struct Events {
    reader: BufReader<Box<dyn Read + Send + Sync>>,
}

impl Events {
    /// The next event; panics if the stream ends or stalls for a minute.
    pub fn next_event(&mut self) -> Event {
        let (mut id, mut event, mut data) = (None, None, String::new());
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("stream readable");
            assert!(n > 0, "the stream ended");
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !data.is_empty() || event.is_some() {
                    let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    // The document says each `rule` event carries a `Rule`.
                    if event.as_deref() == Some("rule") {
                        if let Err(mismatch) = contract::check_component("Rule", &data) {
                            panic!("stream event not as documented: {mismatch}");
                        }
                    }
                    return Event { id, event, data };
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_string();
            match field {
                "id" => id = Some(value),
                "event" => event = Some(value),
                "data" => data.push_str(&value),
                _ => {}
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.close_streams();
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(true));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
