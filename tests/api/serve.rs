//! `warden serve` and `warden keys` as operators run them: the real binary, a temporary
//! data directory, port 0.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use serde_json::{json, Value};

use super::{hold_policy, MODEL_NAME, REVIEW_TEXT};
use crate::common::warden_bin;

/// A `warden serve` process and what it printed.
pub struct Process {
    pub child: Child,
    pub base: String,
    pub admin_key: Option<String>,
}

/// Starts `warden serve` on a free port over `data`; waits until it listens.
pub fn start(data: &Path, env: &[(&str, &str)]) -> Process {
    let mut child = Command::new(warden_bin())
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        // Quiet unless a test asks for more (`env` comes after, so it wins).
        .env("WARDEN_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warden serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut admin_key = None;
    let mut key_next = false;
    for line in rx.iter() {
        if key_next {
            admin_key = Some(line.trim().to_string());
            key_next = false;
        } else if line.contains("admin API key") {
            key_next = true;
        } else if let Some(addr) = line.strip_prefix("warden: listening on ") {
            return Process {
                child,
                base: addr.trim().to_string(),
                admin_key,
            };
        }
    }
    let out = child.wait_with_output().expect("warden serve exited");
    panic!(
        "warden serve did not start: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Process {
    pub fn call(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
        let req = ureq::request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {key}"));
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match res {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                (status, r.into_json().unwrap_or(Value::Null))
            }
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// SIGKILL (`kill -9`): no graceful stop, no final flush.
    pub fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("wait");
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        self.child.wait().expect("wait")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn first_start_prints_an_admin_key_and_data_survives_a_graceful_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = start(&data, &[]);
    let admin = p
        .admin_key
        .clone()
        .expect("the first start prints the admin key");
    assert!(admin.starts_with("wdn_"));
    let (status, health) = p.call("GET", "/healthz", &admin, None);
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (status, ready) = p.call("GET", "/readyz", &admin, None);
    assert_eq!(status, 200);
    // `warden serve` runs the shipped classifier by default, and checks it is ready.
    assert_eq!(
        ready["checks"],
        json!({"store": true, "engine": true, "model": true})
    );
    // Through the policy that holds it for review, whatever the classifier's exact scores.
    let (status, r) = p.call(
        "PUT",
        "/v1/communities/c/policy",
        &admin,
        Some(hold_policy()),
    );
    assert_eq!(status, 200, "{r}");
    let (status, created) = p.call(
        "POST",
        "/v1/content",
        &admin,
        Some(json!({"community": "c", "content_id": "1", "author_id": "u", "text": REVIEW_TEXT})),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["queue"], "review", "{created}");
    assert_eq!(created["verdict"]["model"]["name"], MODEL_NAME, "{created}");
    let item = created["item_id"].as_str().unwrap().to_string();

    // While it runs, the store is locked: the CLI says so and points at the API.
    let out = Command::new(warden_bin())
        .args(["keys", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use"), "{stderr}");

    let status = p.terminate();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");

    let p = start(&data, &[]);
    assert!(
        p.admin_key.is_none(),
        "the key is printed only on first start"
    );
    let (status, got) = p.call("GET", &format!("/v1/items/{item}"), &admin, None);
    assert_eq!(status, 200);
    assert_eq!(got["text"], REVIEW_TEXT);
    let metrics = ureq::get(&format!("{}/metrics", p.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        metrics.contains("warden_queue_depth{queue=\"review\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains(
        "warden_http_requests_total{method=\"GET\",route=\"/v1/items/{id}\",status=\"200\"} 1"
    ));
    assert!(p.terminate().success());
}

#[test]
fn admin_key_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let key = "wdn_from_env_0123456789abcdef";
    let p = start(&dir.path().join("data"), &[("WARDEN_ADMIN_KEY", key)]);
    assert!(p.admin_key.is_none(), "a given key is never printed");
    assert_eq!(p.call("GET", "/v1/keys", key, None).0, 200);
}

#[test]
fn bad_configuration_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warden.toml");
    std::fs::write(&file, "[queue]\nlease = 30\n").unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(warden_bin())
            .arg("serve")
            .args(args)
            .args(["--data", dir.path().join("data").to_str().unwrap()])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["--config", file.to_str().unwrap()], &[]);
    assert!(
        err.contains("warden.toml") && err.contains("lease"),
        "{err}"
    );
    let err = run(&[], &[("WARDEN_RATE_LIMIT_BURST", "plenty")]);
    assert!(err.contains("WARDEN_RATE_LIMIT_BURST"), "{err}");
    let err = run(&[], &[("WARDEN_BIND", "localhost")]);
    assert!(err.contains("WARDEN_BIND"), "{err}");
    std::fs::write(
        &file,
        "[queue]\ndefault_lease_seconds = 10\nmax_lease_seconds = 5\n",
    )
    .unwrap();
    let err = run(&["--config", file.to_str().unwrap()], &[]);
    assert!(err.contains("queue.default_lease_seconds"), "{err}");
}

#[test]
fn keys_cli_creates_lists_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = |args: &[&str]| {
        let out = Command::new(warden_bin())
            .arg("keys")
            .args(args)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let created: Value = serde_json::from_str(&keys(&[
        "create",
        "--role",
        "moderator",
        "--communities",
        "a,b",
    ]))
    .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["key"].as_str().unwrap().to_string();
    assert_eq!(created["communities"], json!(["a", "b"]));
    let listed = keys(&["list"]);
    assert!(listed.contains(&id) && !listed.contains(&secret));
    let revoked: Value = serde_json::from_str(&keys(&["revoke", &id])).unwrap();
    assert!(revoked["revoked_at"].is_string());

    // The server knows the CLI's keys: the revoked one fails, a new admin works.
    let admin: Value =
        serde_json::from_str(&keys(&["create", "--role", "admin", "--communities", "*"])).unwrap();
    let admin = admin["key"].as_str().unwrap().to_string();
    let p = start(&data, &[]);
    assert!(p.admin_key.is_none(), "keys exist, so no bootstrap key");
    assert_eq!(p.call("GET", "/v1/keys", &admin, None).0, 200);
    assert_eq!(p.call("GET", "/v1/queue", &secret, None).0, 401);
}

/// Sends `request` on a new connection and returns the status line of the answer.
fn raw_exchange(base: &str, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .expect("timeout");
    // The server may answer and close before it has read everything (431): a failed
    // write is expected then, the answer is what counts.
    let _ = conn.write_all(request);
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn protocol_rejections_are_counted_not_logged_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = start(
        &dir.path().join("data"),
        &[
            ("WARDEN_ADMIN_KEY", "wdn_protocol_test_0123456789"),
            ("WARDEN_LOG", "info"),
        ],
    );
    let stderr = p.child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
        text
    });

    let bad_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n".to_vec();
    assert!(raw_exchange(&p.base, &bad_header).contains(" 400"));
    let mut huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 256 * 1024));
    huge.extend(b"\r\n\r\n");
    assert!(raw_exchange(&p.base, &huge).contains(" 431"));
    // A head that never ends: actix-http answers 408 after its 5 s head timeout (it logs
    // nothing for that, so there is nothing to count either).
    assert!(raw_exchange(&p.base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n").contains(" 408"));

    let metrics = ureq::get(&format!("{}/metrics", p.base))
        .call()
        .expect("metrics")
        .into_string()
        .expect("text");
    for reason in ["bad_request", "head_too_large"] {
        let line = format!("warden_http_protocol_rejections_total{{reason=\"{reason}\"}} ");
        let n: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&line))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {line}in {metrics}"));
        assert!(n >= 1, "{reason}: {n}");
    }
    assert!(p.terminate().success());
    let log = log.join().expect("log read");
    assert!(log.contains("listening"), "the log is captured: {log}");
    assert!(!log.contains("ERROR"), "{log}");
}
