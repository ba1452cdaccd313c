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
