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
//!   decide, and both count as operations;
//! * `suppress`: 5,000 removals make 5,000 active suppression rules; then each client
//!   loops `POST /v1/suppressions:check` with 1,000 subjects (half of them suppressed);
//!   then one moderator decides removals one at a time while a Server-Sent Events reader
//!   follows `/v1/suppressions/stream`, timing each decision's rule from the decision's
//!   2xx to its arrival on the stream.
//!
//! * `webhooks`: `content` again with a webhook subscribed to `item.auto_decided` in
//!   every community, delivering to a receiver in this process on loopback: the submit
//!   latency with webhooks on (compare with `content` in the same run), and deliveries per
//!   second until the outbox is drained.
//!
//! `cargo bench --bench load -- [content|claim|suppress|webhooks] [--seconds N] [--clients N]
//! [--new-authors]` (`--new-authors`: every `content` request by a new author).
//! `WARDEN_BENCH_BIN` drives another `warden` binary than this build's.
//! Under `cargo test` it does nothing (it needs the release binary and minutes).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "common/server.rs"]
mod server;
use server::Server;

const ADMIN: &str = "wdn_load_admin_key_0123456789";

struct Options {
    scenarios: Vec<String>,
    seconds: u64,
    clients: usize,
    /// `content` with a new author per request (each costs a key file, see `privacy`).
    new_authors: bool,
    /// `content` and `claim` against this many `warden serve` processes sharing one
    /// PostgreSQL database (`--nodes N`, with `WARDEN_BENCH_PG_URL`), clients split
    /// evenly between them; always one on sled.
    nodes: usize,
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
        new_authors: false,
        nodes: 1,
    };
    let mut it = args.iter().filter(|a| *a != "--bench");
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => o.seconds = it.next().and_then(|v| v.parse().ok()).unwrap_or(20),
            "--clients" => o.clients = it.next().and_then(|v| v.parse().ok()).unwrap_or(16),
            "--new-authors" => o.new_authors = true,
            "--nodes" => o.nodes = it.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "content" | "claim" | "suppress" | "webhooks" => o.scenarios.push(a.clone()),
            _ => {}
        }
    }
    if o.scenarios.is_empty() {
        o.scenarios = vec!["content".into(), "claim".into()];
    }
    Some(o)
}

fn start() -> Server {
    Server::start(&binary(), ADMIN)
}

/// The `warden` binary to drive: this build's, or `WARDEN_BENCH_BIN` (an older build, to
/// compare two builds back to back on one machine).
fn binary() -> PathBuf {
    std::env::var_os("WARDEN_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_warden")))
}

/// The servers of one deployment (see `Options::nodes`). API keys and policies made on
/// the first reach the others through the database; the pause covers their caches'
/// notification (well under a second).
fn start_nodes(nodes: usize) -> Vec<Server> {
    let servers = Server::start_nodes(&binary(), ADMIN, nodes);
    println!("  {} node(s)", servers.len());
    servers
}

fn settle(servers: &[Server]) {
    if servers.len() > 1 {
        std::thread::sleep(Duration::from_millis(1500));
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
    static TOLD: AtomicBool = AtomicBool::new(false);
    let t = Instant::now();
    let status = f();
    out.push(t.elapsed().as_micros() as u64);
    if status != ok && !TOLD.swap(true, Ordering::Relaxed) {
        eprintln!("load: first unexpected status {status} (wanted {ok})");
    }
    usize::from(status != ok)
}

fn content(o: &Options) {
    let servers = start_nodes(o.nodes);
    let key = key(&servers[0].base, "ingest");
    settle(&servers);
    let texts = Arc::new(corpus());
    let urls: Vec<String> = servers
        .iter()
        .map(|s| format!("{}/v1/content", s.base))
        .collect();
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let new_authors = o.new_authors;
    let report = drive(
        if new_authors {
            "POST /v1/content (new authors)"
        } else {
            "POST /v1/content"
        },
        o.clients,
        o.seconds,
        move |c, agent, out| {
            let url = &urls[c % urls.len()];
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let text = &texts[n as usize % texts.len()];
            let author = if new_authors {
                format!("u{n}")
            } else {
                "u".to_string()
            };
            let body = json!({"community": format!("c{}", n % 8), "content_id": format!("p{n}"),
                          "author_id": author, "text": text});
            timed(out, || post(agent, url, &key, &body).0, 201)
        },
    );
    report.print();
}

/// A webhook receiver on loopback: answers every request 200 (keep-alive), counting them
/// and noting when the first and the latest came.
struct Receiver {
    url: String,
    count: Arc<std::sync::atomic::AtomicU64>,
    times: Arc<std::sync::Mutex<(Option<Instant>, Option<Instant>)>>,
}

fn receiver() -> Receiver {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let times = Arc::new(std::sync::Mutex::new((None, None)));
    let (c, t) = (count.clone(), times.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let (c, t) = (c.clone(), t.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end().to_ascii_lowercase();
                        if l.is_empty() {
                            break;
                        }
                        if let Some(v) = l.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    c.fetch_add(1, Ordering::Relaxed);
                    let now = Instant::now();
                    let mut t = t.lock().expect("times");
                    t.0.get_or_insert(now);
                    t.1 = Some(now);
                    drop(t);
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                    if reader.get_mut().write_all(ok).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Receiver { url, count, times }
}

fn webhooks(o: &Options) {
    let server = Server::start_with(
        &binary(),
        ADMIN,
        &[("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", "true")],
    );
    let key = key(&server.base, "ingest");
    let rx = receiver();
    let agent = ureq::AgentBuilder::new().build();
    for c in 0..8 {
        let url = format!("{}/v1/communities/c{c}/webhooks", server.base);
        let (status, _) = post(
            &agent,
            &url,
            ADMIN,
            &json!({"url": rx.url, "events": ["item.auto_decided"]}),
        );
        assert_eq!(status, 201, "webhook registered");
    }
    let texts = Arc::new(corpus());
    let url = format!("{}/v1/content", server.base);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let auto = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let auto_decided = auto.clone();
    let report = drive(
        "POST /v1/content (webhooks on)",
        o.clients,
        o.seconds,
        move |_, agent, out| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let text = &texts[n as usize % texts.len()];
            let body = json!({"community": format!("c{}", n % 8), "content_id": format!("p{n}"),
                          "author_id": "u", "text": text});
            let mut decided = false;
            let failed = timed(
                out,
                || {
                    let (status, v) = post(agent, &url, &key, &body);
                    decided = v["status"] == "decided";
                    status
                },
                201,
            );
            if decided {
                auto_decided.fetch_add(1, Ordering::Relaxed);
            }
            failed
        },
    );
    let ended = Instant::now();
    report.print();
    // Drained: nothing new for 3 s (warm-up submissions deliver too).
    let mut last = (rx.count.load(Ordering::Relaxed), Instant::now());
    while last.1.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(100));
        let n = rx.count.load(Ordering::Relaxed);
        if n != last.0 {
            last = (n, Instant::now());
        }
    }
    let (first, latest) = *rx.times.lock().expect("times");
    let span = match (first, latest) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    let delivered = rx.count.load(Ordering::Relaxed);
    println!(
        "  webhooks: {delivered} deliveries ({} auto-decided submissions counted during the measured window), \
         {:.0} deliveries/s over {span:.1} s, the last {:.1} s after the load ended",
        auto.load(Ordering::Relaxed),
        delivered as f64 / span.max(0.001),
        latest.map_or(0.0, |l| l.saturating_duration_since(ended).as_secs_f64()),
    );
}

fn claim(o: &Options) {
    let servers = start_nodes(o.nodes);
    let server = &servers[0];
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
            &format!(
                "{}/v1/content:batch",
                servers[(start / 1000) % servers.len()].base
            ),
            &ingest,
            &json!({ "items": batch }),
        );
        assert_eq!(status, 200);
    }
    println!(
        "queued {items} items in {:.1} s (batches of 1,000)",
        fill.elapsed().as_secs_f64()
    );
    settle(&servers);
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let report = drive(
        "claim + decide",
        o.clients,
        o.seconds,
        move |c, agent, out| {
            let key = &moderators[c];
            let base = &bases[c % bases.len()];
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
    for server in &servers {
        for route in ["/v1/queue/claim", "/v1/items/{id}/decision"] {
            println!("  {route} on {}:", server.base);
            server_side(&server.base, route);
        }
        store_calls(&server.base, "claim");
        store_calls(&server.base, "change");
    }
}

/// A server's `/metrics` text (empty if it does not answer).
fn metrics_text(base: &str) -> String {
    ureq::get(&format!("{base}/metrics"))
        .call()
        .ok()
        .and_then(|r| r.into_string().ok())
        .unwrap_or_default()
}

/// What the coalescer named `which` (`submission`, `claim` or `change`) did on one server, from
/// `/metrics`: its store calls, the requests per call and the mean call time.
fn store_calls(base: &str, which: &str) {
    let text = metrics_text(base);
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(&format!("warden_{which}_store_{name} ")))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let calls = value("seconds_count");
    if calls == 0.0 {
        return;
    }
    println!(
        "  {which} store calls: {calls}, {:.2} requests each, mean {:.2} ms, {} split",
        value("requests_total") / calls,
        value("seconds_sum") / calls * 1000.0,
        value("splits_total"),
    );
}

fn put(agent: &ureq::Agent, url: &str, key: &str, body: &Value) -> u16 {
    match agent
        .put(url)
        .set("Authorization", &format!("Bearer {key}"))
        .send_json(body)
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
        Err(e) => panic!("{url}: {e}"),
    }
}

/// The server's own view of a route from `/metrics` (request start to response ready,
/// warm-up included): mean, and the share answered within 2.5 and 5 ms.
fn server_side(base: &str, route: &str) {
    let text = metrics_text(base);
    let label = format!("route=\"{route}\"");
    let value = |suffix: &str, le: Option<&str>| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(&format!("warden_http_request_duration_seconds_{suffix}")))
            .filter(|l| l.contains(&label))
            .filter(|l| le.is_none_or(|le| l.contains(&format!("le=\"{le}\""))))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let count = value("count", None);
    if count == 0.0 {
        return;
    }
    println!(
        "  server side ({count} requests): mean {:.2} ms; within 2.5 ms {:.1}%, within 5 ms {:.1}%",
        value("sum", None) / count * 1000.0,
        value("bucket", Some("0.0025")) / count * 100.0,
        value("bucket", Some("0.005")) / count * 100.0,
    );
}

/// Milliseconds at quantile `p` of sorted microseconds.
fn quantile(sorted_us: &[u64], p: f64) -> f64 {
    let i = ((sorted_us.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

fn suppress(o: &Options) {
    let server = start();
    let ingest = key(&server.base, "ingest");
    let feed = key(&server.base, "feed");
    let moderator = key(&server.base, "moderator");
    let agent = ureq::AgentBuilder::new().build();
    let base = server.base.clone();

    // 5,000 removals, one author each: 5,000 active content rules.
    let rules = 5000;
    for start in (0..rules).step_by(1000) {
        let batch: Vec<Value> = (start..start + 1000)
            .map(|i| {
                json!({"community": format!("c{}", i % 8), "content_id": format!("p{i}"),
                       "author_id": format!("a{i}"), "text": "go drink bleach"})
            })
            .collect();
        let (status, _) = post(
            &agent,
            &format!("{base}/v1/content:batch"),
            &ingest,
            &json!({ "items": batch }),
        );
        assert_eq!(status, 200);
    }
    // `:check` with 1,000 subjects: every other one suppressed.
    let url = format!("{base}/v1/suppressions:check");
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let checker = feed.clone();
    let report = drive(
        "POST :check (1,000 subjects)",
        o.clients,
        o.seconds,
        move |_, agent, out| {
            let n = counter.fetch_add(1, Ordering::Relaxed) as usize;
            let subjects: Vec<Value> = (0..1000)
                .map(|j| {
                    let i = (n * 7919 + j * 13) % rules;
                    let id = if j % 2 == 0 {
                        format!("p{i}")
                    } else {
                        format!("missing{i}")
                    };
                    json!({"kind": "content", "community": format!("c{}", i % 8), "id": id})
                })
                .collect();
            let body = json!({"scope": "recommend", "subjects": subjects});
            let t = Instant::now();
            let (status, answer) = post(agent, &url, &checker, &body);
            out.push(t.elapsed().as_micros() as u64);
            usize::from(status != 200 || answer["suppressed"].as_array().map_or(0, Vec::len) != 500)
        },
    );
    report.print();
    server_side(&base, "/v1/suppressions:check");

    // Decision → feed: a moderator removes queued items one at a time while an SSE
    // reader follows the stream.
    let decisions = 300;
    assert_eq!(
        put(
            &agent,
            &format!("{base}/v1/communities/v/policy"),
            ADMIN,
            &json!({"thresholds": {"toxicity": {"review": 0.0}}})
        ),
        200
    );
    let batch: Vec<Value> = (0..decisions)
        .map(|i| {
            json!({"community": "v", "content_id": format!("v{i}"), "author_id": format!("b{i}"),
                        "text": "you are a f*cking idiot"})
        })
        .collect();
    let (status, _) = post(
        &agent,
        &format!("{base}/v1/content:batch"),
        &ingest,
        &json!({ "items": batch }),
    );
    assert_eq!(status, 200);
    let seen: Arc<std::sync::Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let reader = {
        let (seen, url, feed) = (
            seen.clone(),
            format!("{base}/v1/suppressions/stream?community=v"),
            feed.clone(),
        );
        std::thread::spawn(move || {
            let res = ureq::AgentBuilder::new()
                .timeout_read(Duration::from_secs(10))
                .build()
                .get(&url)
                .set("Authorization", &format!("Bearer {feed}"))
                .call()
                .expect("stream");
            for line in BufReader::new(res.into_reader()).lines() {
                let Ok(line) = line else { return };
                let Some(data) = line.strip_prefix("data: ") else {
                    continue;
                };
                let now = Instant::now();
                let Ok(rule) = serde_json::from_str::<Value>(data) else {
                    continue;
                };
                if rule["state"] == "active" && rule["reason"]["source"] == "decision" {
                    let id = rule["subject"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let mut seen = seen.lock().unwrap();
                    seen.insert(id, now);
                    if seen.len() == decisions {
                        return;
                    }
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let mut sent = Vec::with_capacity(decisions);
    for _ in 0..decisions {
        let (_, claimed) = post(
            &agent,
            &format!("{base}/v1/queue/claim"),
            &moderator,
            &json!({"community": "v"}),
        );
        let item = claimed["items"][0]["item_id"]
            .as_str()
            .expect("a queued item")
            .to_string();
        let content = claimed["items"][0]["content_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let t_send = Instant::now();
        let (status, _) = post(
            &agent,
            &format!("{base}/v1/items/{item}/decision"),
            &moderator,
            &json!({"action": "remove", "reason": "load"}),
        );
        assert_eq!(status, 200);
        sent.push((content, t_send, Instant::now()));
    }
    reader.join().expect("stream reader");
    let seen = seen.lock().unwrap();
    let (mut after_ack, mut end_to_end, mut before_ack) = (Vec::new(), Vec::new(), 0);
    for (content, t_send, t_ack) in &sent {
        let Some(t_seen) = seen.get(content) else {
            continue;
        };
        end_to_end.push(t_seen.duration_since(*t_send).as_micros() as u64);
        match t_seen.checked_duration_since(*t_ack) {
            Some(d) => after_ack.push(d.as_micros() as u64),
            None => {
                before_ack += 1;
                after_ack.push(0);
            }
        }
    }
    after_ack.sort_unstable();
    end_to_end.sort_unstable();
    println!(
        "decision -> SSE feed: {} of {decisions} rules seen; after the decision's 2xx: p50 {:.2} ms p99 {:.2} ms max {:.2} ms ({before_ack} arrived before the 2xx); decision request sent -> seen: p50 {:.2} ms p99 {:.2} ms",
        seen.len(),
        quantile(&after_ack, 0.5),
        quantile(&after_ack, 0.99),
        quantile(&after_ack, 1.0),
        quantile(&end_to_end, 0.5),
        quantile(&end_to_end, 0.99),
    );
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
            "suppress" => suppress(&o),
            "webhooks" => webhooks(&o),
            _ => {}
        }
    }
}
