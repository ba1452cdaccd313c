//! Adversarial input shapes against `warden serve` (issue 16, point 2): what one large
//! text costs the classifier, and what it does to everyone else's latency.
//!
//! Starts the release `warden serve` (or the binary in `WARDEN_BENCH_BIN`, e.g. one built
//! from an older commit, to compare in the same run) on a fresh data directory, rate
//! limiting off, and measures, one request at a time:
//!
//! * `f64k`: `POST /v1/moderate` with 64 KiB of `f.` (65,536 tokens: 700 classifier
//!   windows when read whole), `--runs` times;
//! * `prose64k`: the same with 64 KiB of ordinary comments (`civil_spans.jsonl`, or a
//!   built-in sentence when absent);
//! * `four`: `POST /v1/moderations` with four 64 KiB `f.` strings;
//! * `small`: the latency of a short `POST /v1/moderate` — first on the idle server (the
//!   baseline), then for `--seconds` while two clients keep sending the `four` and `f64k`
//!   requests back to back — medians, p90 and the ratio loaded / idle.
//!
//! `cargo bench --bench adversarial -- [single] [small] [--runs N] [--seconds N]` (both
//! parts by default); `make bench` runs it. The loaded phase starts probes for `--seconds`
//! and waits for the last; it does not wait for the large requests still running then.
//! Under `cargo test` it does nothing (it needs the release binary and minutes).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "common/server.rs"]
mod server;
use server::Server;

const ADMIN: &str = "wdn_bench_admin_key_0123456789";
const SMALL: &str = "thanks, see you at the game tonight";

fn binary() -> PathBuf {
    std::env::var_os("WARDEN_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_warden")))
}

fn start() -> Server {
    Server::start(&binary(), ADMIN)
}

/// Sends `body` to `path`; the seconds it took and the response.
fn post(agent: &ureq::Agent, base: &str, path: &str, body: &Value) -> (f64, Value) {
    let started = Instant::now();
    let response = match agent
        .post(&format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {ADMIN}"))
        .send_json(body)
    {
        Ok(r) => r.into_json().unwrap_or(Value::Null),
        Err(ureq::Error::Status(status, r)) => {
            panic!("{path}: {status} {}", r.into_string().unwrap_or_default())
        }
        Err(e) => panic!("{path}: {e}"),
    };
    (started.elapsed().as_secs_f64(), response)
}

fn f_dots() -> String {
    "f.".repeat(32 * 1024)
}

/// 64 KiB of real comments, joined, or of one sentence repeated.
fn prose() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/train/civil_spans.jsonl");
    let mut text = String::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let Some(t) = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v.get("text")?.as_str().map(str::to_string))
        else {
            continue;
        };
        if text.len() + t.len() + 1 > 64 * 1024 {
            break;
        }
        text.push_str(&t);
        text.push(' ');
    }
    if text.len() < 32 * 1024 {
        let sentence = "the weather today is mild and the park is quiet in the afternoon. ";
        text = sentence.repeat(64 * 1024 / sentence.len());
    }
    text
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn summary(name: &str, mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    let median = quantile(&seconds, 0.5);
    println!(
        "{name:<34} n {:>3}  median {:>8.3} s  p90 {:>8.3} s  max {:>8.3} s",
        seconds.len(),
        median,
        quantile(&seconds, 0.9),
        seconds.last().copied().unwrap_or(f64::NAN),
    );
    median
}

fn coverage(verdict: &Value) -> String {
    match verdict.get("model_coverage") {
        Some(c) => format!("model read {} of {} tokens", c["read_tokens"], c["tokens"]),
        None => "model read all of it".to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return; // `cargo test` runs bench targets too: nothing to do there.
    }
    let value = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (runs, seconds) = (value("--runs", 3), value("--seconds", 30));
    let named = |part: &str| args.iter().any(|a| a == part);
    let all = !named("single") && !named("small");
    println!("binary: {}", binary().display());
    let server = start();
    let base = server.base.clone();
    let agent = ureq::AgentBuilder::new().build();
    // Load the model and warm up.
    post(&agent, &base, "/v1/moderate", &json!({ "text": SMALL }));

    let f = f_dots();
    let four = json!({ "input": [f, f, f, f] });
    if all || named("single") {
        single(&agent, &base, runs, &f, &four);
    }
    if all || named("small") {
        small(&agent, &base, seconds, &f, &four);
    }
    // Stops the server: requests still in flight fail, their threads are not waited for.
    drop(server);
    std::process::exit(0);
}

/// One large request at a time: seconds per 64 KiB.
fn single(agent: &ureq::Agent, base: &str, runs: u64, f: &str, four: &Value) {
    let prose = prose();
    let mut times = Vec::new();
    for _ in 0..runs {
        let (took, verdict) = post(agent, base, "/v1/moderate", &json!({ "text": f }));
        times.push(took);
        println!("  64 KiB of `f.`: {took:.3} s, {}", coverage(&verdict));
    }
    summary("moderate, 64 KiB of `f.`", times);
    let mut times = Vec::new();
    for _ in 0..runs {
        let (took, verdict) = post(agent, base, "/v1/moderate", &json!({ "text": prose }));
        times.push(took);
        println!(
            "  64 KiB of prose ({} bytes): {took:.3} s, {}",
            prose.len(),
            coverage(&verdict)
        );
    }
    summary("moderate, 64 KiB of prose", times);
    let (took, _) = post(agent, base, "/v1/moderations", four);
    summary("moderations, four 64 KiB of `f.`", vec![took]);
}

/// Small requests: idle, then beside two clients sending the large shapes.
fn small(agent: &ureq::Agent, base: &str, seconds: u64, f: &str, four: &Value) {
    let small = json!({ "text": SMALL });
    let idle: Vec<f64> = (0..40)
        .map(|_| post(agent, base, "/v1/moderate", &small).0)
        .collect();
    let idle = summary("small moderate, idle", idle);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let attackers: Vec<_> = [
        ("/v1/moderations", four.clone()),
        ("/v1/moderate", json!({ "text": f })),
    ]
    .into_iter()
    .map(|(path, body)| {
        let (stop, base, done) = (stop.clone(), base.to_string(), done.clone());
        std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new().build();
            while !stop.load(Ordering::Relaxed) {
                let ok = agent
                    .post(&format!("{base}{path}"))
                    .set("Authorization", &format!("Bearer {ADMIN}"))
                    .send_json(&body)
                    .is_ok();
                if ok {
                    done[usize::from(path == "/v1/moderate")].fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    })
    .collect();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let mut loaded = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) || loaded.is_empty() {
        loaded.push(post(agent, base, "/v1/moderate", &small).0);
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    let loaded = summary("small moderate, under adversarial load", loaded);
    drop(attackers);
    println!(
        "large requests completed meanwhile: {} moderations (4 × 64 KiB), {} moderate (64 KiB)",
        done[0].load(Ordering::Relaxed),
        done[1].load(Ordering::Relaxed)
    );
    println!(
        "small-request median, loaded / idle: {:.1}× ({:.3} s / {:.3} s)",
        loaded / idle,
        loaded,
        idle
    );
}
