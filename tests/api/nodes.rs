//! Several `warden serve` processes on one PostgreSQL database, as a deployment behind a
//! load balancer runs them: claims never hand one item out twice, the suppression feed
//! is gap-free and the same on every node, and a change on one node (a decision, a key
//! revocation) reaches the others. Needs the cluster of `tests/with-postgres.sh`; says
//! so and passes without it.

use std::collections::HashSet;
use std::io::BufReader;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::serve::{start, Process};
use super::{hold_policy, Events, ADMIN, REVIEW_TEXT};

/// A node on `url`, patterns only (the classifier is not what this tests).
fn node(url: &str) -> Process {
    let dir = tempfile::tempdir().expect("temp dir");
    start(
        dir.path(),
        &[
            ("WARDEN_STORE_URL", url),
            ("WARDEN_ADMIN_KEY", ADMIN),
            ("WARDEN_PATTERNS_ONLY", "true"),
            ("WARDEN_RATE_LIMIT_PER_SECOND", "0"),
        ],
    )
}

/// Calls `f` until it returns `Some`, for up to `limit`; how long it took.
fn within<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> (T, Duration) {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return (v, started.elapsed());
        }
        assert!(started.elapsed() < limit, "not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The whole feed as one node serves it.
fn feed(node: &Process, key: &str) -> Vec<Value> {
    let mut rules = Vec::new();
    let mut after = 0;
    loop {
        let (status, body) = node.call(
            "GET",
            &format!("/v1/suppressions?after={after}&limit=1000"),
            key,
            None,
        );
        assert_eq!(status, 200, "{body}");
        let page = body["rules"].as_array().expect("rules").clone();
        let next = body["next"].as_u64().expect("next");
        if page.is_empty() {
            return rules;
        }
        rules.extend(page);
        after = next;
    }
}

fn new_key(node: &Process, role: &str) -> (String, String) {
    let (status, body) = node.call(
        "POST",
        "/v1/keys",
        ADMIN,
        Some(json!({"role": role, "communities": ["c", "h"]})),
    );
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().expect("id").to_string(),
        body["key"].as_str().expect("secret").to_string(),
    )
}

#[test]
fn two_nodes_share_one_queue_one_feed_and_one_key_ring() {
    if crate::common::postgres().is_none() {
        eprintln!("no WARDEN_TEST_PG_URL: skipped (run under tests/with-postgres.sh)");
        return;
    }
    let url = crate::common::postgres_for(&format!("nodes-{}", std::process::id()));
    // One after the other: the first creates the admin key, the second finds it.
    let a = node(&url);
    let b = node(&url);
    let nodes = [&a, &b];

    let (status, body) = a.call(
        "PUT",
        "/v1/communities/c/policy",
        ADMIN,
        Some(hold_policy()),
    );
    assert_eq!(status, 200, "{body}");
    let (_, ingest) = new_key(&a, "ingest");
    let (_, feed_key) = new_key(&b, "feed");
    // Keys made on one node work on the other once it has followed the change.
    for (n, key) in [(&b, &ingest), (&a, &feed_key)] {
        within(Duration::from_secs(10), || {
            let (status, _) = n.call("GET", "/v1/keys/self", key, None);
            (status == 200).then_some(())
        });
    }

    const ITEMS: usize = 64;
    for i in 0..ITEMS {
        let (status, body) = nodes[i % 2].call(
            "POST",
            "/v1/content",
            &ingest,
            Some(json!({"community": "c", "content_id": format!("n{i}"),
                        "author_id": format!("author-{}", i % 7), "text": REVIEW_TEXT})),
        );
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["queue"], "review", "{body}");
    }

    // 16 moderators, half on each node, claim and decide until the queue is empty.
    let moderators: Vec<(usize, String)> = (0..16)
        .map(|m| (m % 2, new_key(nodes[m % 2], "moderator").1))
        .collect();
    for (n, key) in &moderators {
        let other = nodes[1 - n];
        within(Duration::from_secs(10), || {
            (other.call("GET", "/v1/keys/self", key, None).0 == 200).then_some(())
        });
    }
    let handed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = moderators
            .iter()
            .enumerate()
            .map(|(m, (n, key))| {
                let node = nodes[*n];
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let (status, body) =
                            node.call("POST", "/v1/queue/claim", key, Some(json!({"limit": 2})));
                        assert_eq!(status, 200, "{body}");
                        let items = body["items"].as_array().expect("items").clone();
                        if items.is_empty() {
                            return mine;
                        }
                        for item in items {
                            let id = item["item_id"].as_str().expect("id").to_string();
                            let action = if (m + mine.len()) % 2 == 0 {
                                "remove"
                            } else {
                                "approve"
                            };
                            let (status, body) = node.call(
                                "POST",
                                &format!("/v1/items/{id}/decision"),
                                key,
                                Some(json!({"action": action, "reason": "two nodes"})),
                            );
                            assert_eq!(status, 200, "{body}");
                            mine.push(id);
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("moderator"))
            .collect()
    });
    let mut seen = HashSet::new();
    for id in handed.iter().flatten() {
        assert!(seen.insert(id.clone()), "{id} handed out twice");
    }
    assert_eq!(seen.len(), ITEMS, "every item decided exactly once");
    for id in &seen {
        let (status, body) = b.call("GET", &format!("/v1/items/{id}"), ADMIN, None);
        assert_eq!(status, 200);
        assert_eq!(body["status"], "decided", "{body}");
    }

    // The feed: gap-free from 1, and the same on both nodes once both caught up.
    let (rules, _) = within(Duration::from_secs(10), || {
        let (fa, fb) = (feed(&a, &feed_key), feed(&b, &feed_key));
        (!fa.is_empty() && fa == fb).then_some(fa)
    });
    for (i, rule) in rules.iter().enumerate() {
        assert_eq!(
            rule["seq"].as_u64(),
            Some(i as u64 + 1),
            "the feed has a gap"
        );
    }

    // A decision on A reaches B's stream.
    let last = rules.last().and_then(|r| r["seq"].as_u64()).expect("seq");
    let res = ureq::AgentBuilder::new()
        .timeout_read(Duration::from_secs(60))
        .build()
        .get(&format!("{}/v1/suppressions/stream?after={last}", b.base))
        .set("Authorization", &format!("Bearer {feed_key}"))
        .call()
        .expect("stream opens");
    let mut events = Events {
        reader: BufReader::new(res.into_reader()),
    };
    let (status, body) = a.call(
        "POST",
        "/v1/content",
        &ingest,
        Some(
            json!({"community": "c", "content_id": "late", "author_id": "late-author",
                    "text": REVIEW_TEXT}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let late = body["item_id"].as_str().expect("id").to_string();
    let (moderator_node, moderator) = &moderators[0];
    let on = nodes[*moderator_node];
    let (status, body) = on.call(
        "POST",
        "/v1/queue/claim",
        moderator,
        Some(json!({"limit": 1})),
    );
    assert_eq!(status, 200, "{body}");
    let decided = Instant::now();
    let (status, body) = on.call(
        "POST",
        &format!("/v1/items/{late}/decision"),
        moderator,
        Some(json!({"action": "remove", "reason": "late"})),
    );
    assert_eq!(status, 200, "{body}");
    let event = events.next_event();
    let latency = decided.elapsed();
    assert_eq!(
        event.data["seq"].as_u64(),
        Some(last + 1),
        "{:?}",
        event.data
    );
    assert_eq!(event.data["reason"]["item_id"], late.as_str());
    eprintln!("a decision on one node reached the other's stream in {latency:?}");

    // A key revoked on A is refused on B.
    let (key_id, secret) = new_key(&a, "moderator");
    within(Duration::from_secs(10), || {
        (b.call("GET", "/v1/keys/self", &secret, None).0 == 200).then_some(())
    });
    let (status, body) = a.call("DELETE", &format!("/v1/keys/{key_id}"), ADMIN, None);
    assert_eq!(status, 200, "{body}");
    let ((), latency) = within(Duration::from_secs(10), || {
        (b.call("GET", "/v1/keys/self", &secret, None).0 == 401).then_some(())
    });
    eprintln!("a key revoked on one node was refused on the other after {latency:?}");

    // A community policy changed on A applies on B, which has the old one cached.
    let mut n = 0;
    let mut submit_on_b = || {
        n += 1;
        let (status, body) = b.call(
            "POST",
            "/v1/content",
            &ingest,
            Some(
                json!({"community": "c", "content_id": format!("policy-{n}"),
                        "author_id": "policy-author", "text": super::REMOVE_TEXT}),
            ),
        );
        assert_eq!(status, 201, "{body}");
        body
    };
    assert_eq!(submit_on_b()["queue"], "review", "held for review first");
    let mut policy = hold_policy();
    policy.as_object_mut().expect("object").remove("actions");
    let (status, body) = a.call("PUT", "/v1/communities/c/policy", ADMIN, Some(policy));
    assert_eq!(status, 200, "{body}");
    let ((), latency) = within(Duration::from_secs(10), || {
        submit_on_b()["queue"].is_null().then_some(())
    });
    eprintln!("a policy changed on one node applied on the other after {latency:?}");
}

/// `warden migrate-store` copies a sled deployment into PostgreSQL: a node on the copy
/// serves the same items, feed, keys and audit log, opens the authors' texts (their keys
/// came along), and a second copy into the now non-empty database is refused.
#[test]
fn migrate_store_copies_a_sled_deployment() {
    if crate::common::postgres().is_none() {
        eprintln!("no WARDEN_TEST_PG_URL: skipped (run under tests/with-postgres.sh)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let env = [
        ("WARDEN_ADMIN_KEY", ADMIN),
        ("WARDEN_PATTERNS_ONLY", "true"),
        ("WARDEN_RATE_LIMIT_PER_SECOND", "0"),
        ("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", "true"),
    ];
    let sled = start(&data, &env);
    let (status, _) = sled.call(
        "PUT",
        "/v1/communities/h/policy",
        ADMIN,
        Some(hold_policy()),
    );
    assert_eq!(status, 200);
    let (_, ingest) = new_key(&sled, "ingest");
    let (_, feed_key) = new_key(&sled, "feed");
    // A webhook (its deliveries fail: nothing listens on port 9) so the outbox and the
    // delivery log have rows to copy.
    let (status, hook) = sled.call(
        "POST",
        "/v1/communities/c/webhooks",
        ADMIN,
        Some(json!({"url": "http://127.0.0.1:9/hook", "events": ["item.auto_decided"]})),
    );
    assert_eq!(status, 201, "{hook}");
    let hook = hook["webhook_id"].as_str().unwrap().to_string();
    let mut items = Vec::new();
    for i in 0..6 {
        let (community, text) = if i % 2 == 0 {
            ("c", super::REMOVE_TEXT)
        } else {
            ("h", REVIEW_TEXT)
        };
        let (status, body) = sled.call(
            "POST",
            "/v1/content",
            &ingest,
            Some(
                json!({"community": community, "content_id": format!("m{i}"),
                        "author_id": format!("author-{i}"), "text": text}),
            ),
        );
        assert_eq!(status, 201, "{body}");
        items.push(body["item_id"].as_str().unwrap().to_string());
    }
    // A report (with its reporter's sealed comment) and a trusted flagger.
    let (status, body) = sled.call(
        "POST",
        "/v1/reports",
        ADMIN,
        Some(
            json!({"community": "h", "content_id": "m1", "reporter_id": "rep-1",
                    "reason": "insult", "comment": "see this"}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = sled.call(
        "PUT",
        "/v1/communities/h/trusted-flaggers/rep-9",
        ADMIN,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let deliveries = |node: &Process| {
        let path = format!("/v1/communities/c/webhooks/{hook}/deliveries");
        let (status, d) = node.call("GET", &path, ADMIN, None);
        assert_eq!(status, 200, "{d}");
        let mut events: Vec<String> = d["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{} {} {}", d["seq"], d["type"], d["item_id"]))
            .collect();
        events.sort();
        events
    };
    // Each auto-removed item in `c` made one delivery.
    let (before_deliveries, _) = within(Duration::from_secs(10), || {
        let d = deliveries(&sled);
        (d.len() == 3).then_some(d)
    });
    let reported = format!("/v1/items/{}?reveal=pii", items[1]);
    let (_, before_reported) = sled.call("GET", &reported, ADMIN, None);
    assert_eq!(
        before_reported["reports"]["items"][0]["comment"], "see this",
        "{before_reported}"
    );
    let (_, before_hooks) = sled.call("GET", "/v1/communities/c/webhooks", ADMIN, None);
    let (status, _) = sled.call("DELETE", "/v1/subjects/author-2?community=c", &ingest, None);
    assert_eq!(status, 200);
    let operations = "/v1/reports/operations?community=c";
    let (_, before_operations) = sled.call("GET", operations, ADMIN, None);
    let before_feed = feed(&sled, &feed_key);
    let (_, before_audit) = sled.call("GET", "/v1/audit?limit=1000", ADMIN, None);
    let (_, before_queue) = sled.call("GET", "/v1/queue?limit=100", ADMIN, None);
    assert!(!before_feed.is_empty());
    assert!(sled.terminate().success());

    let url = crate::common::postgres_for(&format!("migrate-{}", std::process::id()));
    let copy = |to: &str| {
        std::process::Command::new(crate::common::warden_bin())
            .args(["migrate-store", "--from"])
            .arg(&data)
            .args(["--to", to])
            .env("WARDEN_LOG", "warn")
            .output()
            .expect("runs")
    };
    let out = copy(&url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("items: 6"), "{printed}");
    assert!(printed.contains("copied and verified"), "{printed}");

    let pg = node(&url);
    assert_eq!(
        feed(&pg, &feed_key),
        before_feed,
        "the same feed, seq by seq"
    );
    let (_, after_audit) = pg.call("GET", "/v1/audit?limit=1000", ADMIN, None);
    assert_eq!(after_audit, before_audit);
    let (_, after_queue) = pg.call("GET", "/v1/queue?limit=100", ADMIN, None);
    assert_eq!(after_queue, before_queue);
    let (_, after_reported) = pg.call("GET", &reported, ADMIN, None);
    assert_eq!(
        after_reported["reports"], before_reported["reports"],
        "the report, its comment opened with the reporter's copied key"
    );
    let (_, after_operations) = pg.call("GET", operations, ADMIN, None);
    // (The rest of the report is about its time window, which moved.)
    assert_eq!(
        after_operations["decisions"], before_operations["decisions"],
        "the operations tallies"
    );
    assert_eq!(before_operations["decisions"]["automated"], 3);
    let (_, after_hooks) = pg.call("GET", "/v1/communities/c/webhooks", ADMIN, None);
    assert_eq!(after_hooks, before_hooks);
    assert_eq!(deliveries(&pg), before_deliveries, "the delivery log");
    for table in [
        "reporters",
        "webhooks",
        "deliveries",
        "operations",
        "subject_keys",
    ] {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("{table}: ")))
            .unwrap_or_else(|| panic!("no count for {table}: {printed}"));
        assert_ne!(line, format!("{table}: 0"), "{printed}");
    }
    let (status, export) = pg.call(
        "GET",
        "/v1/subjects/author-1/export?community=h",
        &ingest,
        None,
    );
    assert_eq!(status, 200, "{export}");
    assert_eq!(
        export["communities"][0]["items"][0]["revisions"][0]["text"], REVIEW_TEXT,
        "the author's text opens: its key was copied"
    );
    let (_, erased) = pg.call("GET", "/v1/subjects/author-2/export", &ingest, None);
    assert_eq!(
        erased["communities"],
        json!([]),
        "the erased author stays erased"
    );

    let again = copy(&url);
    assert!(!again.status.success());
    let why = String::from_utf8_lossy(&again.stderr);
    assert!(why.contains("not empty"), "{why}");
}

/// A node that cannot use the database refuses to start and says why: unreachable, a
/// schema newer than it knows, a role without the privileges it needs.
#[test]
fn a_refused_start_names_the_problem() {
    use warden::store::PgStore;
    let Some(base) = crate::common::postgres() else {
        eprintln!("no WARDEN_TEST_PG_URL: skipped (run under tests/with-postgres.sh)");
        return;
    };
    let refusal = |url: &str| match PgStore::open(url) {
        Ok(_) => panic!("opened {url}"),
        Err(e) => e.to_string(),
    };
    // Port 1 on loopback: nothing listens there.
    let why = refusal("postgres://warden@127.0.0.1:1/nowhere");
    assert!(why.contains("cannot reach 127.0.0.1:1/nowhere"), "{why}");

    let url = crate::common::postgres_for(&format!("refused-{}", std::process::id()));
    drop(PgStore::open(&url).expect("opens"));
    crate::common::postgres_exec(
        &url,
        "INSERT INTO warden_schema (version, name) VALUES (99, 'from the future')",
    );
    let why = refusal(&url);
    assert!(why.contains("schema is version 99"), "{why}");
    assert!(why.contains("upgrade Warden"), "{why}");

    crate::common::postgres_exec(
        &url,
        "DELETE FROM warden_schema WHERE version = 99; \
         DO $$ BEGIN CREATE ROLE warden_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
         GRANT SELECT ON warden_schema TO warden_reader",
    );
    let reader = url.replacen("postgres://warden@", "postgres://warden_reader@", 1);
    assert!(reader != url && reader.starts_with(&base.replacen("warden@", "warden_reader@", 1)));
    let why = refusal(&reader);
    assert!(why.contains("missing privilege"), "{why}");
    assert!(why.contains("warden_counters"), "{why}");
}

/// Both nodes run the webhook delivery worker over one outbox: every event committed on
/// either node reaches the receiver once (one node's worker runs a pass at a time, under
/// a session advisory lock; the fan-out cursor row is locked too).
#[test]
fn two_nodes_deliver_one_outbox_once_each_event() {
    if crate::common::postgres().is_none() {
        eprintln!("no WARDEN_TEST_PG_URL: skipped (run under tests/with-postgres.sh)");
        return;
    }
    let url = crate::common::postgres_for(&format!("hooks-{}", std::process::id()));
    let start_node = || {
        let dir = tempfile::tempdir().expect("temp dir");
        start(
            dir.path(),
            &[
                ("WARDEN_STORE_URL", url.as_str()),
                ("WARDEN_ADMIN_KEY", ADMIN),
                ("WARDEN_PATTERNS_ONLY", "true"),
                ("WARDEN_RATE_LIMIT_PER_SECOND", "0"),
                ("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", "true"),
            ],
        )
    };
    let a = start_node();
    let b = start_node();
    let receiver = super::webhooks::Receiver::start(Vec::new());
    let (status, body) = a.call(
        "POST",
        "/v1/communities/w/webhooks",
        ADMIN,
        Some(json!({"url": receiver.url, "events": ["item.auto_decided"]})),
    );
    assert_eq!(status, 201, "{body}");
    let mut committed = HashSet::new();
    for i in 0..30 {
        let node = if i % 2 == 0 { &a } else { &b };
        let (status, body) = node.call(
            "POST",
            "/v1/content",
            ADMIN,
            Some(
                json!({"community": "w", "content_id": format!("c{i}"), "author_id": "a",
                        "text": super::ALLOW_TEXT}),
            ),
        );
        assert_eq!(status, 201, "{body}");
        committed.insert(body["item_id"].as_str().expect("item id").to_string());
    }
    let got = receiver.wait_for("every committed event", |g| {
        let items: HashSet<String> = g
            .iter()
            .filter_map(|r| r.json()["data"]["item_id"].as_str().map(str::to_string))
            .collect();
        committed.iter().all(|i| items.contains(i))
    });
    let ids: HashSet<&str> = got.iter().map(|g| g.header("webhook-id")).collect();
    assert_eq!(
        ids.len(),
        committed.len(),
        "one outbox event per committed item"
    );
    // The receiver answers 200 at once: nothing is retried, so nothing comes twice.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.received().len(), ids.len(), "no event sent twice");
}
