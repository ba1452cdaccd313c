//! Prometheus metrics, hand-rolled: counters and fixed-bucket histograms behind mutexes,
//! rendered in the text exposition format at `GET /metrics`.
//!
//! Labels are bounded: routes are the route patterns (`/v1/items/{id}`), never paths.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::operations::{Histogram as OpsHistogram, QueueTally, BOUNDS};
use crate::failure::Failure;
use crate::moderation::operations::OperationsReport;

/// How long `/metrics` shows the figures it read from the store (queue depths, and the
/// trailing day's operations report) before it reads them again. Reading them pages
/// through every waiting item (depth and age per community and queue), so a read costs
/// the store time in proportion to the queues; `/metrics` is public, and without this any
/// client could make a node page through its queues as often as it liked. Scrapers ask
/// every 15–60 s, so they see every read.
pub const STORE_FIGURES_FRESH_FOR: Duration = Duration::from_secs(10);

/// What `/metrics` reads from the store: each queue's depth, and the operations report.
pub type Figures = (Vec<(&'static str, u64)>, OperationsReport);

/// A value read at most once per interval (`/metrics`' [`Figures`]), and when it was
/// read. Concurrent callers share one read: the others wait for it.
pub struct Recent<T>(tokio::sync::Mutex<Option<(Instant, Arc<T>)>>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent(tokio::sync::Mutex::new(None))
    }
}

impl<T> Recent<T> {
    /// The value read less than `fresh_for` ago, or the one `read` gives now. A failed
    /// read keeps the last value for the next caller to try again.
    pub async fn get<R, F>(&self, fresh_for: Duration, read: R) -> Result<Arc<T>, Failure>
    where
        R: FnOnce() -> F,
        F: Future<Output = Result<T, Failure>>,
    {
        let mut last = self.0.lock().await;
        if let Some((at, value)) = last.as_ref() {
            if at.elapsed() < fresh_for {
                return Ok(value.clone());
            }
        }
        let value = Arc::new(read().await?);
        *last = Some((Instant::now(), value.clone()));
        Ok(value)
    }
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(self.counts) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    decisions: BTreeMap<(&'static str, &'static str), u64>,
    submissions: BTreeMap<&'static str, u64>,
    scoring: Histogram,
    scored_texts: u64,
    flush: Histogram,
    leases_expired: u64,
    /// By [`CoalescedBy`], in its order.
    coalescers: [Turns; 3],
}

/// One coalescer's store calls: their time, the requests they carried, and the calls
/// that failed and were split.
#[derive(Default)]
struct Turns {
    calls: Histogram,
    requests: u64,
    splits: u64,
}

/// The coalescer whose store calls are counted (`moderation::{coalesce, changes,
/// claims}`).
#[derive(Debug, Clone, Copy)]
pub enum CoalescedBy {
    Submissions = 0,
    Changes = 1,
    Claims = 2,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Inner)) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner);
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.with(|m| {
            *m.requests
                .entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
            m.latency
                .entry(route.to_string())
                .or_default()
                .observe(took.as_secs_f64());
        });
    }

    /// A decision: `by` is `moderator` or `auto`.
    pub fn decision(&self, action: &'static str, by: &'static str) {
        self.with(|m| *m.decisions.entry((action, by)).or_default() += 1);
    }

    /// A submission: `created`, `revised` or `unchanged`.
    pub fn submission(&self, result: &'static str) {
        self.with(|m| *m.submissions.entry(result).or_default() += 1);
    }

    pub fn scoring_batch(&self, texts: usize, took: Duration) {
        self.with(|m| {
            m.scoring.observe(took.as_secs_f64());
            m.scored_texts += texts as u64;
        });
    }

    /// A store call of a coalescer: the requests it carried, and whether it failed and
    /// they were then stored alone.
    pub fn coalesced(&self, which: CoalescedBy, requests: usize, split: bool, took: Duration) {
        self.with(|m| {
            let turns = &mut m.coalescers[which as usize];
            turns.calls.observe(took.as_secs_f64());
            turns.requests += requests as u64;
            turns.splits += u64::from(split);
        });
    }

    pub fn flush(&self, took: Duration) {
        self.with(|m| m.flush.observe(took.as_secs_f64()));
    }

    pub fn leases_expired(&self, n: usize) {
        if n > 0 {
            self.with(|m| m.leases_expired += n as u64);
        }
    }

    /// The exposition text; `queue_depths` are read from the store by the caller.
    pub fn render(&self, queue_depths: &[(&str, u64)]) -> String {
        let m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::with_capacity(8 << 10);
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };

        head(
            &mut out,
            "warden_http_requests_total",
            "counter",
            "HTTP requests by method, route and status.",
        );
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "warden_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        head(
            &mut out,
            "warden_http_request_duration_seconds",
            "histogram",
            "HTTP request latency by route.",
        );
        for (route, h) in &m.latency {
            h.render(
                &mut out,
                "warden_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        head(
            &mut out,
            "warden_queue_depth",
            "gauge",
            "Items waiting (unleased) per queue.",
        );
        for (queue, n) in queue_depths {
            let _ = writeln!(out, "warden_queue_depth{{queue=\"{queue}\"}} {n}");
        }
        head(
            &mut out,
            "warden_decisions_total",
            "counter",
            "Decisions by action, by moderators or automatic.",
        );
        for ((action, by), n) in &m.decisions {
            let _ = writeln!(
                out,
                "warden_decisions_total{{action=\"{action}\",by=\"{by}\"}} {n}"
            );
        }
        head(
            &mut out,
            "warden_submissions_total",
            "counter",
            "Submitted content: created, revised or unchanged.",
        );
        for (result, n) in &m.submissions {
            let _ = writeln!(out, "warden_submissions_total{{result=\"{result}\"}} {n}");
        }
        head(
            &mut out,
            "warden_scoring_batch_seconds",
            "histogram",
            "Engine (model and patterns) latency per scoring batch.",
        );
        m.scoring
            .render(&mut out, "warden_scoring_batch_seconds", "");
        head(
            &mut out,
            "warden_scored_texts_total",
            "counter",
            "Texts scored by the engine.",
        );
        let _ = writeln!(out, "warden_scored_texts_total {}", m.scored_texts);
        head(
            &mut out,
            "warden_store_flush_seconds",
            "histogram",
            "Store flush (group commit) latency.",
        );
        m.flush.render(&mut out, "warden_store_flush_seconds", "");
        for ((which, help), turns) in [
            (
                "submission",
                [
                    "Store calls of the submission coalescer (one transaction each), with \
                     the time they took.",
                    "Requests the submission coalescer's store calls carried (divided by the \
                     calls: requests per transaction).",
                    "Coalesced store calls that failed, whose requests were then stored alone.",
                ],
            ),
            (
                "change",
                [
                    "Store calls of the change coalescer (decisions, releases, undos, \
                     appeals; one transaction each), with the time they took.",
                    "Requests the change coalescer's store calls carried (divided by the \
                     calls: changes per transaction).",
                    "Coalesced change calls that failed, whose requests were then written \
                     alone.",
                ],
            ),
            (
                "claim",
                [
                    "Store calls of the claim coalescer (claims of one queue and scope; one \
                     transaction each), with the time they took.",
                    "Claims the claim coalescer's store calls carried (divided by the calls: \
                     claims per transaction).",
                    "Coalesced claim calls that failed, whose claims were then made alone.",
                ],
            ),
        ]
        .into_iter()
        .zip(&m.coalescers)
        {
            coalescer(&mut out, which, turns, help);
        }
        head(
            &mut out,
            "warden_leases_expired_total",
            "counter",
            "Leases that ran out and returned items to their queue.",
        );
        let _ = writeln!(out, "warden_leases_expired_total {}", m.leases_expired);
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The operations dashboard's figures (see `moderation::operations`) over the trailing
/// 24 hours, every community: queue depth and age now per community and queue, time to
/// first claim and to decision per queue as histograms (in the tallies' bins), moderator
/// decisions per action, expired leases, undo and appeal rates, appeals reversed.
/// Decisions per moderator stay in the authenticated report: `/metrics` is public.
pub fn render_operations(out: &mut String, r: &OperationsReport) {
    let head = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    head(
        out,
        "warden_queue_waiting",
        "gauge",
        "Items waiting (unleased) per community and queue.",
    );
    for q in &r.queues_now {
        let _ = writeln!(
            out,
            "warden_queue_waiting{{community=\"{}\",queue=\"{}\"}} {}",
            escape(q.community.as_str()),
            q.queue.as_str(),
            q.depth
        );
    }
    head(
        out,
        "warden_queue_age_seconds",
        "gauge",
        "Age of waiting items per community and queue: p50, p90, and the oldest (quantile 1).",
    );
    for q in &r.queues_now {
        for (quantile, v) in [("0.5", q.age_p50), ("0.9", q.age_p90), ("1", q.oldest)] {
            if let Some(v) = v {
                let _ = writeln!(
                    out,
                    "warden_queue_age_seconds{{community=\"{}\",queue=\"{}\",quantile=\"{quantile}\"}} {v}",
                    escape(q.community.as_str()),
                    q.queue.as_str(),
                );
            }
        }
    }
    for (name, help, pick) in [
        (
            "warden_time_to_first_claim_seconds",
            "From entering a queue to the first claim, per queue, over the trailing 24 hours.",
            (|q: &QueueTally| q.first_claim.clone()) as fn(&QueueTally) -> OpsHistogram,
        ),
        (
            "warden_time_to_decision_seconds",
            "From entering a queue to the moderator's decision, per queue, over the trailing 24 hours.",
            |q: &QueueTally| q.to_decision.clone(),
        ),
    ] {
        head(out, name, "histogram", help);
        for (queue, t) in &r.totals.queues {
            let h = pick(t);
            let mut cumulative = 0;
            for (i, bound) in BOUNDS.iter().enumerate() {
                cumulative += h.bins.get(i).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "{name}_bucket{{queue=\"{queue}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{queue=\"{queue}\",le=\"+Inf\"}} {}\n{name}_sum{{queue=\"{queue}\"}} {}\n{name}_count{{queue=\"{queue}\"}} {}",
                h.count(),
                h.sum_seconds,
                h.count()
            );
        }
    }
    head(
        out,
        "warden_moderator_decisions_24h",
        "gauge",
        "Moderator decisions per action over the trailing 24 hours.",
    );
    for (action, n) in &r.decisions.by_action {
        let _ = writeln!(
            out,
            "warden_moderator_decisions_24h{{action=\"{}\"}} {n}",
            escape(action)
        );
    }
    let ratio = |v: Option<f64>| v.unwrap_or(0.0);
    for (name, help, value) in [
        (
            "warden_expired_leases_24h",
            "Leases that ran out over the trailing 24 hours.",
            r.expired_leases as f64,
        ),
        (
            "warden_undo_ratio_24h",
            "Decisions undone per moderator decision over the trailing 24 hours.",
            ratio(r.undo_rate),
        ),
        (
            "warden_appeal_ratio_24h",
            "Appeals per restrictive decision over the trailing 24 hours.",
            ratio(r.appeals.rate),
        ),
        (
            "warden_appeals_reversed_24h",
            "Appeals that reversed the decision over the trailing 24 hours.",
            r.appeals.reversed as f64,
        ),
    ] {
        head(out, name, "gauge", help);
        let _ = writeln!(out, "{name} {value}");
    }
}

/// A coalescer's series, `warden_<which>_store_*`: its store calls and their time, the
/// requests they carried, and the calls that failed and were split; `help` for each.
fn coalescer(out: &mut String, which: &str, turns: &Turns, help: [&str; 3]) {
    let Turns {
        calls,
        requests,
        splits,
    } = turns;
    let seconds = format!("warden_{which}_store_seconds");
    let _ = writeln!(
        out,
        "# HELP {seconds} {}\n# TYPE {seconds} histogram",
        help[0]
    );
    calls.render(out, &seconds, "");
    for (series, value, text) in [("requests", requests, help[1]), ("splits", splits, help[2])] {
        let name = format!("warden_{which}_store_{series}_total");
        let _ = writeln!(
            out,
            "# HELP {name} {text}\n# TYPE {name} counter\n{name} {value}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads within the interval share the last read; a failed read is tried again.
    #[test]
    fn a_recent_value_is_read_once_per_interval() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let recent: Recent<u32> = Recent::default();
        let reads = std::cell::Cell::new(0);
        let read = |fails: bool| {
            reads.set(reads.get() + 1);
            let n = reads.get();
            async move {
                if fails {
                    Err(Failure::internal("store unreachable"))
                } else {
                    Ok(n)
                }
            }
        };
        let get = |fresh_for: Duration, fails: bool| {
            runtime
                .block_on(recent.get(fresh_for, || read(fails)))
                .map(|v| *v)
                .map_err(|f| f.code())
        };
        let long = Duration::from_secs(60);
        assert_eq!(get(long, true), Err(crate::Code::Internal));
        assert_eq!(get(long, false), Ok(2));
        assert_eq!(get(long, false), Ok(2), "fresh: not read again");
        assert_eq!(
            get(long, true),
            Ok(2),
            "fresh: a failing read is not even tried"
        );
        assert_eq!(get(Duration::ZERO, false), Ok(3), "stale: read again");
        assert_eq!(reads.get(), 3);
    }
}
