//! The store contract for user reports and the webhook outbox:
//!
//! * a report changes with its item: its comment sealed under the reporter's key, the
//!   item listed under the reporter's subject, the reporter's record updated from
//!   `consequences`, outbox entries appended, all or nothing;
//! * pseudonyms are stable and per community; trusted marks are written with their audit
//!   record and keep the outcomes;
//! * erasing a reporter shreds their comments and record;
//! * the outbox is numbered without gaps in commit order, also under concurrent writers;
//! * webhook secrets are sealed on disk and opened for the worker; deliveries and the
//!   fan-out cursor move together, and pending deliveries list in outbox order.

use warden::domain::audit::{AuditAction, AuditRecord};
use warden::domain::event::{Actor, Remarks};
use warden::domain::item::{DecisionAction, NewReport};
use warden::domain::notice::{ReportId, ReportPolicy, ReportReason};
use warden::domain::privacy::Personal;
use warden::domain::webhook::{Delivery, DeliveryStatus, EventType, Secret, Webhook, WebhookId};
use warden::ids::{AuthorId, CommunityId};

use super::*;

fn new_report(reporter: warden::domain::privacy::SubjectId, comment: &str) -> NewReport {
    NewReport {
        id: ReportId::random(),
        reporter,
        reason: ReportReason::Insult,
        comment: Some(comment.to_string()),
        weight: 500,
        trusted: false,
        actor: KeyId::random(),
        at: Timestamp::now(),
    }
}

pub fn a_report_changes_with_its_item(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let c: CommunityId = "c".parse().expect("community");
    let user: AuthorId = "reporter-9931".parse().expect("user");
    let reporter = store.pseudonym(&c, &user);
    assert_eq!(reporter, store.pseudonym(&c, &user), "stable");
    assert_ne!(
        reporter,
        store.pseudonym(&"d".parse().expect("community"), &user),
        "per community"
    );
    let out = store
        .submit(&[submission(
            "allowed",
            "author",
            "have a lovely day",
            Action::Allow,
        )])
        .expect("submit");
    let id = out[0].item.id;
    let outbox_before = store.outbox_seq().expect("seq");

    // A refused change leaves nothing: no report, no outbox entry.
    let refused = store.update(&id, &|item: &mut Item| {
        item.report(new_report(reporter, "x"), &ReportPolicy::default());
        Err(Failure::invalid_state("no"))
    });
    assert!(refused.is_err());
    assert!(store
        .item(&id)
        .expect("read")
        .expect("there")
        .reports
        .is_empty());

    let comment = "quokka-comment-5521";
    let item = store
        .update(&id, &|item: &mut Item| {
            Ok(item.report(new_report(reporter, comment), &ReportPolicy::default()))
        })
        .expect("report");
    assert_eq!(item.queue, Some(QueueName::Review), "routed");
    let stored = store.item(&id).expect("read").expect("there");
    assert!(matches!(
        stored.reports[0].comment,
        Some(Personal::Sealed(_))
    ));
    let mut opened = stored.clone();
    store.open_item(&mut opened).expect("open");
    assert_eq!(
        opened.reports[0].comment.as_ref().and_then(|c| c.plain()),
        Some(&comment.to_string())
    );
    assert!(store
        .items_of_subject(&reporter, 10)
        .expect("read")
        .contains(&id));

    // The decision resolves the report: the reporter's record and the outbox follow.
    let admin = KeyId::random();
    store
        .update(&id, &|item: &mut Item| {
            let remarks = Remarks {
                reason: "r".into(),
                labels: vec![],
                note: None,
            };
            item.decide(
                &admin,
                true,
                DecisionAction::Remove,
                &remarks,
                Timestamp::now(),
            )
        })
        .expect("decide");
    let record = store.reporter(&reporter).expect("read").expect("held");
    assert_eq!(record.recent.len(), 1);
    assert!(record.recent[0].upheld);
    let kinds: Vec<EventType> = store
        .outbox(outbox_before, 10)
        .expect("outbox")
        .into_iter()
        .map(|(_, e)| e.kind)
        .collect();
    assert_eq!(kinds, [EventType::ItemDecided, EventType::ReportResolved]);

    // The trusted mark keeps the outcomes, and is audited.
    let audit = AuditRecord::new(
        Timestamp::now(),
        Actor::System,
        AuditAction::TrustedFlaggerAdd,
        &reporter.to_string(),
    );
    store.set_trusted(&reporter, true, &audit).expect("trust");
    let record = store.reporter(&reporter).expect("read").expect("held");
    assert!(record.trusted);
    assert_eq!(record.recent.len(), 1);
    let log = store.audit_log(0, 100).expect("audit");
    assert_eq!(
        log.last().map(|(_, r)| r.action),
        Some(AuditAction::TrustedFlaggerAdd)
    );
    assert_verified(&*store);

    // Erasing the reporter shreds the comment and the record, and keeps the report.
    store
        .erase(&c, &user, &KeyId::random(), Timestamp::now())
        .expect("erase");
    assert!(store.reporter(&reporter).expect("read").is_none());
    let mut after = store.item(&id).expect("read").expect("there");
    store.open_item(&mut after).expect("open");
    assert_eq!(after.reports.len(), 1);
    assert!(after.reports[0].reporter.is_none());
    assert!(after.reports[0]
        .comment
        .as_ref()
        .is_none_or(|c| c.plain().is_none()));
    assert_verified(&*store);
    store.flush().expect("flush");
    drop(store);
    let mut files = Vec::new();
    collect_files(dir.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        for secret in [comment, "reporter-9931"] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{} holds `{secret}`",
                file.display()
            );
        }
    }
}

pub fn the_outbox_is_gap_free_and_deliveries_move_with_the_cursor(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = Secret::random();
    let hook = Webhook {
        id: WebhookId::random(),
        community: "c".parse().expect("community"),
        url: "http://127.0.0.1:9/hook".into(),
        events: vec![EventType::ItemAutoDecided],
        secret: Personal::Plain(secret.clone()),
        created_at: Timestamp::now(),
        created_by: KeyId::random(),
        from_seq: 0,
        deleted_at: None,
    };
    {
        let store = open(dir.path());
        assert_eq!(store.outbox_seq().expect("seq"), 0);
        assert_eq!(store.fanout_cursor().expect("cursor"), 0);
        let store = &store;
        std::thread::scope(|scope| {
            for t in 0..4 {
                scope.spawn(move || {
                    for i in 0..10 {
                        let sub =
                            submission(&format!("t{t}-{i}"), "a", "hello there", Action::Allow);
                        store.submit(&[sub]).expect("submit");
                    }
                });
            }
        });
        let events = store.outbox(0, 1000).expect("outbox");
        let seqs: Vec<u64> = events.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=40).collect::<Vec<u64>>(), "gap-free, in order");
        assert_eq!(store.outbox_seq().expect("seq"), 40);
        assert!(events
            .iter()
            .all(|(_, e)| e.kind == EventType::ItemAutoDecided));

        let audit = AuditRecord::new(
            Timestamp::now(),
            Actor::System,
            AuditAction::WebhookCreate,
            hook.id.as_str(),
        );
        store.put_webhook(&hook, &audit).expect("put webhook");
        let hooks = store.webhooks().expect("webhooks");
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].secret.plain(), Some(&secret));

        let now = Timestamp::now();
        let deliveries: Vec<Delivery> = events
            .iter()
            .take(3)
            .map(|(seq, e)| Delivery::new(&hook, *seq, e, now))
            .collect();
        store.put_deliveries(&deliveries, Some(3)).expect("fan out");
        assert_eq!(store.fanout_cursor().expect("cursor"), 3);
        // What was fanned out left the outbox: the deliveries carry it.
        assert_eq!(store.outbox(0, 1).expect("outbox")[0].0, 4);
        assert_eq!(store.outbox_seq().expect("seq"), 40);
        let pending: Vec<u64> = store
            .pending_deliveries(10)
            .expect("pending")
            .iter()
            .map(|d| d.seq)
            .collect();
        assert_eq!(pending, [1, 2, 3]);
        let mut done = deliveries[1].clone();
        done.status = DeliveryStatus::Delivered;
        store.put_deliveries(&[done], None).expect("update");
        assert_eq!(store.fanout_cursor().expect("cursor"), 3);
        let pending: Vec<u64> = store
            .pending_deliveries(10)
            .expect("pending")
            .iter()
            .map(|d| d.seq)
            .collect();
        assert_eq!(pending, [1, 3]);
        let log = store.deliveries(&hook.id, Some(1), 10).expect("log");
        assert_eq!(log.iter().map(|d| d.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(log[0].status, DeliveryStatus::Delivered);
        store.flush().expect("flush");
    }
    // All of it survives reopening; the secret is sealed on disk.
    let store = open(dir.path());
    assert_eq!(store.fanout_cursor().expect("cursor"), 3);
    assert_eq!(store.pending_deliveries(10).expect("pending").len(), 2);
    assert_eq!(
        store.webhooks().expect("webhooks")[0].secret.plain(),
        Some(&secret)
    );
    drop(store);
    let mut files = Vec::new();
    collect_files(dir.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        assert!(
            !contains(&bytes, secret.expose().as_bytes()),
            "{} holds the secret",
            file.display()
        );
    }
}
