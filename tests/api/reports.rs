//! User reports (notice and action), black-box: routing to review, one open report per
//! reporter, reputation from outcomes, trusted flaggers first, the outcome told to the
//! platform by webhook, the rate limit, and the reporter's privacy.

use serde_json::{json, Value};

use super::webhooks::{register, server, verify, Receiver};
use super::{hold_policy, Resp, Server, ADMIN, ALLOW_TEXT, REMOVE_TEXT};

fn report(s: &Server, community: &str, content: &str, reporter: &str, reason: &str) -> Resp {
    s.post(
        "/v1/reports",
        ADMIN,
        json!({"community": community, "content_id": content, "reporter_id": reporter, "reason": reason}),
    )
}

/// An auto-allowed item; its id.
fn allowed(s: &Server, community: &str, content: &str) -> String {
    let r = s.submit(ADMIN, community, content, ALLOW_TEXT);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["outcome"], "allow", "{r:?}");
    r.body["item_id"].as_str().unwrap().to_string()
}

/// Claims `item` (the only waiting one in `community`) and decides it.
fn decide(s: &Server, community: &str, item: &str, decision: Value) {
    let c = s.post("/v1/queue/claim", ADMIN, json!({"community": community}));
    assert_eq!(c.body["items"][0]["item_id"], item, "{c:?}");
    let d = s.post(&format!("/v1/items/{item}/decision"), ADMIN, decision);
    assert_eq!(d.status, 200, "{d:?}");
}

#[test]
fn a_report_sends_an_allowed_item_to_review_and_the_outcome_reaches_the_notifier() {
    let s = server();
    let receiver = Receiver::start(vec![]);
    let (_, secret) = register(&s, "r", &receiver.url, &["report.resolved"]);
    let item = allowed(&s, "r", "c1");

    let r = s.post(
        "/v1/reports",
        ADMIN,
        json!({"community": "r", "content_id": "c1", "reporter_id": "rep-1", "reason": "insult",
               "comment": "he keeps writing to me at bob@example.com"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["item_id"], item.as_str());
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["weight"], 0.5);
    assert_eq!(r.body["item_status"], "pending");
    assert_eq!(r.body["queue"], "review");
    let report_id = r.body["report_id"].as_str().unwrap().to_string();

    // One open report per reporter and item: the repeat is the first.
    let again = report(&s, "r", "c1", "rep-1", "spam");
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body["report_id"], report_id.as_str());

    let view = s.get(&format!("/v1/items/{item}"), ADMIN);
    let reports = &view.body["reports"];
    assert_eq!(reports["count"], 1, "{view:?}");
    assert_eq!(reports["open"], 1);
    assert_eq!(reports["reasons"]["insult"], 1);
    let comment = reports["items"][0]["comment"].as_str().unwrap();
    assert!(
        !comment.contains("bob@example.com") && comment.contains("[email]"),
        "{comment}"
    );
    assert_eq!(reports["items"][0]["reporter_accuracy"], 0.5);
    assert!(
        !view.body.to_string().contains("rep-1"),
        "no reporter id in views"
    );
    // The queue shows it too, and can be filtered to reported items.
    let q = s.get("/v1/queue?community=r&reported=true", ADMIN);
    assert_eq!(q.body["items"][0]["item_id"], item.as_str(), "{q:?}");
    assert_eq!(q.body["items"][0]["reports"]["open"], 1);

    decide(
        &s,
        "r",
        &item,
        json!({"action": "label", "labels": ["insult"], "reason": "rude"}),
    );
    let kinds = s.event_kinds(&item);
    assert!(
        kinds.ends_with(&["decided".to_string(), "report_resolved".to_string()]),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"reported".to_string()), "{kinds:?}");

    let got = receiver.wait_for("report.resolved", |g| !g.is_empty());
    assert!(verify(&secret, &got[0]));
    let body = got[0].json();
    assert_eq!(body["type"], "report.resolved");
    assert_eq!(body["data"]["report_id"], report_id.as_str());
    assert_eq!(body["data"]["report_outcome"], "upheld");
    assert_eq!(body["data"]["report_reason"], "insult");
    assert_eq!(body["data"]["outcome"], Value::Null, "{body}");
    let raw = String::from_utf8_lossy(&got[0].body);
    assert!(!raw.contains("rep-1") && !raw.contains("bob"), "{raw}");

    // Upheld: the reporter's next report weighs more ((1+1)/(1+2)).
    allowed(&s, "r", "c2");
    let next = report(&s, "r", "c2", "rep-1", "spam");
    assert_eq!(next.status, 201, "{next:?}");
    assert_eq!(next.body["weight"], 0.667);
    let view = s.get(&format!("/v1/items/{item}"), ADMIN);
    assert_eq!(view.body["reports"]["items"][0]["status"], "upheld");
    assert_eq!(view.body["reports"]["items"][0]["reporter_accuracy"], 0.667);

    // Transparency counts the notice; the decision's statement says it came from one.
    let t = s.get("/v1/reports/transparency?community=r", ADMIN);
    assert_eq!(t.body["notices"]["resolved"], 1, "{t:?}");
    assert_eq!(t.body["notices"]["by_reason"]["insult"], 1);
    assert_eq!(t.body["notices"]["by_outcome"]["upheld"], 1);
    assert!(t.body["notices"]["median_seconds_to_decision"].is_number());
    let st = s.get(&format!("/v1/items/{item}/statement"), ADMIN);
    assert_eq!(st.body["source_type"], "SOURCE_ARTICLE_16", "{st:?}");
}

#[test]
fn rejected_reports_weigh_less_per_community_and_trusted_flaggers_go_first() {
    let s = Server::start();
    let first = allowed(&s, "r", "c1");
    assert_eq!(report(&s, "r", "c1", "rep-2", "spam").status, 201);
    decide(
        &s,
        "r",
        &first,
        json!({"action": "approve", "reason": "fine"}),
    );

    // Rejected once: 1/3, below the threshold of one new reporter's report.
    allowed(&s, "r", "c2");
    let r = report(&s, "r", "c2", "rep-2", "spam");
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["weight"], 0.333);
    assert_eq!(r.body["item_status"], "decided", "{r:?}");
    // A second reporter's report on the same item adds up and routes it.
    let r = report(&s, "r", "c2", "rep-5", "spam");
    assert_eq!(r.body["item_status"], "pending", "{r:?}");

    // Reputation never crosses communities.
    allowed(&s, "other", "c1");
    let r = report(&s, "other", "c1", "rep-2", "spam");
    assert_eq!(r.body["weight"], 0.5, "{r:?}");

    // A trusted flagger's report goes before a heavier ordinary one.
    let t = s.call(
        "PUT",
        "/v1/communities/t/trusted-flaggers/rep-3",
        Some(ADMIN),
        None,
    );
    assert_eq!(t.status, 200, "{t:?}");
    let ordinary = allowed(&s, "t", "c1");
    assert_eq!(report(&s, "t", "c1", "rep-4", "threat").status, 201);
    let flagged = allowed(&s, "t", "c2");
    let r = report(&s, "t", "c2", "rep-3", "spam");
    assert_eq!(r.body["trusted"], true, "{r:?}");
    assert_eq!(r.body["queue"], "review");
    let q = s.get("/v1/queue?community=t", ADMIN);
    let order: Vec<&str> = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [flagged.as_str(), ordinary.as_str()], "{q:?}");
    assert_eq!(q.body["items"][0]["reports"]["trusted"], true);
    let audit = s.get("/v1/audit?community=t", ADMIN);
    assert!(
        audit.body.to_string().contains("trusted_flagger.add"),
        "{audit:?}"
    );
    assert!(!audit.body.to_string().contains("rep-3"), "{audit:?}");
    // Unmarked: an ordinary reporter again.
    let u = s.call(
        "DELETE",
        "/v1/communities/t/trusted-flaggers/rep-3",
        Some(ADMIN),
        None,
    );
    assert_eq!(u.status, 200);
    allowed(&s, "t", "c3");
    assert_eq!(
        report(&s, "t", "c3", "rep-3", "spam").body["trusted"],
        false
    );
}

#[test]
fn unknown_and_removed_content_bad_input_and_the_rate_limit() {
    let s = Server::start();
    let r = report(&s, "r", "nowhere", "rep-1", "spam");
    assert_eq!(r.status, 404, "{r:?}");
    let r = s.post(
        "/v1/reports",
        ADMIN,
        json!({"community": "r", "content_id": "new", "reporter_id": "rep-1", "reason": "spam",
               "text": ALLOW_TEXT, "author_id": "a"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["queue"], "review", "{r:?}");

    let removed = s.submit(ADMIN, "r", "gone", REMOVE_TEXT);
    assert_eq!(removed.body["outcome"], "remove", "{removed:?}");
    let r = report(&s, "r", "gone", "rep-1", "threat");
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["status"], "already_removed");
    assert_eq!(r.body["item_status"], "decided");

    assert_eq!(report(&s, "r", "new", "rep-2", "hate").status, 400);
    let ingest_b = s.key("ingest", &["b"]);
    let r = s.post(
        "/v1/reports",
        &ingest_b,
        json!({"community": "r", "content_id": "new", "reporter_id": "x", "reason": "spam"}),
    );
    assert_eq!(r.status, 404, "{r:?}");

    let mut policy = hold_policy();
    policy["reports"] = json!({"per_hour": 2});
    assert_eq!(
        s.put("/v1/communities/lim/policy", ADMIN, policy).status,
        200
    );
    for i in 0..3 {
        allowed(&s, "lim", &format!("c{i}"));
    }
    assert_eq!(report(&s, "lim", "c0", "rep-9", "spam").status, 201);
    assert_eq!(report(&s, "lim", "c1", "rep-9", "spam").status, 201);
    // A repeat of an open report is not a new one.
    assert_eq!(report(&s, "lim", "c1", "rep-9", "spam").status, 200);
    let r = report(&s, "lim", "c2", "rep-9", "spam");
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{r:?}");
    assert_eq!(report(&s, "lim", "c2", "rep-10", "spam").status, 201);
}

#[test]
fn reporters_are_exported_and_erased_like_authors() {
    let s = Server::start();
    let item = allowed(&s, "p", "c1");
    let r = s.post(
        "/v1/reports",
        ADMIN,
        json!({"community": "p", "content_id": "c1", "reporter_id": "rep-p", "reason": "privacy",
               "comment": "that is my address"}),
    );
    assert_eq!(r.status, 201, "{r:?}");

    let export = s.get("/v1/subjects/rep-p/export?community=p", ADMIN);
    assert_eq!(export.status, 200, "{export:?}");
    let text = export.body.to_string();
    assert!(text.contains("that is my address"), "{text}");
    assert!(
        text.contains(r.body["report_id"].as_str().unwrap()),
        "{text}"
    );

    let e = s.delete("/v1/subjects/rep-p?community=p", ADMIN);
    assert_eq!(e.status, 200, "{e:?}");
    let view = s.get(&format!("/v1/items/{item}?reveal=pii"), ADMIN);
    let reported = &view.body["reports"]["items"][0];
    assert_eq!(reported["comment"], Value::Null, "{view:?}");
    assert_eq!(reported["reporter_accuracy"], Value::Null);
    // The report still counts.
    assert_eq!(view.body["reports"]["count"], 1);
    // The item's author is untouched.
    assert_eq!(view.body["author_id"], "author-1");
    assert!(view.body["text"].is_string());
    let export = s.get("/v1/subjects/rep-p/export?community=p", ADMIN);
    assert!(
        !export.body.to_string().contains("that is my address"),
        "{export:?}"
    );
}
