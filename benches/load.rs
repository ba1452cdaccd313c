//! Load test of the moderation API on loopback (`make load`): starts the release
//! `warden serve` on a fresh data directory and drives it with closed-loop client threads
//! (keep-alive HTTP/1.1 via `ureq`), measuring every request.
//!
//! Scenarios:
//!
//! * `content`: `POST /v1/content`, each request a new item, texts from
//!   `../shared/data/train/civil_spans.jsonl` (override with `WARDEN_BENCH_CORPUS`), or a
//!   built-in mix when absent;
//! * `claim`: the queue is filled first; then each moderator loops claim (limit 1) →
//!   decide, and both count as operations.
//!
//! `cargo bench --bench load -- [content|claim] [--seconds N] [--clients N]`.
//! Under `cargo test` it does nothing (it needs the release binary and minutes).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ADMIN: &str = "wdn_load_admin_key_0123456789";

struct Options {
    scenarios: Vec<String>,
    seconds: u64,
    clients: usize,
}

fn options() -> Option<Options> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return None;
    }
    let mut o = Options {
        scenarios: Vec::new(),
        seconds: 20,
        clients: 16,
    };
    let mut it = args.iter().filter(|a| *a != "--bench");
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => o.seconds = it.next().and_then(|v| v.parse().ok()).unwrap_or(20),
            "--clients" => o.clients = it.next().and_then(|v| v.parse().ok()).unwrap_or(16),
            "content" | "claim" => o.scenarios.push(a.clone()),
            _ => {}
        }
    }
    if o.scenarios.is_empty() {
        o.scenarios = vec!["content".into(), "claim".into()];
    }
    Some(o)
}

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("WARDEN_ADMIN_KEY", ADMIN)
        .env("WARDEN_RATE_LIMIT_PER_SECOND", "0")
        .env("WARDEN_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn warden serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(addr) = line.strip_prefix("warden: listening on ") {
                    break addr.trim().to_string();
                }
            }
            _ => panic!("warden serve did not start"),
        }
    };
    Server {
        child,
        base,
        _dir: dir,
    }
}

fn corpus() -> Vec<String> {
    let path = std::env::var_os("WARDEN_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/train/civil_spans.jsonl")
        });
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .map(|c| {
            c.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
                .take(20_000)
                .collect()
        })
        .unwrap_or_default();
    if texts.is_empty() {
        eprintln!("load: {} not found; using a built-in mix", path.display());
        return [
            "have a nice day, see you at the match",
            "you are a f*cking idiot",
            "this is the dumbest take I have read all week",
            "go drink bleach",
            "Great write-up, thanks for sharing the sources!",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    texts
}

fn post(agent: &ureq::Agent, url: &str, key: &str, body: &Value) -> (u16, Value) {
    match agent
        .post(url)
        .set("Authorization", &format!("Bearer {key}"))
        .send_json(body)
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            (status, r.into_json().unwrap_or(Value::Null))
        }
        Err(e) => panic!("{url}: {e}"),
    }
}

fn key(base: &str, role: &str) -> String {
    let agent = ureq::AgentBuilder::new().build();
    let (status, k) = post(
        &agent,
        &format!("{base}/v1/keys"),
        ADMIN,
        &json!({"role": role, "communities": ["*"]}),
    );
    assert_eq!(status, 201);
    k["key"].as_str().unwrap().to_string()
}

struct Report {
    name: &'static str,
    ops: usize,
    seconds: f64,
    latencies_us: Vec<u64>,
    errors: usize,
}

impl Report {
    fn print(mut self) {
        self.latencies_us.sort_unstable();
        let q = |p: f64| {
            let i = ((self.latencies_us.len() as f64 * p).ceil() as usize).saturating_sub(1);
            self.latencies_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        println!(
            "{:<28} {:>7} ops in {:>5.1} s = {:>7.0} ops/s; latency ms p50 {:>6.2} p90 {:>6.2} p99 {:>6.2} max {:>7.2}; errors {}",
            self.name,
            self.ops,
            self.seconds,
            self.ops as f64 / self.seconds,
            q(0.50),
            q(0.90),
            q(0.99),
            self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
            self.errors
        );
    }
}

/// Runs `clients` threads of `op` for `seconds` after a 2-second warm-up; `op` returns
/// how many operations it did and whether they succeeded.
fn drive(
    name: &'static str,
    clients: usize,
    seconds: u64,
    op: impl Fn(usize, &ureq::Agent, &mut Vec<u64>) -> usize + Send + Sync + 'static,
) -> Report {
    let op = Arc::new(op);
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (op, measuring, stop) = (op.clone(), measuring.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let (mut lat, mut scratch, mut errors) = (Vec::new(), Vec::new(), 0);
                while !stop.load(Ordering::Relaxed) {
                    scratch.clear();
                    let failed = op(c, &agent, &mut scratch);
                    if measuring.load(Ordering::Relaxed) {
                        lat.extend_from_slice(&scratch);
                        errors += failed;
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (lat, e) = t.join().expect("client");
        latencies_us.extend(lat);
        errors += e;
    }
    Report {
        name,
        ops: latencies_us.len(),
        seconds: elapsed,
        latencies_us,
        errors,
    }
}

fn timed(out: &mut Vec<u64>, f: impl FnOnce() -> u16, ok: u16) -> usize {
    let t = Instant::now();
    let status = f();
    out.push(t.elapsed().as_micros() as u64);
    usize::from(status != ok)
}

fn content(o: &Options) {
    let server = start();
    let key = key(&server.base, "ingest");
    let texts = Arc::new(corpus());
    let url = format!("{}/v1/content", server.base);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let report = drive(
        "POST /v1/content",
        o.clients,
        o.seconds,
        move |_, agent, out| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let text = &texts[n as usize % texts.len()];
            let body = json!({"community": format!("c{}", n % 8), "content_id": format!("p{n}"),
                          "author_id": "u", "text": text});
            timed(out, || post(agent, &url, &key, &body).0, 201)
        },
    );
    report.print();
}

fn claim(o: &Options) {
    let server = start();
    let ingest = key(&server.base, "ingest");
    let moderators: Arc<Vec<String>> = Arc::new(
        (0..o.clients)
            .map(|_| key(&server.base, "moderator"))
            .collect(),
    );
    // Enough waiting items for the whole run (about 1,500 claims/s at most on 2 cores).
    let items = (o.seconds as usize + 4) * 1500;
    let agent = ureq::AgentBuilder::new().build();
    // Every submission goes to human review whatever the classifier says, so the queue
    // holds exactly what was sent.
    for c in 0..8 {
        let url = format!("{}/v1/communities/c{c}/policy", server.base);
        let status = match agent
            .put(&url)
            .set("Authorization", &format!("Bearer {ADMIN}"))
            .send_json(json!({"thresholds": {"toxicity": {"review": 0.0}}}))
        {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
            Err(e) => panic!("{url}: {e}"),
        };
        assert_eq!(status, 200, "PUT {url}");
    }
    let fill = Instant::now();
    for start in (0..items).step_by(1000) {
        let batch: Vec<Value> = (start..(start + 1000).min(items))
            .map(|i| {
                json!({"community": format!("c{}", i % 8), "content_id": format!("q{i}"),
                            "author_id": "u", "text": "you are a f*cking idiot"})
            })
            .collect();
        let (status, _) = post(
            &agent,
            &format!("{}/v1/content:batch", server.base),
            &ingest,
            &json!({ "items": batch }),
        );
        assert_eq!(status, 200);
    }
    println!(
        "queued {items} items in {:.1} s (batches of 1,000)",
        fill.elapsed().as_secs_f64()
    );
    let base = server.base.clone();
    let report = drive(
        "claim + decide",
        o.clients,
        o.seconds,
        move |c, agent, out| {
            let key = &moderators[c];
            let t = Instant::now();
            let (status, claimed) = post(
                agent,
                &format!("{base}/v1/queue/claim"),
                key,
                &json!({"limit": 1, "lease_seconds": 300}),
            );
            out.push(t.elapsed().as_micros() as u64);
            let Some(item) = claimed["items"][0]["item_id"].as_str() else {
                return usize::from(status != 200) + 1;
            };
            let failed = timed(
                out,
                || {
                    post(
                        agent,
                        &format!("{base}/v1/items/{item}/decision"),
                        key,
                        &json!({"action": "approve", "reason": "load"}),
                    )
                    .0
                },
                200,
            );
            failed + usize::from(status != 200)
        },
    );
    report.print();
}

fn main() {
    let Some(o) = options() else {
        println!("load: skipped (run with `make load`)");
        return;
    };
    println!(
        "load: {} client threads, {} s per scenario after 2 s warm-up, {} CPUs",
        o.clients,
        o.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for s in &o.scenarios {
        match s.as_str() {
            "content" => content(&o),
            "claim" => claim(&o),
            _ => {}
        }
    }
}
