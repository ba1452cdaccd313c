//! Running a moderation team: bulk decisions, the operations dashboard, the engine's
//! precision, threshold suggestions and the label export, black-box.

use serde_json::{json, Value};
use warden::clock::Timestamp;

use super::{Server, ADMIN, ALLOW_TEXT, REVIEW_TEXT};

fn submit_as(
    s: &Server,
    key: &str,
    community: &str,
    content: &str,
    author: &str,
    text: &str,
) -> Value {
    let r = s.post(
        "/v1/content",
        key,
        json!({"community": community, "content_id": content, "author_id": author, "text": text}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.body
}

fn audit(s: &Server, community: &str, action: &str) -> Vec<Value> {
    let r = s.get(
        &format!("/v1/audit?community={community}&limit=1000"),
        ADMIN,
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[test]
fn bulk_decides_an_authors_items_once_and_respects_scope_and_leases() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["bk"]);
    let outsider = s.key("moderator", &["elsewhere"]);
    s.hold_for_review("bk");
    let mut items = Vec::new();
    for n in 0..3 {
        let b = submit_as(&s, &ingest, "bk", &format!("c{n}"), "spammer", REVIEW_TEXT);
        assert_eq!(b["queue"], "review");
        items.push(b["item_id"].as_str().unwrap().to_string());
    }
    let allowed = submit_as(&s, &ingest, "bk", "c3", "spammer", ALLOW_TEXT);
    assert_eq!(allowed["action"], "allow");
    items.push(allowed["item_id"].as_str().unwrap().to_string());
    let bystander = submit_as(&s, &ingest, "bk", "c4", "someone-else", REVIEW_TEXT);
    let request = |dry_run: bool| {
        json!({"filter": {"community": "bk", "author_id": "spammer"}, "action": "remove",
               "reason": "spam wave", "dry_run": dry_run})
    };

    // A dry run says what would change and writes nothing.
    let r = s.post("/v1/items:bulk", &moderator, request(true));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (r.body["matched"].as_u64(), r.body["decided"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(r.body.get("bulk_id").is_none());
    assert!(r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == "would_decide"));
    assert_eq!(s.event_kinds(&items[0]), ["submitted"]);

    let r = s.post("/v1/items:bulk", &moderator, request(false));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (r.body["matched"].as_u64(), r.body["decided"].as_u64()),
        (Some(4), Some(4))
    );
    let bulk_id = r.body["bulk_id"].as_str().expect("a bulk id").to_string();
    for item in &items {
        let i = s.get(&format!("/v1/items/{item}"), ADMIN);
        assert_eq!(i.body["outcome"], "remove", "{i:?}");
        let e = s.get(&format!("/v1/items/{item}/events"), ADMIN);
        let last = e.body["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["kind"].as_str(), last["bulk_id"].as_str()),
            (Some("decided"), Some(bulk_id.as_str()))
        );
    }
    // The automatically allowed item names the outcome it had.
    let e = s.get(&format!("/v1/items/{}/events", items[3]), ADMIN);
    assert_eq!(e.body["events"][2]["previous_outcome"], "allow", "{e:?}");
    let i = s.get(
        &format!("/v1/items/{}", bystander["item_id"].as_str().unwrap()),
        ADMIN,
    );
    assert_eq!(
        i.body["status"], "pending",
        "another author's item is untouched"
    );
    let records = audit(&s, "bk", "items.bulk");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["target"], bulk_id.as_str());

    // Again: nothing left to change.
    let r = s.post("/v1/items:bulk", &moderator, request(false));
    assert_eq!(
        (r.body["unchanged"].as_u64(), r.body["decided"].as_u64()),
        (Some(4), Some(0)),
        "{r:?}"
    );

    // Outside the caller's scope: not found. Two selectors: refused.
    let r = s.post("/v1/items:bulk", &outsider, request(true));
    assert_eq!(r.status, 404, "{r:?}");
    let r = s.post(
        "/v1/items:bulk",
        &moderator,
        json!({"filter": {"community": "bk", "queue": "review", "author_id": "x"}, "action": "approve", "reason": "x"}),
    );
    assert_eq!((r.status, r.code()), (400, "invalid_field"), "{r:?}");

    // An item leased to another moderator fails on its own; the rest are decided.
    let other = s.key("moderator", &["bk"]);
    submit_as(&s, &ingest, "bk", "c5", "someone-else", REVIEW_TEXT);
    let claim = s.post(
        "/v1/queue/claim",
        &other,
        json!({"community": "bk", "limit": 1}),
    );
    assert_eq!(
        claim.body["items"].as_array().unwrap().len(),
        1,
        "{claim:?}"
    );
    let r = s.post(
        "/v1/items:bulk",
        &moderator,
        json!({"filter": {"community": "bk", "author_id": "someone-else"}, "action": "approve", "reason": "fine"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (r.body["decided"].as_u64(), r.body["failed"].as_u64()),
        (Some(1), Some(1)),
        "{r:?}"
    );
    let failed = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(failed["error"]["code"], "lease_conflict", "{failed:?}");
}

#[test]
fn the_operations_dashboard_counts_what_happened() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["ops"]);
    let moderator_id = s.get("/v1/keys/self", &moderator).body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut items = Vec::new();
    for n in 0..3 {
        items.push(s.queued(&ingest, "ops", &format!("q{n}")));
    }
    let claim = s.post(
        "/v1/queue/claim",
        &moderator,
        json!({"community": "ops", "limit": 2}),
    );
    let claimed: Vec<String> = claim.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(claimed.len(), 2, "{claim:?}");
    let d = s.post(
        &format!("/v1/items/{}/decision", claimed[0]),
        &moderator,
        json!({"action": "remove", "reason": "r"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    let d = s.post(
        &format!("/v1/items/{}/decision", claimed[1]),
        &moderator,
        json!({"action": "approve", "reason": "ok"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    let a = s.post(
        &format!("/v1/items/{}/appeal", claimed[0]),
        &ingest,
        json!({"statement": "please"}),
    );
    assert_eq!(a.status, 200, "{a:?}");
    let d = s.post(
        &format!("/v1/items/{}/decision", claimed[0]),
        ADMIN,
        json!({"action": "approve", "reason": "on appeal"}),
    );
    assert_eq!(d.status, 200, "{d:?}");

    let r = s.get("/v1/reports/operations?community=ops", &moderator);
    assert_eq!(r.status, 200, "{r:?}");
    let b = &r.body;
    let now: Vec<&Value> = b["queues_now"].as_array().unwrap().iter().collect();
    assert_eq!(now.len(), 1, "{b}");
    assert_eq!(
        (now[0]["queue"].as_str(), now[0]["depth"].as_u64()),
        (Some("review"), Some(1))
    );
    assert!(now[0]["oldest"].as_u64().is_some());
    let queue = |name: &str| {
        b["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["queue"] == name)
            .unwrap()
            .clone()
    };
    let review = queue("review");
    assert_eq!(
        (
            review["entered"].as_u64(),
            review["left"].as_u64(),
            review["claims"].as_u64()
        ),
        (Some(3), Some(2), Some(2)),
        "{review}"
    );
    assert_eq!(review["time_to_first_claim"]["count"], 2);
    assert_eq!(review["time_to_decision"]["count"], 2);
    assert!(review["time_to_decision"]["p50"].as_u64().is_some());
    let appeals = queue("appeals");
    assert_eq!(
        (appeals["entered"].as_u64(), appeals["left"].as_u64()),
        (Some(1), Some(1)),
        "{appeals}"
    );
    assert_eq!(appeals["time_to_decision"]["count"], 1);
    assert_eq!(b["decisions"]["moderator"], 3);
    assert_eq!(
        b["decisions"]["by_action"],
        json!({"approve": 2, "remove": 1})
    );
    assert_eq!(b["decisions"]["by_moderator"][moderator_id.as_str()], 2);
    assert_eq!(b["appeals"]["received"], 1);
    assert_eq!(b["appeals"]["reversed"], 1);
    assert_eq!(b["appeals"]["reversed_rate"], 1.0);
    // The depth over time ends at the depth now.
    let last_review = b["depth_over_time"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|p| p["queue"] == "review")
        .unwrap()
        .clone();
    assert_eq!(last_review["depth"], 1, "{last_review}");

    // Another community's moderator sees none of it; the figures are on /metrics too.
    let outsider = s.key("moderator", &["elsewhere"]);
    assert_eq!(
        s.get("/v1/reports/operations?community=ops", &outsider)
            .status,
        404
    );
    let metrics = s.call("GET", "/metrics", None, None);
    let text = metrics.body.as_str().expect("text");
    assert!(
        text.contains("warden_queue_waiting{community=\"ops\",queue=\"review\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("warden_time_to_decision_seconds_count{queue=\"review\"} 2"),
        "{text}"
    );
    assert!(text.contains("warden_appeals_reversed_24h 1"), "{text}");
}

/// `/metrics` reads the queues from the store at most every 10 seconds per node
/// (`/metrics` is public, and the read pages through every waiting item): an item queued
/// between two scrapes moments apart shows in the next read, not at once.
#[test]
fn metrics_read_the_queues_at_most_every_ten_seconds() {
    let s = Server::start();
    s.hold_for_review("ops");
    let ingest = s.key("ingest", &["ops"]);
    let waiting = |s: &Server| -> String {
        let metrics = s.call("GET", "/metrics", None, None);
        let text = metrics.body.as_str().expect("text").to_string();
        text.lines()
            .find(|l| l.starts_with("warden_queue_waiting{community=\"ops\",queue=\"review\"}"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    submit_as(&s, &ingest, "ops", "m1", "a", REVIEW_TEXT);
    let started = std::time::Instant::now();
    let first = waiting(&s);
    assert!(first.ends_with(" 1"), "{first}");
    submit_as(&s, &ingest, "ops", "m2", "a", REVIEW_TEXT);
    let second = waiting(&s);
    if started.elapsed() < std::time::Duration::from_secs(10) {
        assert_eq!(second, first, "read again within 10 s");
    }
}

/// Queue depth and age over time: one sample per community, queue and period, taken by
/// the sampler (here every second, and once more by hand so the test does not wait for
/// a tick); a queue that empties gets a zero sample. Only the caller's communities show.
#[test]
fn queue_depth_and_age_over_time_are_sampled() {
    let s = Server::with(|c| c.queue.sample_interval_seconds = 1);
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["ops"]);
    let first = s.queued(&ingest, "ops", "q0");
    s.queued(&ingest, "other", "q1");
    // Ten minutes: points of 1.2 s, so at most two one-second samples share one.
    let from = serde_json::to_value(Timestamp::from_millis(Timestamp::now().millis() - 600_000))
        .expect("a time");
    let from = from.as_str().expect("RFC 3339").to_string();
    let samples = |s: &Server| -> Vec<Value> {
        s.state.sample_queues().expect("sampled");
        let r = s.get(
            &format!("/v1/reports/operations?community=ops&from={from}"),
            &moderator,
        );
        assert_eq!(r.status, 200, "{r:?}");
        r.body["queue_samples"].as_array().expect("samples").clone()
    };
    let waited = samples(&s);
    assert!(!waited.is_empty(), "a sample of the waiting item");
    assert!(
        waited
            .iter()
            .all(|p| p["community"] == "ops" && p["queue"] == "review" && p["depth"] == 1),
        "{waited:?}"
    );
    assert!(waited[0]["oldest"].as_u64().is_some() && waited[0]["age_p90"].as_u64().is_some());

    let d = s.post(
        &format!("/v1/items/{first}/decision"),
        ADMIN,
        json!({"action": "remove", "reason": "r"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    // The next period's sample says the queue emptied.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let points = samples(&s);
        let last = points.last().expect("samples");
        if last["depth"] == 0 {
            assert_eq!(last["oldest"], Value::Null, "{last}");
            assert!(points.len() > waited.len(), "{points:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no zero sample: {points:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // The admin sees the other community's queue too.
    let r = s.get(&format!("/v1/reports/operations?from={from}"), ADMIN);
    let all = r.body["queue_samples"].as_array().unwrap();
    assert!(
        all.iter()
            .any(|p| p["community"] == "other" && p["depth"] == 1),
        "{all:?}"
    );
}

/// A window longer than a day reads the hourly tier that the sampler keeps as it goes:
/// one point per hour starting in the window, at the hour's start, holding the highest
/// figures of the hour's samples (so a peak the queue has since fallen from stays), and
/// a queue that emptied gets a zero row for the next hour. A short window still reads
/// every sample.
#[test]
fn a_long_window_reads_the_hourly_samples() {
    let s = Server::with(|c| c.queue.sample_interval_seconds = 1);
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["ops"]);
    let first = s.queued(&ingest, "ops", "h0");
    let second = s.queued(&ingest, "ops", "h1");
    s.queued(&ingest, "other", "h2");
    let time = |offset_ms: i64| -> String {
        let t = Timestamp::from_millis(Timestamp::now().millis() + offset_ms);
        let v = serde_json::to_value(t).expect("a time");
        v.as_str().expect("RFC 3339").to_string()
    };
    // `to` two hours ahead, so the emptied queue's next-hour row is in the window.
    let (long_from, long_to) = (time(-2 * 86_400_000), time(2 * 3_600_000));
    let report = |from: &str, to: &str| -> Value {
        s.state.sample_queues().expect("sampled");
        let r = s.get(
            &format!("/v1/reports/operations?community=ops&from={from}&to={to}"),
            &moderator,
        );
        assert_eq!(r.status, 200, "{r:?}");
        r.body
    };
    let review = |body: &Value| -> Vec<Value> {
        body["queue_samples"]
            .as_array()
            .expect("samples")
            .iter()
            .filter(|p| p["queue"] == "review")
            .cloned()
            .collect()
    };
    let depth_is = |body: &Value, depth: u64| {
        review(body)
            .last()
            .is_some_and(|p| p["depth"].as_u64() == Some(depth))
    };
    let wait_for = |what: &str, from: &str, to: &str, done: &dyn Fn(&Value) -> bool| -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let body = report(from, to);
            if done(&body) {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: {body}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    // Ten minutes: points of 1.2 s (a zero keeps its own point, so the drop shows).
    let short_from = time(-300_000);
    let short_to = time(300_000);
    let short = wait_for("two waiting", &short_from, &short_to, &|b| depth_is(b, 2));
    assert_eq!(short["queue_samples_hourly"], false, "{short}");

    // One decided: the samples say 1 now, the hour keeps its peak of 2.
    let d = s.post(
        &format!("/v1/items/{first}/decision"),
        ADMIN,
        json!({"action": "remove", "reason": "r"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    wait_for("one waiting", &short_from, &short_to, &|b| depth_is(b, 1));
    let long = report(&long_from, &long_to);
    assert_eq!(long["queue_samples_hourly"], true, "{long}");
    let points = long["queue_samples"].as_array().expect("samples");
    assert!(!points.is_empty(), "{long}");
    for p in points {
        let at: Timestamp = serde_json::from_value(p["at"].clone()).expect("a time");
        assert_eq!(at.millis() % 3_600_000, 0, "at an hour's start: {p}");
        assert_eq!(p["community"], "ops", "only the caller's communities: {p}");
    }
    let hours = review(&long);
    // The test may straddle an hour boundary: one or two rows, never one per sample.
    assert!((1..=2).contains(&hours.len()), "{hours:?}");
    assert!(
        hours.iter().any(|p| p["depth"] == 2),
        "the hour's peak: {hours:?}"
    );
    assert!(hours.iter().all(|p| p["oldest"].as_u64().is_some()));

    // Emptied: the hour's row keeps its peak, the next hour opens at zero.
    let d = s.post(
        &format!("/v1/items/{second}/decision"),
        ADMIN,
        json!({"action": "approve", "reason": "r"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    wait_for("emptied", &short_from, &short_to, &|b| depth_is(b, 0));
    let long = report(&long_from, &long_to);
    let hours = review(&long);
    let last = hours.last().expect("rows");
    assert_eq!(
        (&last["depth"], &last["oldest"]),
        (&json!(0), &Value::Null),
        "{hours:?}"
    );
    assert!(hours.iter().any(|p| p["depth"] == 2), "{hours:?}");

    // The admin sees the other community's hour too.
    let r = s.get(
        &format!("/v1/reports/operations?from={long_from}&to={long_to}"),
        ADMIN,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let all = r.body["queue_samples"].as_array().expect("samples");
    assert!(
        all.iter()
            .any(|p| p["community"] == "other" && p["depth"] == 1),
        "{all:?}"
    );
}

/// 40 items scoring `a` are all removed; of 20 scoring `b` (lower), 5 are removed and 15
/// approved. The suggestion and the precision follow exactly (see `domain::calibration`).
#[test]
fn precision_and_suggested_thresholds_from_known_decisions() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["cal"]);
    let hold = json!({"thresholds": {"threat": {"review": 0.3, "remove": 0.9}}, "actions": {"remove": "review"}});
    assert_eq!(s.put("/v1/communities/cal/policy", ADMIN, hold).status, 200);
    let words = json!({"block": [
        {"text": "zorkblat", "category": "threat", "severity": "high"},
        {"text": "quibblex", "category": "threat", "severity": "medium"},
    ]});
    assert_eq!(
        s.put("/v1/communities/cal/wordlist", ADMIN, words).status,
        200
    );
    let score = |text: &str, n: usize, prefix: &str| -> f64 {
        let mut scores = Vec::new();
        for i in 0..n {
            let b = submit_as(
                &s,
                &ingest,
                "cal",
                &format!("{prefix}{i}"),
                &format!("u{i}"),
                text,
            );
            assert_eq!(b["queue"], "review", "{b}");
            let threat = b["verdict"]["categories"]["threat"]
                .as_f64()
                .expect("a threat score");
            let top = b["verdict"]["categories"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(c, _)| c.as_str() != "pii")
                .map(|(_, v)| v.as_f64().unwrap())
                .fold(0.0, f64::max);
            assert_eq!(threat, top, "threat is the strongest category: {b}");
            scores.push(threat);
        }
        scores.dedup();
        assert_eq!(scores.len(), 1, "the same text scores the same");
        scores[0]
    };
    let a = score("zorkblat", 40, "a");
    let b = score("quibblex", 20, "b");
    assert!(a > b, "{a} {b}");
    let ids = |prefix: &str, range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|i| format!("{prefix}{i}")).collect()
    };
    for (contents, action) in [
        (ids("a", 0..40), "remove"),
        (ids("b", 0..5), "remove"),
        (ids("b", 5..20), "approve"),
    ] {
        let r = s.post("/v1/items:bulk", &moderator,
            json!({"filter": {"community": "cal", "content_ids": contents}, "action": action, "reason": "calibration"}));
        assert_eq!(
            (r.status, r.body["failed"].as_u64()),
            (200, Some(0)),
            "{r:?}"
        );
    }

    let r = s.get("/v1/reports/precision?community=cal", &moderator);
    assert_eq!(r.status, 200, "{r:?}");
    let rows = r.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (row["category"].as_str(), row["action"].as_str()),
        (Some("threat"), Some("review"))
    );
    assert_eq!(
        (
            row["items"].as_u64(),
            row["decided"].as_u64(),
            row["agreed"].as_u64()
        ),
        (Some(60), Some(60), Some(45))
    );
    let p = &row["precision"];
    assert_eq!(p["value"], 0.75);
    assert!(
        (p["low"].as_f64().unwrap() - 0.627_679_299_229_521_8).abs() < 1e-9,
        "{p}"
    );
    assert!(
        (p["high"].as_f64().unwrap() - 0.842_234_774_699_433_3).abs() < 1e-9,
        "{p}"
    );

    // Moderators may read precision; suggestions are the admin's.
    assert_eq!(
        s.get("/v1/communities/cal/policy:suggest", &moderator)
            .status,
        403
    );
    let r = s.get("/v1/communities/cal/policy:suggest", ADMIN);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["decisions"], 60);
    let threat = r.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "threat")
        .unwrap()
        .clone();
    let close = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-6;
    assert!(
        close(&threat["proposed"]["remove"], a) && close(&threat["proposed"]["review"], b),
        "{threat}"
    );
    assert_eq!(
        (
            threat["remove"]["items"].as_u64(),
            threat["review"]["items"].as_u64()
        ),
        (Some(40), Some(20))
    );
    assert!(
        close(&threat["remove"]["precision"], 1.0)
            && close(&threat["remove"]["recall"], 40.0 / 45.0),
        "{threat}"
    );
    assert!(
        close(&threat["review"]["precision"], 0.25) && close(&threat["review"]["recall"], 1.0),
        "{threat}"
    );
    assert!(close(&threat["review"]["share"], 20.0 / 60.0), "{threat}");
    // Label: the best F1 at or under review is review itself (40 of 45 violations at
    // `a` give 80/85, all 60 at `b` give 90/105, but `a` is above review): no band.
    assert!(close(&threat["proposed"]["label"], b), "{threat}");
    assert_eq!(threat["label"]["items"], 0, "{threat}");
    assert!(close(&threat["label"]["recall"], 1.0), "{threat}");

    // Applying it is the policy PUT, and the audit log says where it came from.
    let id = r.body["suggestion_id"].as_str().unwrap().to_string();
    let put = s.put(
        &format!("/v1/communities/cal/policy?suggestion_id={id}"),
        ADMIN,
        r.body["policy"].clone(),
    );
    assert_eq!(put.status, 200, "{put:?}");
    let records = audit(&s, "cal", "policy.put");
    let detail = records.last().unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        detail,
        format!("from suggestion {id}, thresholds as suggested")
    );

    // Too few decisions: no suggestion.
    let r = s.get("/v1/communities/empty/policy:suggest", ADMIN);
    assert_eq!((r.status, r.code()), (422, "unprocessable"), "{r:?}");

    // The label export: every decided item with its text, until its author is erased.
    let r = s.call("GET", "/v1/communities/cal/labels", Some(ADMIN), None);
    assert_eq!(r.status, 200);
    let text = r.body.as_str().expect("JSON lines").to_string();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 60);
    // Each line is the document's `LabelRecord` (the body is documented as JSON lines).
    for l in &lines {
        super::contract::check_component("LabelRecord", l).unwrap();
    }
    let removed = lines.iter().filter(|l| l["outcome"] == "remove").count();
    assert_eq!(removed, 45);
    assert!(lines
        .iter()
        .all(|l| l["reason"] == "calibration" && l["text"].is_string()));
    assert_eq!(s.delete("/v1/subjects/u0?community=cal", ADMIN).status, 200);
    let r = s.call("GET", "/v1/communities/cal/labels", Some(ADMIN), None);
    let after = r.body.as_str().unwrap().lines().count();
    assert_eq!(after, 58, "u0's two items (a0 and b0) are gone");
    assert_eq!(audit(&s, "cal", "labels.export").len(), 2);
}
