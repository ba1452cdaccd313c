//! Suppression rules over the real server: derived from decisions, in the feed and in
//! `:check`, revoked by reversals, resumable from any cursor, streamed as Server-Sent
//! Events, and scoped to the reader's communities.

use serde_json::{json, Value};
use warden::clock::Timestamp;
use warden::domain::item::Submission;
use warden::store::{SledStore, Store};

use super::{Server, ADMIN, REMOVE_TEXT};

/// The whole feed a key sees after `after`, paging with `limit`, and the cursor it ends
/// at.
fn feed(s: &Server, key: &str, after: u64, limit: u32, extra: &str) -> (Vec<Value>, u64) {
    let mut rules = Vec::new();
    let mut cursor = after;
    loop {
        let r = s.get(
            &format!("/v1/suppressions?after={cursor}&limit={limit}{extra}"),
            key,
        );
        assert_eq!(r.status, 200, "{r:?}");
        let page = r.body["rules"].as_array().unwrap().clone();
        assert!(page.len() <= limit as usize);
        let next = r.body["next"].as_u64().unwrap();
        if let Some(last) = page.last() {
            assert!(next >= last["seq"].as_u64().unwrap());
        }
        if page.is_empty() && next == cursor {
            return (rules, cursor);
        }
        assert!(next > cursor, "the cursor moves on");
        rules.extend(page);
        cursor = next;
    }
}

fn content(community: &str, id: &str) -> Value {
    json!({"kind": "content", "community": community, "id": id})
}

fn check(s: &Server, key: &str, scope: &str, subjects: Vec<Value>) -> Vec<Value> {
    let r = s.post(
        "/v1/suppressions:check",
        key,
        json!({"scope": scope, "subjects": subjects}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.body["suppressed"].as_array().unwrap().clone()
}

#[test]
fn a_removal_appears_in_feed_and_check_and_a_reversal_revokes_it() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let feed_key = s.key("feed", &["c"]);

    let r = s.submit(&ingest, "c", "post-1", REMOVE_TEXT);
    assert_eq!(r.body["outcome"], "remove", "{r:?}");
    let item = r.body["item_id"].as_str().unwrap().to_string();

    // The 2xx came after the flush that made the rule durable: it is in the feed now.
    let (rules, next) = feed(&s, &feed_key, 0, 100, "");
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = &rules[0];
    assert_eq!(rule["subject"], content("c", "post-1"));
    assert_eq!(
        rule["scopes"],
        json!([
            "recommend",
            "search",
            "notify",
            "ads_targeting",
            "profiling"
        ])
    );
    assert_eq!(rule["reason"]["source"], "decision");
    assert_eq!(rule["reason"]["category"], "threat");
    assert_eq!(rule["reason"]["item_id"], item.as_str());
    assert_eq!(rule["state"], "active");
    let rule_id = rule["rule_id"].as_str().unwrap().to_string();
    let metrics = s.call("GET", "/metrics", None, None).body;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains("warden_suppression_rules_active 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains(&format!("warden_suppression_log_seq {next}\n")));

    let hits = check(
        &s,
        &feed_key,
        "recommend",
        vec![content("c", "post-1"), content("c", "post-2")],
    );
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["subject"], content("c", "post-1"));
    assert_eq!(hits[0]["rule_ids"], json!([rule_id]));

    // Appeal, and a moderator reverses the removal: the rule is revoked.
    let r = s.post(
        &format!("/v1/items/{item}/appeal"),
        &ingest,
        json!({"statement": "it was a quote"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.post(
        &format!("/v1/items/{item}/decision"),
        ADMIN,
        json!({"action": "approve", "reason": "quoted, not meant"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let (more, _) = feed(&s, &feed_key, next, 100, "");
    assert_eq!(more.len(), 1, "{more:?}");
    assert_eq!(more[0]["rule_id"], rule_id.as_str());
    assert_eq!(more[0]["state"], "revoked");
    assert!(more[0]["seq"].as_u64().unwrap() > next);
    assert!(check(&s, &feed_key, "recommend", vec![content("c", "post-1")]).is_empty());
}

#[test]
fn review_suppresses_amplification_until_decided() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let moderator = s.key("moderator", &["c"]);
    let item = s.queued(&ingest, "c", "q-1");

    let (rules, next) = feed(&s, ADMIN, 0, 100, "");
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0]["scopes"], json!(["recommend", "ads_targeting"]));
    assert_eq!(rules[0]["reason"]["source"], "policy");
    let review_rule = rules[0]["rule_id"].clone();
    assert_eq!(
        check(&s, ADMIN, "ads_targeting", vec![content("c", "q-1")]).len(),
        1
    );
    assert!(check(&s, ADMIN, "search", vec![content("c", "q-1")]).is_empty());

    let r = s.post("/v1/queue/claim", &moderator, json!({"community": "c"}));
    assert_eq!(r.body["items"][0]["item_id"], item.as_str());
    let r = s.post(
        &format!("/v1/items/{item}/decision"),
        &moderator,
        json!({"action": "remove", "reason": "abuse"}),
    );
    assert_eq!(r.status, 200, "{r:?}");

    // The review rule ran its course; the removal rule replaces it, in one step.
    let (more, _) = feed(&s, ADMIN, next, 100, "");
    assert_eq!(more.len(), 2, "{more:?}");
    assert_eq!(more[0]["rule_id"], review_rule);
    assert_eq!(more[0]["state"], "expired");
    assert_eq!(more[1]["state"], "active");
    assert_eq!(more[1]["scopes"].as_array().unwrap().len(), 5);
}

#[test]
fn the_feed_resumes_from_any_cursor_with_the_same_sequence() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let feed_c = s.key("feed", &["c"]);
    for i in 0..4 {
        for community in ["c", "d"] {
            s.submit(&ingest, community, &format!("r{i}"), REMOVE_TEXT);
        }
        s.queued(&ingest, "c", &format!("q{i}"));
    }
    let (all, last) = feed(&s, ADMIN, 0, 1000, "");
    let r = s.get("/v1/suppressions?after=0&limit=5", ADMIN);
    assert_eq!(
        r.body["next"], r.body["rules"][4]["seq"],
        "next is the last seq returned"
    );
    let seqs: Vec<u64> = all.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "gap-free for admin");
    for after in 0..=last {
        let (tail, _) = feed(&s, ADMIN, after, 3, "");
        assert_eq!(tail, all[after as usize..], "resumed after {after}");
    }
    // A reader of one community sees that community's entries, in the same order, and
    // resumes the same way; the seqs of other communities are skipped.
    let (mine, _) = feed(&s, &feed_c, 0, 2, "");
    let expected: Vec<Value> = all
        .iter()
        .filter(|r| r["subject"]["community"] == "c")
        .cloned()
        .collect();
    assert_eq!(mine, expected);
    for after in 0..=last {
        let (tail, _) = feed(&s, &feed_c, after, 2, "");
        let want: Vec<Value> = expected
            .iter()
            .filter(|r| r["seq"].as_u64().unwrap() > after)
            .cloned()
            .collect();
        assert_eq!(tail, want, "resumed after {after}");
    }
    let (only_d, _) = feed(&s, ADMIN, 0, 1000, "&community=d");
    let want: Vec<Value> = all
        .iter()
        .filter(|r| r["subject"]["community"] == "d")
        .cloned()
        .collect();
    assert_eq!(only_d, want);
    assert!(only_d.len() >= 4);
}

#[test]
fn the_stream_delivers_new_rules_and_resumes() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let feed_key = s.key("feed", &["c"]);
    s.submit(&ingest, "c", "before", REMOVE_TEXT);
    let (_, next) = feed(&s, &feed_key, 0, 100, "");

    let mut events = s
        .stream(
            &format!("/v1/suppressions/stream?after={next}"),
            &feed_key,
            None,
        )
        .expect("stream opens");
    let r = s.submit(&ingest, "c", "live", REMOVE_TEXT);
    assert_eq!(r.status, 201);
    let e = events.next_event();
    assert_eq!(e.event.as_deref(), Some("rule"));
    assert_eq!(e.data["subject"], content("c", "live"));
    let seq = e.data["seq"].as_u64().unwrap();
    assert_eq!(e.id, Some(seq.to_string()));
    drop(events);

    // Reconnecting with Last-Event-ID replays from there: the earlier rule, then the live one.
    let mut replay = s
        .stream("/v1/suppressions/stream", &feed_key, Some(next - 1))
        .expect("stream opens");
    assert_eq!(replay.next_event().data["subject"], content("c", "before"));
    assert_eq!(replay.next_event().data["seq"].as_u64(), Some(seq));
}

#[test]
fn readers_see_only_their_communities_and_the_feed_never_reads_items() {
    let s = Server::start();
    let ingest = s.key("ingest", &["*"]);
    let feed_a = s.key("feed", &["a"]);
    let moderator_a = s.key("moderator", &["a"]);
    let item_a = s.submit(&ingest, "a", "x", REMOVE_TEXT).body["item_id"]
        .as_str()
        .unwrap()
        .to_string();
    s.submit(&ingest, "b", "y", REMOVE_TEXT);

    // A feed key cannot read items or their history.
    assert_eq!(s.get(&format!("/v1/items/{item_a}"), &feed_a).status, 403);
    assert_eq!(
        s.get(&format!("/v1/items/{item_a}/events"), &feed_a).status,
        403
    );
    // Neither a feed nor a moderator key can read another community's feed or check it.
    for key in [&feed_a, &moderator_a] {
        let r = s.get("/v1/suppressions?community=b", key);
        assert_eq!((r.status, r.code()), (404, "not_found"), "{r:?}");
        let r = s.stream_status("/v1/suppressions/stream?community=b", Some(key));
        assert_eq!(r.status, 404, "{r:?}");
        let r = s.post(
            "/v1/suppressions:check",
            key,
            json!({"scope": "recommend", "subjects": [content("b", "y")]}),
        );
        assert_eq!(r.status, 404, "{r:?}");
        let (rules, _) = feed(&s, key, 0, 100, "");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0]["subject"], content("a", "x"));
    }
    // Bad input is named.
    let r = s.get("/v1/suppressions?after=-1", &feed_a);
    assert_eq!((r.status, r.code()), (400, "invalid_field"), "{r:?}");
    let r = s.post(
        "/v1/suppressions:check",
        &feed_a,
        json!({"scope": "everything", "subjects": []}),
    );
    assert_eq!(r.status, 400, "{r:?}");
}

#[test]
fn repeated_removals_suppress_the_author_and_reversals_undo_it() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let mut items = Vec::new();
    for i in 0..3 {
        let r = s.submit(&ingest, "c", &format!("p{i}"), REMOVE_TEXT);
        items.push(r.body["item_id"].as_str().unwrap().to_string());
    }
    let author = json!({"kind": "author", "community": "c", "id": "author-1"});
    let (rules, next) = feed(&s, ADMIN, 0, 100, "");
    let author_rules: Vec<&Value> = rules
        .iter()
        .filter(|r| r["subject"]["kind"] == "author")
        .collect();
    assert_eq!(author_rules.len(), 1, "{rules:?}");
    assert_eq!(author_rules[0]["scopes"], json!(["recommend"]));
    assert_eq!(author_rules[0]["reason"]["source"], "policy");
    let expires: Timestamp = author_rules[0]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let created: Timestamp = author_rules[0]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires.millis() - created.millis(), 7 * 86_400_000);
    assert_eq!(check(&s, ADMIN, "recommend", vec![author.clone()]).len(), 1);

    // One reversal leaves two removals: under the threshold, the author rule goes.
    s.post(
        &format!("/v1/items/{}/appeal", items[0]),
        &ingest,
        json!({"statement": "no"}),
    );
    s.post(
        &format!("/v1/items/{}/decision", items[0]),
        ADMIN,
        json!({"action": "approve", "reason": "fine"}),
    );
    let (more, _) = feed(&s, ADMIN, next, 100, "");
    assert!(
        more.iter()
            .any(|r| r["subject"] == author && r["state"] == "revoked"),
        "{more:?}"
    );
    assert!(check(&s, ADMIN, "recommend", vec![author]).is_empty());
}

#[test]
fn sensitive_data_leads_to_profiling_rules_never_to_violations() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let r = s.submit(&ingest, "c", "coming-out", "I am a gay man and proud of it");
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["action"], "allow", "{r:?}");
    assert_eq!(r.body["status"], "decided");
    let verdict = &r.body["verdict"];
    assert_eq!(verdict["sensitive"][0]["category"], "sexual_orientation");
    assert!(
        verdict["matches"].as_array().unwrap().is_empty(),
        "{verdict}"
    );
    let q = s.get("/v1/queue?community=c", ADMIN);
    assert!(q.body["items"].as_array().unwrap().is_empty());

    let (rules, _) = feed(&s, ADMIN, 0, 100, "");
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0]["reason"]["source"], "sensitive_data");
    assert_eq!(rules[0]["reason"]["category"], "sexual_orientation");
    assert_eq!(rules[0]["scopes"], json!(["ads_targeting", "profiling"]));
    let subject = content("c", "coming-out");
    assert_eq!(
        check(&s, ADMIN, "profiling", vec![subject.clone()]).len(),
        1
    );
    assert!(check(&s, ADMIN, "recommend", vec![subject]).is_empty());

    // An edit without the sensitive data revokes the rule.
    s.submit(&ingest, "c", "coming-out", "have a nice day");
    let (rules, _) = feed(&s, ADMIN, 0, 100, "");
    assert_eq!(rules.last().unwrap()["state"], "revoked", "{rules:?}");
}

/// Expiry is a change-log entry too: straight on the store, with a clock a week ahead.
#[test]
fn expired_author_rules_get_an_expired_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), 16 << 20).unwrap();
    let verdict = crate::common::engine().score(REMOVE_TEXT);
    let now = Timestamp::now();
    let batch: Vec<Submission> = (0..3)
        .map(|i| Submission {
            new_id: warden::ids::ItemId::random(),
            community: "c".parse().unwrap(),
            content_id: format!("p{i}").parse().unwrap(),
            author_id: "someone".parse().unwrap(),
            ownership_change: false,
            text: warden::ids::ContentText::new(REMOVE_TEXT).unwrap(),
            context: None,
            verdict: verdict.clone(),
            action: warden::Action::Remove,
            labels: Vec::new(),
            actor: warden::ids::KeyId::random(),
            at: now,
        })
        .collect();
    store.submit(&batch).unwrap();
    let author_rule = |rules: &[warden::domain::suppress::Rule]| {
        rules
            .iter()
            .filter(|r| r.subject.kind == warden::domain::suppress::SubjectKind::Author)
            .cloned()
            .collect::<Vec<_>>()
    };
    let before = author_rule(&store.active_rules().unwrap());
    assert_eq!(before.len(), 1);
    assert_eq!(store.expire_rules(now, 100).unwrap(), 0);
    let week = Timestamp::from_millis(now.millis() + 7 * 86_400_000);
    assert_eq!(store.expire_rules(week, 100).unwrap(), 1);
    assert!(author_rule(&store.active_rules().unwrap()).is_empty());
    let log = store.rule_log(0, 100).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.rule_id, before[0].rule_id);
    assert_eq!(last.state, warden::domain::suppress::RuleState::Expired);
    assert_eq!(last.seq, store.rule_seq());
}

/// An open `GET /v1/suppressions/stream` read as raw text; reads time out after three
/// seconds, well past the second a revocation may take to end it.
struct RawStream {
    reader: std::io::BufReader<Box<dyn std::io::Read + Send + Sync>>,
}

impl RawStream {
    fn open(s: &Server, key: &str) -> RawStream {
        let res = ureq::AgentBuilder::new()
            .timeout_read(std::time::Duration::from_secs(3))
            .build()
            .get(&format!("{}/v1/suppressions/stream", s.base))
            .set("Authorization", &format!("Bearer {key}"))
            .call()
            .expect("stream opens");
        RawStream {
            reader: std::io::BufReader::new(Box::new(res.into_reader())),
        }
    }

    /// Reads lines until one starts with `prefix`; false when the stream ends first.
    fn until(&mut self, prefix: &str) -> bool {
        use std::io::BufRead;
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return false,
                Ok(_) if line.starts_with(prefix) => return true,
                Ok(_) => {}
                Err(e) => panic!("stream stalled: {e}"),
            }
        }
    }

    /// Everything up to the stream's end; panics when it stays open for the read timeout.
    fn rest(&mut self) -> String {
        use std::io::Read;
        let mut rest = String::new();
        match self.reader.read_to_string(&mut rest) {
            Ok(_) => rest,
            Err(e) => panic!("the stream is still open ({e}); so far: {rest:?}"),
        }
    }
}

#[test]
fn revoking_a_key_ends_its_open_streams_at_once() {
    let s = Server::start();
    let ingest = s.key("ingest", &["c"]);
    let feed_key = s.key("feed", &["c"]);
    let other_feed = s.key("feed", &["c"]);
    let feed_id = s.get("/v1/keys/self", &feed_key).body["id"]
        .as_str()
        .expect("key id")
        .to_string();
    let mut first = RawStream::open(&s, &feed_key);
    let mut second = RawStream::open(&s, &feed_key);
    let mut other = RawStream::open(&s, &other_feed);
    // All three are live: they see a new rule.
    assert_eq!(s.submit(&ingest, "c", "before", REMOVE_TEXT).status, 201);
    for stream in [&mut first, &mut second, &mut other] {
        assert!(stream.until("event: rule"), "a live stream sees the rule");
        assert!(stream.until("data: "));
    }

    let r = s.delete(&format!("/v1/keys/{feed_id}"), ADMIN);
    assert_eq!(r.status, 200, "{r:?}");
    let revoked = std::time::Instant::now();
    // A rule made after the revocation, which the revoked key's streams must not carry.
    assert_eq!(s.submit(&ingest, "c", "after", REMOVE_TEXT).status, 201);
    for stream in [&mut first, &mut second] {
        let rest = stream.rest();
        assert!(
            !rest.contains("event: rule"),
            "delivered after revocation: {rest}"
        );
    }
    assert!(
        revoked.elapsed() < std::time::Duration::from_secs(1),
        "the streams ended {:?} after the revocation",
        revoked.elapsed()
    );
    assert_eq!(s.get("/v1/keys/self", &feed_key).status, 401);
    // Another key's stream goes on.
    assert!(other.until("event: rule"), "the other key's stream goes on");
}
