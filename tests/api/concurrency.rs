//! Concurrent moderators and platforms.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};

use serde_json::json;

use super::{Server, ADMIN, MODEL_NAME, REVIEW_TEXT};

const MODERATORS: usize = 16;
const ITEMS: usize = 160;

#[test]
fn sixteen_moderators_never_get_the_same_item() {
    let s = Arc::new(Server::start());
    s.hold_for_review("busy");
    let ingest = s.key("ingest", &["busy"]);
    let batch: Vec<_> = (0..ITEMS)
        .map(|i| json!({"community": "busy", "content_id": format!("i{i}"), "author_id": "u", "text": REVIEW_TEXT}))
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({ "items": batch }));
    assert_eq!(r.status, 200, "{r:?}");
    let results = r.body["results"].as_array().unwrap();
    for result in results {
        assert_eq!(result["queue"], "review", "{result:?}");
        assert_eq!(result["verdict"]["model"]["name"], MODEL_NAME);
    }
    let all: BTreeSet<String> = results
        .iter()
        .map(|r| r["item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), ITEMS);
    let keys: Vec<String> = (0..MODERATORS)
        .map(|_| s.key("moderator", &["busy"]))
        .collect();

    // Phase 1: everyone claims at once until the queue is empty.
    let barrier = Arc::new(Barrier::new(MODERATORS));
    let threads: Vec<_> = keys
        .iter()
        .cloned()
        .map(|key| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut mine = Vec::new();
                loop {
                    let r = s.post(
                        "/v1/queue/claim",
                        &key,
                        json!({"community": "busy", "limit": 3, "lease_seconds": 600}),
                    );
                    assert_eq!(r.status, 200, "{r:?}");
                    let items = r.body["items"].as_array().unwrap();
                    if items.is_empty() {
                        return (key, mine);
                    }
                    mine.extend(
                        items
                            .iter()
                            .map(|i| i["item_id"].as_str().unwrap().to_string()),
                    );
                }
            })
        })
        .collect();
    let claims: Vec<(String, Vec<String>)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (m, (_, items)) in claims.iter().enumerate() {
        for item in items {
            if let Some(other) = owner.insert(item.clone(), m) {
                panic!("{item} was leased to moderators {other} and {m}");
            }
        }
    }
    assert_eq!(
        owner.keys().cloned().collect::<BTreeSet<_>>(),
        all,
        "every item claimed once"
    );

    // Phase 2: everyone decides half of theirs and releases the rest, at once.
    let barrier = Arc::new(Barrier::new(MODERATORS));
    let threads: Vec<_> = claims
        .into_iter()
        .map(|(key, items)| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut decided = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let r = if i % 2 == 0 {
                        decided.push(item.clone());
                        s.post(
                            &format!("/v1/items/{item}/decision"),
                            &key,
                            json!({"action": "approve", "reason": "ok"}),
                        )
                    } else {
                        s.call(
                            "POST",
                            &format!("/v1/items/{item}/release"),
                            Some(&key),
                            None,
                        )
                    };
                    assert_eq!(r.status, 200, "{r:?}");
                }
                decided
            })
        })
        .collect();
    let decided: BTreeSet<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();

    let mut queued = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let page = s.get(&format!("/v1/queue?community=busy&limit=50{cursor}"), ADMIN);
        for i in page.body["items"].as_array().unwrap() {
            queued.insert(i["item_id"].as_str().unwrap().to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert!(decided.is_disjoint(&queued));
    assert_eq!(
        decided.union(&queued).cloned().collect::<BTreeSet<_>>(),
        all
    );
    for item in &all {
        let got = s.get(&format!("/v1/items/{item}"), ADMIN);
        let expected = if decided.contains(item) {
            "decided"
        } else {
            "pending"
        };
        assert_eq!(got.body["status"], expected, "{item}");
        let claimed = s
            .event_kinds(item)
            .iter()
            .filter(|k| *k == "claimed")
            .count();
        assert_eq!(claimed, 1, "{item}");
    }
}

#[test]
fn concurrent_submissions_of_one_content_make_one_item() {
    let s = Arc::new(Server::start());
    s.hold_for_review("race");
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let r = s.submit(ADMIN, "race", "same", REVIEW_TEXT);
                (r.status, r.body["item_id"].as_str().unwrap().to_string())
            })
        })
        .collect();
    let results: Vec<(u16, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|(status, _)| *status == 201).count(),
        1
    );
    assert_eq!(
        results.iter().filter(|(status, _)| *status == 200).count(),
        15
    );
    let ids: BTreeSet<&String> = results.iter().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(s.event_kinds(ids.iter().next().unwrap()), ["submitted"]);
}

/// Concurrent submissions are stored together (`moderation::coalesce`); each request
/// still gets the answer it would get alone: the same content id in several requests
/// behaves as if they came one after the other, and a refused request (409) is refused
/// alone, writing nothing, while the requests stored with it are not failed.
#[test]
fn coalesced_submissions_answer_each_request_as_if_alone() {
    const REQUESTS: usize = 40;
    let s = Arc::new(Server::start());
    let ingest = s.key("ingest", &["co"]);
    let content = |id: &str, author: &str, text: &str| json!({"community": "co", "content_id": id, "author_id": author, "text": text});
    let owned = s.post(
        "/v1/content",
        &ingest,
        content("owned", "alice", "have a lovely day"),
    );
    assert_eq!(owned.status, 201, "{owned:?}");
    let owned_id = owned.body["item_id"].as_str().unwrap().to_string();

    let barrier = Arc::new(Barrier::new(REQUESTS));
    let threads: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (s, barrier, ingest) = (s.clone(), barrier.clone(), ingest.clone());
            let (path, body) = match i {
                // Someone else's content: refused, alone.
                0 => ("/v1/content", content("owned", "mallory", "mine now")),
                // A batch with one refused item: refused whole, nothing written.
                1 => (
                    "/v1/content:batch",
                    json!({"items": [
                        content("batch-refused", "erin", "see you soon"),
                        content("owned", "mallory", "mine too"),
                    ]}),
                ),
                // A batch stored whole, naming the shared content too.
                2 => (
                    "/v1/content:batch",
                    json!({"items": [
                        content("same", "bob", "see you tomorrow"),
                        content("batch-a", "frank", "nice weather"),
                        content("batch-b", "frank", "nice weather again"),
                    ]}),
                ),
                // The same text under one content id: one item, created once.
                i if i % 3 == 0 => ("/v1/content", content("same", "bob", "see you tomorrow")),
                // Another text each time under one content id: a revision each.
                i if i % 3 == 1 => (
                    "/v1/content",
                    content("edited", "carol", &format!("edit number {i}")),
                ),
                i => (
                    "/v1/content",
                    content(&format!("own-{i}"), "dave", "thanks for the help"),
                ),
            };
            std::thread::spawn(move || {
                barrier.wait();
                (i, s.post(path, &ingest, body))
            })
        })
        .collect();
    let mut same = BTreeSet::new();
    let mut same_created = 0;
    let mut edited = BTreeSet::new();
    let mut revisions = BTreeSet::new();
    for (i, r) in threads.into_iter().map(|t| t.join().unwrap()) {
        match i {
            0 | 1 => assert_eq!((r.status, r.code()), (409, "author_conflict"), "{i}: {r:?}"),
            2 => {
                assert_eq!(r.status, 200, "{r:?}");
                let results = r.body["results"].as_array().unwrap();
                assert_eq!(results.len(), 3);
                same_created += usize::from(results[0]["changed"] == true);
                same.insert(results[0]["item_id"].as_str().unwrap().to_string());
                for result in &results[1..] {
                    assert_eq!(
                        (result["changed"].as_bool(), result["revision"].as_u64()),
                        (Some(true), Some(1))
                    );
                }
            }
            i if i % 3 == 0 => {
                assert!(matches!(r.status, 200 | 201), "{r:?}");
                assert_eq!(r.body["changed"] == true, r.status == 201, "{r:?}");
                same_created += usize::from(r.status == 201);
                assert_eq!(r.body["revision"], 1, "{r:?}");
                same.insert(r.body["item_id"].as_str().unwrap().to_string());
            }
            i if i % 3 == 1 => {
                assert_eq!(r.status, 201, "{r:?}");
                edited.insert(r.body["item_id"].as_str().unwrap().to_string());
                assert!(
                    revisions.insert(r.body["revision"].as_u64().unwrap()),
                    "{r:?}"
                );
            }
            _ => {
                assert_eq!(r.status, 201, "{r:?}");
                assert_eq!(r.body["revision"], 1, "{r:?}");
            }
        }
    }
    assert_eq!((same.len(), same_created), (1, 1), "{same:?}");
    assert_eq!(edited.len(), 1, "{edited:?}");
    let n = revisions.len() as u64;
    assert_eq!(revisions, (1..=n).collect::<BTreeSet<_>>());
    let edited = edited.into_iter().next().unwrap();
    let got = s.get(&format!("/v1/items/{edited}"), ADMIN);
    assert_eq!(got.body["revision"], n, "{got:?}");
    let submitted = s
        .event_kinds(&edited)
        .iter()
        .filter(|k| *k == "submitted")
        .count();
    assert_eq!(submitted as u64, n);
    assert_eq!(
        s.event_kinds(same.iter().next().unwrap())
            .iter()
            .filter(|k| *k == "submitted")
            .count(),
        1
    );

    // Every request went through the coalescer's store calls (none is over its cap).
    assert_eq!(
        counter_reaching(
            &s,
            "warden_submission_store_requests_total",
            REQUESTS as u64 + 1
        ),
        REQUESTS as u64 + 1
    );

    // The refused requests changed nothing.
    let got = s.get(&format!("/v1/items/{owned_id}"), ADMIN);
    assert_eq!(got.body["revision"], 1, "{got:?}");
    let refused = s.post(
        "/v1/content",
        &ingest,
        content("batch-refused", "erin", "see you soon"),
    );
    assert_eq!(
        refused.status, 201,
        "the refused batch wrote nothing: {refused:?}"
    );
}

/// Decisions arriving together are written together (`moderation::changes`), and each is
/// still answered as it would be alone: the lease holder's decisions succeed, another
/// moderator's attempt on the same items is refused and changes nothing, an item that
/// does not exist or lies outside the caller's scope is 404.
#[test]
fn coalesced_decisions_answer_each_request_as_if_alone() {
    const N: usize = 8;
    let s = Arc::new(Server::start());
    s.hold_for_review("busy");
    let ingest = s.key("ingest", &["busy", "elsewhere"]);
    let batch: Vec<_> = (0..N)
        .map(|i| json!({"community": "busy", "content_id": format!("d{i}"), "author_id": "u", "text": REVIEW_TEXT}))
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({ "items": batch }));
    assert_eq!(r.status, 200, "{r:?}");
    let holder = s.key("moderator", &["busy"]);
    let other = s.key("moderator", &["busy"]);
    let outsider = s.key("moderator", &["elsewhere"]);
    let r = s.post(
        "/v1/queue/claim",
        &holder,
        json!({"community": "busy", "limit": N, "lease_seconds": 600}),
    );
    let items: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), N, "{r:?}");

    // Every request at once: (key, item, expected status).
    let mut requests: Vec<(String, String, u16)> = Vec::new();
    for item in &items {
        requests.push((holder.clone(), item.clone(), 200));
        requests.push((other.clone(), item.clone(), 409));
    }
    requests.push((outsider.clone(), items[0].clone(), 404));
    requests.push((holder.clone(), "00".repeat(16), 404));
    let barrier = Arc::new(Barrier::new(requests.len()));
    let threads: Vec<_> = requests
        .iter()
        .cloned()
        .map(|(key, item, expected)| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let r = s.post(
                    &format!("/v1/items/{item}/decision"),
                    &key,
                    json!({"action": "approve", "reason": "ok"}),
                );
                assert_eq!(r.status, expected, "{item}: {r:?}");
                if expected == 200 {
                    assert_eq!(r.body["status"], "decided", "{r:?}");
                    assert_eq!(r.body["item_id"], item.as_str(), "{r:?}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for item in &items {
        let kinds = s.event_kinds(item);
        assert_eq!(
            kinds.iter().filter(|k| *k == "decided").count(),
            1,
            "{item}: {kinds:?}"
        );
    }
    // Every decision went through the change coalescer's store calls.
    let n = requests.len() as u64;
    assert_eq!(
        counter_reaching(&s, "warden_change_store_requests_total", n),
        n
    );
}

/// Claims arriving together are made together, one step per queue and scope
/// (`moderation::claims`), and each claimer is still answered as if alone: items of its
/// own scope, leased to it, none to two claimers, each up to its limit while items wait.
#[test]
fn coalesced_claims_answer_each_claimer_as_if_alone() {
    let s = Arc::new(Server::start());
    s.hold_for_review("busy");
    s.hold_for_review("quiet");
    let ingest = s.key("ingest", &["busy", "quiet"]);
    let batch: Vec<_> = (0..12)
        .map(|i| ("busy", i))
        .chain((0..3).map(|i| ("quiet", i)))
        .map(|(c, i)| json!({"community": c, "content_id": format!("c{i}"), "author_id": "u", "text": REVIEW_TEXT}))
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({ "items": batch }));
    assert_eq!(r.status, 200, "{r:?}");

    // (scope, queue): six claimers share "busy"'s 12 items, two "quiet"'s 3; one asks
    // for appeals, of which there are none.
    let claimers: Vec<(&str, &str)> = [("busy", "review"); 6]
        .into_iter()
        .chain([("quiet", "review"); 2])
        .chain([("busy", "appeals")])
        .collect();
    let barrier = Arc::new(Barrier::new(claimers.len()));
    let threads: Vec<_> = claimers
        .iter()
        .map(|(scope, queue)| {
            let (s, barrier) = (s.clone(), barrier.clone());
            let key = s.key("moderator", &[scope]);
            let (scope, queue) = (scope.to_string(), queue.to_string());
            std::thread::spawn(move || {
                barrier.wait();
                let r = s.post(
                    "/v1/queue/claim",
                    &key,
                    json!({"queue": queue, "limit": 2, "lease_seconds": 600}),
                );
                assert_eq!(r.status, 200, "{r:?}");
                let items = r.body["items"].as_array().unwrap().clone();
                for item in &items {
                    assert_eq!(item["community"], scope.as_str(), "{item:?}");
                    assert_eq!(item["status"], "pending", "{item:?}");
                    assert!(item["lease_holder"].is_string(), "{item:?}");
                    assert_eq!(item["lease_holder"], items[0]["lease_holder"], "{item:?}");
                }
                let ids: Vec<String> = items
                    .iter()
                    .map(|i| i["item_id"].as_str().unwrap().to_string())
                    .collect();
                (
                    scope,
                    queue,
                    ids,
                    items.first().map(|i| i["lease_holder"].clone()),
                )
            })
        })
        .collect();
    let mut got: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut holders = BTreeSet::new();
    for t in threads {
        let (scope, queue, ids, holder) = t.join().unwrap();
        got.entry((scope, queue)).or_default().push(ids.len());
        for id in ids {
            assert!(seen.insert(id.clone()), "{id} claimed twice");
        }
        if let Some(holder) = holder {
            assert!(
                holders.insert(holder.to_string()),
                "one holder for two claimers"
            );
        }
    }
    let count = |scope: &str, queue: &str| {
        let mut n = got[&(scope.to_string(), queue.to_string())].clone();
        n.sort_unstable();
        n
    };
    assert_eq!(count("busy", "review"), vec![2; 6]);
    assert_eq!(count("quiet", "review"), vec![1, 2]);
    assert_eq!(count("busy", "appeals"), vec![0]);
    // Every claim went through the claim coalescer's store steps.
    let n = claimers.len() as u64;
    assert_eq!(
        counter_reaching(&s, "warden_claim_store_requests_total", n),
        n
    );
}

/// The server's counter `name` once it reaches `expected`, or after 10 s: a coalescer's
/// store call is counted just after its requests are answered.
fn counter_reaching(s: &Server, name: &str, expected: u64) -> u64 {
    let read = || -> u64 {
        let metrics = s.call("GET", "/metrics", None, None).body;
        let metrics = metrics.as_str().unwrap();
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while read() < expected && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    read()
}
