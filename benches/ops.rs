//! Running a moderation team at scale (`make bench-ops`, figures in BENCHMARKS.md):
//!
//! * `dashboard`: writes about 1,000,000 events through the store (submissions, automatic
//!   decisions, claims, decisions, appeals and their decisions, spread over 7 days and 10
//!   communities, 5,000 items left waiting), then starts the release `warden serve` on
//!   that data and times `GET /v1/reports/operations` over 30 days (all communities, and
//!   one), and `GET /metrics`;
//! * `samples`: 30 days (less an hour) of queue samples, one a minute for 10
//!   communities × 3 queues (1,294,200), and their hourly tier (21,600 rows), written
//!   through the store; times reading them in-process (each tier, 7 and 30 days), then
//!   starts the release `warden serve` on that data and times
//!   `GET /v1/reports/operations` over 30 days, 7 days (the default) and 1 day (every
//!   sample). Runnable alone: minutes, not the hour the 1,000,000-event `dashboard` takes;
//! * `bulk`: 10,000 items of one author (half waiting for review, half automatically
//!   allowed), then `POST /v1/items:bulk` removing all of them while 4 clients keep
//!   submitting; the bulk call's wall time, and submit latency before and during it.
//!
//! `cargo bench --bench ops -- [dashboard|samples|bulk] [--events N]`. Under `cargo test` it does
//! nothing (it needs the release binary and minutes).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use warden::clock::Timestamp;
use warden::domain::event::Remarks;
use warden::domain::item::{DecisionAction, Item, QueueName, Submission};
use warden::domain::queue_samples::{period_start, roll_up, thin, QueueSample, SampleTier};
use warden::ids::{CommunityId, ContentText, ItemId, KeyId};
use warden::store::{SledStore, Store};
use warden::{Action, Engine};

#[path = "common/server.rs"]
mod server;
use server::Server;

const ADMIN: &str = "wdn_ops_bench_admin_key_0123456789";
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let events: u64 = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let named: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["dashboard", "samples", "bulk"].contains(a))
        .collect();
    let all = named.is_empty();
    if all || named.contains(&"dashboard") {
        dashboard(events);
    }
    if all || named.contains(&"samples") {
        samples();
    }
    if all || named.contains(&"bulk") {
        bulk(true);
        bulk(false);
    }
}

/// The server under test: this build's, or `WARDEN_BENCH_BINARY` (another build's, to
/// compare two under the same conditions in one run).
fn binary() -> PathBuf {
    std::env::var_os("WARDEN_BENCH_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_warden")))
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(600))
        .build()
}

fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
    let req = agent
        .request(method, url)
        .set("Authorization", &format!("Bearer {ADMIN}"));
    let res = match body {
        Some(b) => req.send_json(b.clone()),
        None => req.call(),
    };
    let res = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = res.status();
    let text = res.into_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Milliseconds at quantile `q` of sorted microseconds.
fn quantile(sorted_us: &[u64], q: f64) -> f64 {
    let i = ((sorted_us.len() as f64 * q).ceil() as usize).saturating_sub(1);
    sorted_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

// ---- dashboard over 1,000,000 events ------------------------------------------------

/// Writes about `target` events; returns how many.
fn generate(dir: &Path, target: u64) -> u64 {
    let store = SledStore::open(dir, 512 << 20).expect("store opens");
    let engine = Engine::builder().build().expect("engine");
    let texts = [
        ("have a lovely day, see you tomorrow", Action::Allow),
        ("thanks for the help with the garden", Action::Allow),
        ("you are a f*cking idiot", Action::Review),
        ("go drink bleach", Action::Remove),
    ];
    let verdicts: Vec<_> = texts.iter().map(|(t, _)| engine.score(t)).collect();
    let start = Timestamp::now().millis() - 7 * DAY_MS;
    let moderators: Vec<KeyId> = (0..20).map(|_| KeyId::random()).collect();
    let remarks = Remarks {
        reason: "bench".into(),
        ..Remarks::default()
    };
    let mut events = 0u64;
    let mut n = 0u64;
    let mut waiting_left = 5_000u64;
    let began = Instant::now();
    while events < target {
        let mut batch = Vec::with_capacity(500);
        for _ in 0..500 {
            // Two automatic decisions for each item sent to review.
            let kind = match n % 3 {
                0 => 2,
                1 => 0,
                _ => (n / 3 % 2) as usize * 3,
            };
            let at = Timestamp::from_millis(start + (n as i64 * 7 * DAY_MS) / (target as i64 / 2));
            batch.push(Submission {
                new_id: ItemId::random(),
                community: format!("c{}", n % 10).parse().expect("community"),
                content_id: format!("x{n}").parse().expect("content id"),
                author_id: format!("a{}", n % 2_000).parse().expect("author"),
                ownership_change: false,
                text: ContentText::new(texts[kind].0).expect("text"),
                context: None,
                verdict: verdicts[kind].clone(),
                action: texts[kind].1,
                labels: Vec::new(),
                actor: moderators[0].clone(),
                at,
            });
            n += 1;
        }
        for done in store.submit(&batch).expect("submit") {
            let item = done.item;
            events += item.last_seq;
            if item.queue != Some(QueueName::Review) {
                continue;
            }
            if events > target.saturating_sub(100_000) && waiting_left > 0 {
                waiting_left -= 1;
                continue;
            }
            let t = item.submitted_at.millis();
            let who = &moderators[(item.id.as_bytes()[0] % 20) as usize];
            let ms = Timestamp::from_millis;
            let claim =
                |i: &mut Item| i.claim(QueueName::Review, who, ms(t + 60_000), ms(t + 660_000));
            store.update(&item.id, &claim).expect("claim");
            let remove = item.id.as_bytes()[1] % 2 == 0;
            let action = if remove {
                DecisionAction::Remove
            } else {
                DecisionAction::Approve
            };
            let decide = |i: &mut Item| i.decide(who, false, action, &remarks, ms(t + 300_000));
            store.update(&item.id, &decide).expect("decide");
            events += 2;
            if remove && item.id.as_bytes()[2] % 5 == 0 {
                let appeal =
                    |i: &mut Item| i.appeal(&moderators[0], "please".into(), ms(t + 3_600_000));
                store.update(&item.id, &appeal).expect("appeal");
                let reverse = |i: &mut Item| {
                    i.decide(
                        &moderators[1],
                        true,
                        DecisionAction::Approve,
                        &remarks,
                        ms(t + 7_200_000),
                    )
                };
                store.update(&item.id, &reverse).expect("appeal decision");
                events += 2;
            }
        }
    }
    store.flush().expect("flush");
    println!(
        "dashboard: wrote {events} events ({n} items) in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    events
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn time_get(agent: &ureq::Agent, url: &str, runs: usize) -> Vec<f64> {
    let mut out: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let (status, _) = call(agent, "GET", url, None);
            assert_eq!(status, 200, "{url}");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    out.sort_by(f64::total_cmp);
    out
}

fn dashboard(target: u64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let events = generate(&data, target);
    println!(
        "dashboard: the data directory holds {:.2} GiB",
        dir_bytes(&data) as f64 / (1u64 << 30) as f64
    );
    // sled lets go of its lock from a background thread after the store is dropped.
    std::thread::sleep(Duration::from_secs(2));
    let server = Server::start_in(&binary(), ADMIN, &data);
    let agent = agent();
    let from = Timestamp::from_millis(Timestamp::now().millis() - 30 * DAY_MS);
    for (what, path) in [
        (
            "operations, 30 days, every community",
            format!("/v1/reports/operations?from={from}"),
        ),
        (
            "operations, 30 days, one community",
            format!("/v1/reports/operations?from={from}&community=c3"),
        ),
        (
            "operations, 7 days (the default)",
            "/v1/reports/operations".to_string(),
        ),
        ("/metrics (trailing 24 h)", "/metrics".to_string()),
    ] {
        let url = format!("{}{}", server.base, path);
        let ms = time_get(&agent, &url, 7);
        println!(
            "dashboard: {what} over {events} events: min {:.1} ms, median {:.1} ms, max {:.1} ms",
            ms[0],
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    }
    let (_, report) = call(
        &agent,
        "GET",
        &format!("{}/v1/reports/operations", server.base),
        None,
    );
    let waiting: u64 = report["queues_now"]
        .as_array()
        .map(|q| q.iter().filter_map(|x| x["depth"].as_u64()).sum())
        .unwrap_or(0);
    println!(
        "dashboard: {waiting} items waiting; {} moderator decisions in the last 7 days",
        report["decisions"]["moderator"]
    );
}

// ---- queue depth and age over 30 days of samples ------------------------------------

/// Writes `days` of one-a-minute samples of 10 communities × 3 queues that never empty
/// (the most a report can read), ending now, and their hourly tier as the sampler would
/// have kept it (`roll_up` of each hour's samples); returns the samples written.
fn generate_samples(store: &SledStore, days: i64) -> u64 {
    let end = period_start(Timestamp::now(), 60).millis();
    // A little inside the retention, so the server's sampler drops none while we time.
    let start = end - days * DAY_MS + HOUR_MS;
    let communities: Vec<CommunityId> = (0..10)
        .map(|c| format!("c{c}").parse().expect("community"))
        .collect();
    let began = Instant::now();
    let mut written = 0u64;
    let mut hour: Vec<QueueSample> = Vec::new();
    let mut at = start;
    while at < end {
        let minute = at / 60_000;
        let period: Vec<QueueSample> = communities
            .iter()
            .enumerate()
            .flat_map(|(c, community)| {
                QueueName::ALL.iter().map(move |&queue| {
                    // Depths and ages that wander, so thinning and the roll-up have
                    // maxima to find.
                    let wave = ((minute + c as i64 * 37) % 240) as u64;
                    let depth = 1 + wave + u64::from(queue.tag()) * 10;
                    QueueSample {
                        at: Timestamp::from_millis(at),
                        community: community.clone(),
                        queue,
                        depth,
                        age_p50: Some(wave * 30),
                        age_p90: Some(wave * 60),
                        oldest: Some(wave * 90 + 60),
                    }
                })
            })
            .collect();
        store
            .put_queue_samples(SampleTier::Periodic, &period)
            .expect("put samples");
        written += period.len() as u64;
        hour.extend(period);
        at += 60_000;
        if at % HOUR_MS == 0 || at >= end {
            let rows = roll_up(&[], &hour);
            store
                .put_queue_samples(SampleTier::Hourly, &rows)
                .expect("put hourly rows");
            hour.clear();
        }
    }
    store.flush().expect("flush");
    println!(
        "samples: wrote {written} samples over {days} days ({} communities × 3 queues) and \
         their hourly rows in {:.1} s",
        communities.len(),
        began.elapsed().as_secs_f64()
    );
    written
}

/// Median milliseconds of `runs` calls of `f`.
fn median_ms(runs: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut n = 0;
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            n = f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], n)
}

fn samples() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    {
        let store = SledStore::open(&data, 512 << 20).expect("store opens");
        generate_samples(&store, 30);
        println!(
            "samples: the data directory holds {:.2} GiB; load average {}",
            dir_bytes(&data) as f64 / (1u64 << 30) as f64,
            load_average()
        );
        // What a report reads and thins, in-process: every sample (the only tier before
        // the hourly one), and the hourly tier.
        let now = Timestamp::now();
        for days in [7, 30] {
            let from = Timestamp::from_millis(now.millis() - days * DAY_MS);
            for tier in [SampleTier::Periodic, SampleTier::Hourly] {
                let (ms, rows) = median_ms(5, || {
                    let read = store.queue_samples(tier, from, now).expect("read");
                    let n = read.len();
                    std::hint::black_box(thin(read, from, now));
                    n
                });
                println!(
                    "samples: in-process read + thin, {days} days, {tier:?} tier: {rows} rows, \
                     median of 5 {ms:.1} ms"
                );
            }
        }
    }
    // sled lets go of its lock from a background thread after the store is dropped.
    std::thread::sleep(Duration::from_secs(2));
    let server = Server::start_in(&binary(), ADMIN, &data);
    let agent = agent();
    let now = Timestamp::now().millis();
    let from = |days: i64| Timestamp::from_millis(now - days * DAY_MS);
    for (what, path) in [
        (
            "30 days (hourly tier)",
            format!("/v1/reports/operations?from={}", from(30)),
        ),
        (
            "7 days, the default (hourly tier)",
            "/v1/reports/operations".to_string(),
        ),
        (
            "1 day (every sample: up to 25 hours)",
            format!("/v1/reports/operations?from={}", from(1)),
        ),
    ] {
        let url = format!("{}{}", server.base, path);
        let ms = time_get(&agent, &url, 9);
        let (_, body) = call(&agent, "GET", &url, None);
        println!(
            "samples: GET operations, {what}: {} points (hourly: {}), min {:.1} ms, median \
             {:.1} ms, max {:.1} ms; load average {}",
            body["queue_samples"].as_array().map_or(0, Vec::len),
            body["queue_samples_hourly"],
            ms[0],
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            load_average()
        );
    }
    drop(server);
    // The data directory goes with `dir` (disk is shared).
}

// ---- bulk decision of 10,000 items --------------------------------------------------

fn submitters(
    base: &str,
    stop: Arc<AtomicBool>,
    tag: &'static str,
) -> Vec<std::thread::JoinHandle<Vec<u64>>> {
    (0..4)
        .map(|c| {
            let url = format!("{base}/v1/content");
            let stop = stop.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let mut lat = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({"community": "bench", "content_id": format!("{tag}-{c}-{i}"),
                                      "author_id": format!("user{}", i % 50), "text": "see you at the meetup tonight"});
                    let t = Instant::now();
                    let (status, _) = call(&agent, "POST", &url, Some(&body));
                    assert_eq!(status, 201);
                    lat.push(t.elapsed().as_micros() as u64);
                    i += 1;
                }
                lat
            })
        })
        .collect()
}

fn collect(handles: Vec<std::thread::JoinHandle<Vec<u64>>>) -> Vec<u64> {
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("submitter"))
        .collect();
    all.sort_unstable();
    all
}

/// `one_author`: the 10,000 items are one author's, selected by `author_id` (half of them
/// waiting, half automatically allowed); else 10,000 authors' waiting items, selected by
/// `queue`.
/// The 1, 5 and 15 minute load averages (the machine is shared: figures need them).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn bulk(one_author: bool) {
    let name = if one_author {
        "bulk, one author"
    } else {
        "bulk, by queue"
    };
    let server = Server::start(&binary(), ADMIN);
    let agent = agent();
    let base = server.base.clone();
    let hold = json!({"thresholds": {"profanity": {"review": 0.35, "remove": 0.9}, "insult": {"review": 0.6, "remove": 0.9}},
                      "actions": {"remove": "review"}});
    let (s, b) = call(
        &agent,
        "PUT",
        &format!("{base}/v1/communities/bench/policy"),
        Some(&hold),
    );
    assert_eq!(s, 200, "{b}");
    let began = Instant::now();
    for chunk in 0..10 {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                let text = if n % 2 == 0 || !one_author { "you are a f*cking idiot" } else { "have a lovely day" };
                let author = if one_author { "spammer".to_string() } else { format!("author{n}") };
                json!({"community": "bench", "content_id": format!("spam-{n}"), "author_id": author, "text": text})
            })
            .collect();
        let (s, b) = call(
            &agent,
            "POST",
            &format!("{base}/v1/content:batch"),
            Some(&json!({"items": items})),
        );
        assert_eq!(s, 200, "{b}");
    }
    println!(
        "{name}: 10,000 items submitted in {:.1} s",
        began.elapsed().as_secs_f64()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let handles = submitters(&base, stop.clone(), "before");
    std::thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    let before = collect(handles);

    let stop = Arc::new(AtomicBool::new(false));
    let handles = submitters(&base, stop.clone(), "during");
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    let filter = if one_author {
        json!({"community": "bench", "author_id": "spammer"})
    } else {
        json!({"community": "bench", "queue": "review"})
    };
    let body = json!({"filter": filter, "action": "remove", "reason": "spam wave"});
    let (s, r) = call(
        &agent,
        "POST",
        &format!("{base}/v1/items:bulk"),
        Some(&body),
    );
    let wall = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    println!(
        "{name}: load average after the bulk call: {}",
        load_average()
    );
    let during = collect(handles);
    assert_eq!(s, 200, "{r}");
    println!(
        "{name}: removed {} of {} items (unchanged {}, failed {}) in {:.2} s",
        r["decided"],
        r["matched"],
        r["unchanged"],
        r["failed"],
        wall.as_secs_f64()
    );
    for (what, lat) in [("before", &before), ("during the bulk call", &during)] {
        println!(
            "{name}: submit {what}: {} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            lat.len(),
            quantile(lat, 0.5),
            quantile(lat, 0.99),
            quantile(lat, 1.0)
        );
    }
}
