//! Whole moderation flows through the API.

use serde_json::json;

use super::{Server, ADMIN, ALLOW_TEXT, MODEL_NAME, REMOVE_TEXT, REVIEW_TEXT};

#[test]
fn submit_queue_claim_decide_appeal_reverse() {
    let s = Server::start();
    let ingest = s.key("ingest", &["cats"]);
    let moderator = s.key("moderator", &["cats"]);

    // Clean text is allowed without a human; the verdict is the classifier's too.
    let r = s.submit(&ingest, "cats", "c1", ALLOW_TEXT);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["action"], "allow");
    assert_eq!(r.body["status"], "decided");
    assert_eq!(r.body["revision"], 1);
    assert_eq!(r.body["verdict"]["id"], "c1");
    assert_eq!(r.body["verdict"]["flagged"], false);
    assert_eq!(r.body["verdict"]["model"]["name"], MODEL_NAME, "{r:?}");
    assert!(r.body["verdict"]["model"]["version"].is_string(), "{r:?}");

    // A high-severity threat is removed automatically.
    let r = s.submit(&ingest, "cats", "c2", REMOVE_TEXT);
    assert_eq!((r.status, r.body["action"].as_str()), (201, Some("remove")));
    assert_eq!(r.body["status"], "decided");
    assert_eq!(r.body["verdict"]["model"]["name"], MODEL_NAME, "{r:?}");
    let removed = r.body["item_id"].as_str().unwrap().to_string();

    // From now on cats sends every removal to a person and reviews profanity from its
    // low-severity score on: medium profanity waits for a human whatever the classifier
    // makes of it.
    s.hold_for_review("cats");
    let r = s.submit(&ingest, "cats", "c3", REVIEW_TEXT);
    assert_eq!((r.status, r.body["action"].as_str()), (201, Some("review")));
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["queue"], "review");
    assert_eq!(r.body["verdict"]["model"]["name"], MODEL_NAME, "{r:?}");
    let queued = r.body["item_id"].as_str().unwrap().to_string();

    let q = s.get("/v1/queue?community=cats&queue=review", &moderator);
    assert_eq!(q.status, 200, "{q:?}");
    let items = q.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["item_id"], queued.as_str());
    assert_eq!(items[0]["community"], "cats");
    assert_eq!(items[0]["text"], REVIEW_TEXT);
    assert!(items[0]["priority"].as_f64().unwrap() > 20.0);
    assert_eq!(items[0]["action"], "review");
    // The policy's own call, before the community's action table: review, or a removal
    // that cats sends to a person.
    let verdict_action = items[0]["verdict"]["action"].as_str().unwrap();
    assert!(
        ["review", "remove"].contains(&verdict_action),
        "{verdict_action}"
    );
    assert_eq!(items[0]["verdict"]["model"]["name"], MODEL_NAME);
    assert!(q.body.get("next_cursor").is_none());

    // Claim: leased to this moderator and gone from the queue.
    let c = s.post(
        "/v1/queue/claim",
        &moderator,
        json!({"community": "cats", "queue": "review", "limit": 5, "lease_seconds": 60}),
    );
    assert_eq!(c.status, 200, "{c:?}");
    let claimed = c.body["items"].as_array().unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0]["item_id"], queued.as_str());
    assert!(claimed[0]["lease_expires_at"].is_string());
    let q = s.get("/v1/queue?community=cats", &moderator);
    assert_eq!(q.body["items"].as_array().unwrap().len(), 0);

    // Decide it.
    let d = s.post(
        &format!("/v1/items/{queued}/decision"),
        &moderator,
        json!({"action": "remove", "reason": "harassment", "note": "repeat offender"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["status"], "decided");
    assert_eq!(d.body["outcome"], "remove");
    assert!(d.body.get("lease_expires_at").is_none());

    // A second decision conflicts: it is no longer pending.
    let again = s.post(
        &format!("/v1/items/{queued}/decision"),
        &moderator,
        json!({"action": "approve", "reason": "changed my mind"}),
    );
    assert_eq!((again.status, again.code()), (409, "invalid_state"));

    // The author appeals through the platform; a moderator reverses it.
    let a = s.post(
        &format!("/v1/items/{queued}/appeal"),
        &ingest,
        json!({"statement": "it was a joke between friends"}),
    );
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["queue"], "appeals");
    assert_eq!(
        a.body["outcome"], "remove",
        "stays removed while the appeal waits"
    );
    let twice = s.post(
        &format!("/v1/items/{queued}/appeal"),
        &ingest,
        json!({"statement": "again"}),
    );
    assert_eq!((twice.status, twice.code()), (409, "invalid_state"));

    let c = s.post(
        "/v1/queue/claim",
        &moderator,
        json!({"queue": "appeals", "limit": 10}),
    );
    assert_eq!(c.body["items"].as_array().unwrap().len(), 1, "{c:?}");
    assert_eq!(
        c.body["items"][0]["appeal"]["statement"],
        "it was a joke between friends"
    );
    let d = s.post(
        &format!("/v1/items/{queued}/decision"),
        &moderator,
        json!({"action": "approve", "reason": "context shows banter"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["outcome"], "allow");
    assert_eq!(d.body["appeal"]["result"], "reversed");

    assert_eq!(
        s.event_kinds(&queued),
        [
            "submitted",
            "claimed",
            "decided",
            "appealed",
            "claimed",
            "reversed"
        ]
    );
    let events = s.get(&format!("/v1/items/{queued}/events"), &moderator);
    let events = events.body["events"].as_array().unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
        assert!(e["actor"].as_str().unwrap().starts_with("key_"));
    }
    assert_eq!(events[2]["reason"], "harassment");
    assert_eq!(events[5]["previous_outcome"], "remove");
    assert_eq!(events[5]["outcome"], "allow");

    // The automatic removal's history names the engine and its scores.
    let r = s.get(&format!("/v1/items/{removed}/events"), ADMIN);
    let events = r.body["events"].as_array().unwrap();
    assert_eq!(events[1]["kind"], "auto_decided");
    assert_eq!(events[1]["actor"], "system");
    assert_eq!(events[1]["outcome"], "remove");
    assert!(events[1]["engine"]["version"].is_string());
    assert_eq!(events[1]["model"]["name"], MODEL_NAME, "{events:?}");
    assert!(events[1]["scores"]["threat"].as_f64().unwrap() > 0.9);

    // An upheld appeal keeps the outcome.
    let a = s.post(
        &format!("/v1/items/{removed}/appeal"),
        &ingest,
        json!({"statement": "please"}),
    );
    assert_eq!(a.status, 200, "{a:?}");
    let d = s.post(
        &format!("/v1/items/{removed}/decision"),
        ADMIN,
        json!({"action": "remove", "reason": "clear threat"}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["appeal"]["result"], "upheld");
    let kinds = s.event_kinds(&removed);
    assert_eq!(kinds, ["submitted", "auto_decided", "appealed", "decided"]);
}

#[test]
fn resubmission_is_idempotent_and_edits_make_revisions() {
    let s = Server::start();
    s.hold_for_review("dogs");
    s.hold_for_review("cats");
    let ingest = s.key("ingest", &["dogs"]);
    let first = s.submit(&ingest, "dogs", "p1", REVIEW_TEXT);
    assert_eq!(first.status, 201);
    assert_eq!(first.body["queue"], "review", "{first:?}");
    let same = s.submit(&ingest, "dogs", "p1", REVIEW_TEXT);
    assert_eq!(same.status, 200, "{same:?}");
    assert_eq!(same.body["changed"], false);
    assert_eq!(same.body["item_id"], first.body["item_id"]);
    assert_eq!(same.body["revision"], 1);

    // The same content id in another community is another item.
    let other = s.key("ingest", &["cats"]);
    let elsewhere = s.submit(&other, "cats", "p1", REVIEW_TEXT);
    assert_eq!(elsewhere.status, 201);
    assert_ne!(elsewhere.body["item_id"], first.body["item_id"]);

    // An edit is a new revision, re-scored: now clean, so allowed, out of the queue.
    let edited = s.submit(&ingest, "dogs", "p1", ALLOW_TEXT);
    assert_eq!(edited.status, 201, "{edited:?}");
    assert_eq!(edited.body["item_id"], first.body["item_id"]);
    assert_eq!(edited.body["revision"], 2);
    assert_eq!(edited.body["action"], "allow");
    let item = first.body["item_id"].as_str().unwrap();
    let got = s.get(&format!("/v1/items/{item}"), &ingest);
    assert_eq!(got.body["text"], ALLOW_TEXT);
    assert_eq!(got.body["revision"], 2);
    assert_eq!(
        s.event_kinds(item),
        ["submitted", "submitted", "auto_decided"]
    );
    let moderator = s.key("moderator", &["dogs"]);
    let q = s.get("/v1/queue?community=dogs", &moderator);
    assert!(q.body["items"].as_array().unwrap().is_empty(), "{q:?}");
}

#[test]
fn batch_submission() {
    let s = Server::start();
    s.hold_for_review("a");
    s.hold_for_review("b");
    let ingest = s.key("ingest", &["a", "b"]);
    let items: Vec<_> = (0..50)
        .map(|i| {
            json!({"community": if i % 2 == 0 { "a" } else { "b" }, "content_id": format!("b{i}"),
                   "author_id": "u", "text": if i % 5 == 0 { REVIEW_TEXT } else { ALLOW_TEXT }})
        })
        .collect();
    let r = s.post("/v1/content:batch", &ingest, json!({ "items": items }));
    assert_eq!(r.status, 200, "{r:?}");
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 50);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["verdict"]["id"], format!("b{i}"));
        let expected = if i % 5 == 0 { "review" } else { "allow" };
        assert_eq!(result["action"], expected, "{result:?}");
        assert_eq!(result["verdict"]["model"]["name"], MODEL_NAME);
    }
    let moderator = s.key("moderator", &["a", "b"]);
    let q = s.get("/v1/queue?limit=100", &moderator);
    assert_eq!(q.body["items"].as_array().unwrap().len(), 10);

    // Duplicates inside one batch: the second is the first, unchanged.
    let dup = json!({"community": "a", "content_id": "d", "author_id": "u", "text": "hello"});
    let r = s.post("/v1/content:batch", &ingest, json!({"items": [dup, dup]}));
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results[0]["item_id"], results[1]["item_id"]);
    assert_eq!(
        (
            results[0]["changed"].as_bool(),
            results[1]["changed"].as_bool()
        ),
        (Some(true), Some(false))
    );

    // One out-of-scope item fails the whole batch, which then changes nothing.
    let bad = json!({"items": [
        {"community": "a", "content_id": "new1", "author_id": "u", "text": "x"},
        {"community": "z", "content_id": "new2", "author_id": "u", "text": "x"}]});
    let r = s.post("/v1/content:batch", &ingest, bad);
    assert_eq!(r.status, 404, "{r:?}");
    let r = s.submit(&ingest, "a", "new1", "x");
    assert_eq!(r.status, 201, "new1 was not stored by the failed batch");
}

#[test]
fn queue_pages_in_priority_order() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let moderator = s.key("moderator", &["*"]);
    // A pre-moderated community: every action waits for a person. Clean posts (no harm
    // match, a low score: priority ≤ 10) and a high-severity threat, which is urgent
    // (≥ 44.5 whatever the classifier adds; nothing that is not urgent can pass 40).
    let r = s.put(
        "/v1/communities/q/policy",
        ADMIN,
        json!({"thresholds": {"threat": {"review": 0.6, "remove": 0.9}},
               "actions": {"allow": "review", "label": "review", "remove": "review"}}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    for i in 0..7 {
        let r = s.submit(&ingest, "q", &format!("m{i}"), ALLOW_TEXT);
        assert_eq!(r.body["action"], "review", "{r:?}");
    }
    let urgent = s.submit(&ingest, "q", "t", REMOVE_TEXT);
    assert_eq!(urgent.body["action"], "review", "{urgent:?}");
    assert_eq!(urgent.body["verdict"]["action"], "remove", "{urgent:?}");

    let mut seen = Vec::new();
    let mut priorities = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/queue?queue=review&limit=3&cursor={c}"),
            None => "/v1/queue?queue=review&limit=3".to_string(),
        };
        let page = s.get(&path, &moderator);
        assert_eq!(page.status, 200, "{page:?}");
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["item_id"].as_str().unwrap().to_string());
            priorities.push(item["priority"].as_f64().unwrap());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    assert_eq!(seen[0], urgent.body["item_id"].as_str().unwrap());
    assert!(priorities[0] >= 44.5, "{priorities:?}");
    assert!(
        priorities.windows(2).all(|w| w[0] >= w[1]),
        "{priorities:?}"
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 8, "no item on two pages");
}

#[test]
fn leases_release_expire_and_escalate() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let m1 = s.key("moderator", &["c"]);
    let m2 = s.key("moderator", &["c"]);
    let item = s.queued(&ingest, "c", "x");

    let c = s.post(
        "/v1/queue/claim",
        &m1,
        json!({"limit": 1, "lease_seconds": 1}),
    );
    assert_eq!(c.body["items"][0]["item_id"], item.as_str());
    // Someone else can neither claim nor decide it.
    let c2 = s.post("/v1/queue/claim", &m2, json!({"limit": 1}));
    assert!(c2.body["items"].as_array().unwrap().is_empty());
    let d = s.post(
        &format!("/v1/items/{item}/decision"),
        &m2,
        json!({"action": "approve", "reason": "fine"}),
    );
    assert_eq!((d.status, d.code()), (409, "lease_conflict"));

    // The lease runs out: the item is back, with an `expired` event, and m2 gets it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let d = s.post(
        &format!("/v1/items/{item}/decision"),
        &m1,
        json!({"action": "approve", "reason": "fine"}),
    );
    assert_eq!((d.status, d.code()), (409, "lease_conflict"), "{d:?}");
    let c2 = s.post(
        "/v1/queue/claim",
        &m2,
        json!({"limit": 1, "lease_seconds": 600}),
    );
    assert_eq!(c2.body["items"][0]["item_id"], item.as_str(), "{c2:?}");

    // Released by its holder, it is claimable again.
    let r = s.post(&format!("/v1/items/{item}/release"), &m1, json!({}));
    assert_eq!((r.status, r.code()), (409, "lease_conflict"));
    let r = s.call(
        "POST",
        &format!("/v1/items/{item}/release"),
        Some(&m2),
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["queue"], "review");

    // Escalated, it moves to the escalated queue.
    s.post("/v1/queue/claim", &m1, json!({"limit": 1}));
    let e = s.post(
        &format!("/v1/items/{item}/decision"),
        &m1,
        json!({"action": "escalate", "reason": "needs a senior look"}),
    );
    assert_eq!(e.status, 200, "{e:?}");
    assert_eq!(e.body["queue"], "escalated");
    assert_eq!(e.body["status"], "pending");
    let q = s.get("/v1/queue?queue=escalated", &m2);
    assert_eq!(q.body["items"][0]["item_id"], item.as_str());

    // An admin may decide without a lease.
    let d = s.post(
        &format!("/v1/items/{item}/decision"),
        ADMIN,
        json!({"action": "label", "reason": "borderline", "labels": ["crude"]}),
    );
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["labels"], json!(["crude"]));
    assert_eq!(
        s.event_kinds(&item),
        [
            "submitted",
            "claimed",
            "expired",
            "claimed",
            "released",
            "claimed",
            "escalated",
            "decided"
        ]
    );
}

#[test]
fn community_policy_and_wordlist_apply_on_the_next_request() {
    let s = Server::start();
    let ingest = s.key("ingest", &["knit"]);
    let moderator = s.key("moderator", &["knit"]);

    let p = s.get("/v1/communities/knit/policy", &moderator);
    assert_eq!(p.status, 200);
    assert_eq!(p.body["thresholds"]["profanity"]["review"], 0.6);
    assert_eq!(p.body["actions"]["remove"], "remove");

    // "damn" is low-severity profanity. The default policy has no label thresholds, so it
    // is never labeled, whatever the classifier's reading does with it.
    let r = s.submit(&ingest, "knit", "1", "damn it");
    assert_eq!(r.status, 201, "{r:?}");
    assert_ne!(r.body["action"], "label", "{r:?}");
    assert!(r.body.get("labels").is_none(), "{r:?}");
    assert!(
        has_rule(&r.body["verdict"], "en:damn"),
        "the word is recorded: {r:?}"
    );
    // Label profanity from 0.3 on and act on nothing else: the word keeps at least the
    // low-severity score (0.40, even when the classifier calls the text harmless), so it
    // is labeled now.
    let labels_only = json!({"thresholds": {"profanity": {"label": 0.3}}});
    let r = s.put("/v1/communities/knit/policy", ADMIN, labels_only);
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.submit(&ingest, "knit", "2", "damn it");
    assert_eq!(r.body["action"], "label", "{r:?}");
    assert_eq!(r.body["labels"], json!(["profanity"]));

    // Send removals to a human: the verdict still says remove, the item waits for review.
    let policy = json!({
        "thresholds": {"profanity": {"label": 0.3, "review": 0.6, "remove": 0.9},
                       "threat": {"review": 0.6, "remove": 0.9}},
        "actions": {"remove": "review"}
    });
    let r = s.put("/v1/communities/knit/policy", ADMIN, policy.clone());
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.submit(&ingest, "knit", "3", REMOVE_TEXT);
    assert_eq!(r.body["verdict"]["action"], "remove");
    assert_eq!(r.body["action"], "review", "removals wait for a human here");
    assert_eq!(
        s.get("/v1/communities/knit/policy", &moderator).body,
        policy_with_defaults(&policy)
    );

    // Custom block terms. They are filed under `sexual`, which the classifier has no head
    // for: under a policy that acts on `sexual` alone, an outcome is the wordlist's doing.
    let sexual_only = json!({"thresholds": {"sexual": {"review": 0.6, "remove": 0.9}}});
    let r = s.put("/v1/communities/knit/policy", ADMIN, sexual_only.clone());
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        s.submit(&ingest, "knit", "4", "nice purl stitch").body["action"],
        "allow"
    );
    // A custom block term, effective at once.
    let w = json!({"block": [{"text": "purl", "category": "sexual", "severity": "medium"}], "allow": []});
    let r = s.put("/v1/communities/knit/wordlist", ADMIN, w);
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.submit(&ingest, "knit", "5", "nice purl stitch");
    assert_eq!(r.body["action"], "review", "{r:?}");
    let custom = custom_match(&r.body["verdict"]).expect("the custom term matched");
    assert_eq!(custom["source"], "custom");
    assert_eq!(
        (custom["start"].as_u64(), custom["end"].as_u64()),
        (Some(5), Some(9))
    );
    // /v1/moderate with the community uses the same rules; without it, the defaults.
    let m = s.post(
        "/v1/moderate",
        &ingest,
        json!({"text": "purl", "community": "knit", "id": 7}),
    );
    assert_eq!(
        (m.body["action"].as_str(), m.body["id"].as_i64()),
        (Some("review"), Some(7))
    );
    assert!(custom_match(&m.body).is_some(), "{m:?}");
    let m = s.post("/v1/moderate", &ingest, json!({"text": "purl"}));
    assert_eq!(m.status, 200, "{m:?}");
    assert!(custom_match(&m.body).is_none(), "{m:?}");
    assert_eq!(m.body["categories"]["sexual"], 0.0, "{m:?}");
    // Other communities are unaffected: `sew` has the same policy, but not the term.
    let other = s.key("ingest", &["sew"]);
    let r = s.put("/v1/communities/sew/policy", ADMIN, sexual_only);
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.submit(&other, "sew", "1", "nice purl stitch");
    assert_eq!(r.body["action"], "allow", "{r:?}");
    assert!(custom_match(&r.body["verdict"]).is_none(), "{r:?}");

    // Allow words protect a term inside them.
    let w = json!({"block": [{"text": "purl", "category": "sexual", "severity": "medium", "mode": "prefix"}],
                   "allow": ["purlwise"]});
    assert_eq!(s.put("/v1/communities/knit/wordlist", ADMIN, w).status, 200);
    assert_eq!(
        s.submit(&ingest, "knit", "6", "knit purlwise").body["action"],
        "allow"
    );
    assert_eq!(
        s.submit(&ingest, "knit", "7", "purling").body["action"],
        "review"
    );
    assert_eq!(
        s.get("/v1/communities/knit/wordlist", &moderator).body["allow"],
        json!(["purlwise"])
    );
}

/// Whether a verdict has a match for `rule`.
fn has_rule(verdict: &serde_json::Value, rule: &str) -> bool {
    verdict["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .any(|m| m["rule"] == rule)
}

/// The verdict's match for the custom term `purl`, if any.
fn custom_match(verdict: &serde_json::Value) -> Option<&serde_json::Value> {
    verdict["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .find(|m| m["rule"] == "custom:purl")
}

fn policy_with_defaults(policy: &serde_json::Value) -> serde_json::Value {
    let mut p = policy.clone();
    p["actions"] =
        json!({"allow": "allow", "label": "label", "review": "review", "remove": "review"});
    p["retention_days"] = json!(30);
    p["suppression"] = json!({
        "removed": ["recommend", "search", "notify", "ads_targeting", "profiling"],
        "under_review": ["recommend", "ads_targeting"],
        "labelled": ["ads_targeting", "profiling"],
        "sensitive_data": ["profiling", "ads_targeting"],
        "author": {"removals": 3, "window_days": 30, "period_days": 7, "scopes": ["recommend"]},
    });
    p["guards"] = json!({"identity_counterfactual": true, "slur_context": true});
    p
}

#[test]
fn keys_are_shown_once_and_revocation_is_immediate() {
    let s = Server::start();
    let r = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "feed", "communities": ["c"], "name": "dashboard"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["id"].as_str().unwrap().to_string();
    let secret = r.body["key"].as_str().unwrap().to_string();
    assert!(secret.starts_with("wdn_") && secret.len() == 68);
    assert_eq!(r.body["role"], "feed");
    assert_eq!(r.body["communities"], json!(["c"]));

    let list = s.get("/v1/keys", ADMIN);
    let listed = list.body["keys"].as_array().unwrap();
    let mine = listed.iter().find(|k| k["id"] == id.as_str()).unwrap();
    assert!(mine.get("key").is_none() && mine.get("hash").is_none());

    assert_eq!(s.get("/v1/communities/c/policy", &secret).status, 403);
    let revoke = s.call("DELETE", &format!("/v1/keys/{id}"), Some(ADMIN), None);
    assert_eq!(revoke.status, 200, "{revoke:?}");
    assert!(revoke.body["revoked_at"].is_string());
    let after = s.get("/v1/communities/c/policy", &secret);
    assert_eq!((after.status, after.code()), (401, "unauthorized"));

    // A scoped admin can only hand out what it has.
    let scoped = s.key("admin", &["c"]);
    let r = s.post(
        "/v1/keys",
        &scoped,
        json!({"role": "moderator", "communities": ["*"]}),
    );
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = s.post(
        "/v1/keys",
        &scoped,
        json!({"role": "moderator", "communities": ["c"]}),
    );
    assert_eq!(r.status, 201);
    let everyone = s.get("/v1/keys", &scoped);
    assert!(everyone.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["communities"] == json!(["c"])));
    let all = s.get("/v1/keys", ADMIN);
    let root = all.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "bootstrap admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.call("DELETE", &format!("/v1/keys/{root}"), Some(&scoped), None);
    assert_eq!(r.status, 404, "outside its scope");
}

#[test]
fn releasing_after_ones_own_lease_expired_is_a_lease_conflict() {
    // No sweeper during the test: the expired lease must be refused by the release itself,
    // not because a sweep happened to return the item first.
    let s = Server::with(|c| c.queue.sweep_interval_seconds = 3600);
    let ingest = s.key("ingest", &["c"]);
    let moderator = s.key("moderator", &["c"]);
    let item = s.queued(&ingest, "c", "x");
    let c = s.post(
        "/v1/queue/claim",
        &moderator,
        json!({"limit": 1, "lease_seconds": 1}),
    );
    assert_eq!(c.body["items"][0]["item_id"], item.as_str(), "{c:?}");
    std::thread::sleep(std::time::Duration::from_millis(1100));

    let r = s.post(&format!("/v1/items/{item}/release"), &moderator, json!({}));
    assert_eq!((r.status, r.code()), (409, "lease_conflict"), "{r:?}");
    assert!(r.message().contains("expired"), "{r:?}");
    assert_eq!(s.event_kinds(&item), ["submitted", "claimed"]);
    // The item is claimable again, as any expired lease's item is.
    let c = s.post("/v1/queue/claim", &moderator, json!({"limit": 1}));
    assert_eq!(c.body["items"][0]["item_id"], item.as_str(), "{c:?}");
}
