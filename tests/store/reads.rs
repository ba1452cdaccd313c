//! The contract of the lookups behind bulk actions and the operations dashboard:
//! `item_by_content`, `pseudonym` and `operations`; of many items read, submitted or
//! changed in one step.

use super::*;
use warden::domain::event::Remarks;
use warden::domain::item::DecisionAction;
use warden::domain::operations::{hour_of, HOUR_MS};
use warden::domain::privacy::Personal;
use warden::store::Change;

/// Three items in community "c": contents x and y by author a, z by author b.
fn submit_three(store: &dyn Store) -> Vec<warden::domain::item::Submitted> {
    store
        .submit(&[
            submission("x", "a", REVIEW, Action::Review),
            submission("y", "a", REVIEW, Action::Review),
            submission("z", "b", REVIEW, Action::Review),
        ])
        .expect("submit")
}

/// An item is found by its content id in its community only; an author's subject names
/// exactly their items there.
pub fn items_are_found_by_content_and_by_author(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = submit_three(&*store);
    let c = "c".parse().expect("community");
    let d = "d".parse().expect("community");
    let x = "x".parse().expect("content id");
    assert_eq!(
        store.item_by_content(&c, &x).expect("read"),
        Some(out[0].item.id)
    );
    assert_eq!(store.item_by_content(&d, &x).expect("read"), None);
    let nope = "nope".parse().expect("content id");
    assert_eq!(store.item_by_content(&c, &nope).expect("read"), None);

    let a = "a".parse().expect("author");
    let subject = store.pseudonym(&c, &a);
    assert_eq!(Some(subject), out[0].item.subject);
    assert_eq!(store.pseudonym(&c, &a), subject, "a pure function");
    assert_ne!(store.pseudonym(&d, &a), subject, "per community");
    let mut theirs = store.items_of_subject(&subject, 10).expect("read");
    theirs.sort();
    let mut expected = vec![out[0].item.id, out[1].item.id];
    expected.sort();
    assert_eq!(theirs, expected);
}

/// Many items read at once are the items read one by one; unknown ids are left out.
pub fn items_are_read_many_at_once(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = submit_three(&*store);
    let ids = [out[0].item.id, ItemId::random(), out[2].item.id];
    let mut found = store.items(&ids).expect("read");
    found.sort_by_key(|item| item.id);
    let mut one_by_one: Vec<_> = [out[0].item.id, out[2].item.id]
        .iter()
        .map(|id| store.item(id).expect("read").expect("stored"))
        .collect();
    one_by_one.sort_by_key(|item| item.id);
    assert_eq!(found, one_by_one);
    assert!(store.items(&[]).expect("read").is_empty());
}

/// One batch is written as if its submissions came one after another: a content named
/// twice is one item (the same text again changes nothing, a new text is its next
/// revision), first-time authors each get their key, and every item is indexed.
pub fn a_batch_sees_its_own_submissions(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let mut batch: Vec<Submission> = (0..40)
        .map(|i| {
            submission(
                &format!("m{i}"),
                &format!("u{}", i % 7),
                REVIEW,
                Action::Review,
            )
        })
        .collect();
    batch.push(submission("m3", "u3", REVIEW, Action::Review));
    batch.push(submission("m5", "u5", REMOVE, Action::Remove));
    batch.push(submission("m5", "u5", REMOVE, Action::Remove));
    let out = store.submit(&batch).expect("submit");
    assert_eq!(out.len(), 43);
    assert!(out[..40].iter().all(|s| s.changed));
    let (again, revised, same) = (&out[40], &out[41], &out[42]);
    assert!(!again.changed);
    assert_eq!(again.item.id, out[3].item.id);
    assert!(revised.changed);
    assert_eq!(revised.item.id, out[5].item.id);
    assert_eq!(revised.item.revision, out[5].item.revision + 1);
    assert!(!same.changed);
    assert_eq!(same.item.id, out[5].item.id);
    assert!(store
        .revision(&out[5].item.id, revised.item.revision)
        .expect("read")
        .is_some());
    assert_eq!(store.item_ids(None, 100).expect("ids").len(), 40);
    let c = "c".parse().expect("community");
    for (i, s) in out[..40].iter().enumerate() {
        let content = format!("m{i}").parse().expect("content id");
        assert_eq!(
            store.item_by_content(&c, &content).expect("read"),
            Some(s.item.id)
        );
    }
    let u0 = store.pseudonym(&c, &"u0".parse().expect("author"));
    assert_eq!(store.items_of_subject(&u0, 100).expect("read").len(), 6);
    assert_verified(&*store);
}

/// Every committed change adds its tally to its community's hour, in the same step; a
/// refused change adds nothing; a window lists only its hours.
pub fn operations_tallies_add_up_with_each_change(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = store
        .submit(&[
            submission("q1", "a", REVIEW, Action::Review),
            submission("q2", "a", REVIEW, Action::Review),
            submission("r", "b", REMOVE, Action::Remove),
        ])
        .expect("submit");
    let now = Timestamp::now();
    let hour = hour_of(now);
    let window = |from: i64, to: i64| {
        store
            .operations(
                Timestamp::from_millis(hour.millis() + from * HOUR_MS),
                Timestamp::from_millis(hour.millis() + to * HOUR_MS),
            )
            .expect("read")
    };
    let tallies = window(-1, 2);
    assert_eq!(tallies.len(), 1, "{tallies:?}");
    let (key, t) = &tallies[0];
    assert_eq!((key.hour, key.community.as_str()), (hour, "c"));
    assert_eq!(t.queues["review"].entered, 2);
    assert_eq!(t.automated["remove"], 1);

    // A refused change adds nothing; a claim adds a claim and a first-claim time.
    let id = out[0].item.id;
    let refused = store.update(&id, &|_: &mut Item| Err(Failure::invalid_state("no")));
    assert!(refused.is_err());
    let holder = KeyId::random();
    let until = Timestamp::from_millis(now.millis() + 60_000);
    store
        .update(&id, &|item: &mut Item| {
            item.claim(QueueName::Review, &holder, now, until)
        })
        .expect("claim");
    let tallies = window(-1, 2);
    let review = &tallies[0].1.queues["review"];
    assert_eq!((review.entered, review.left, review.claims), (2, 1, 1));
    assert_eq!(review.first_claim.count(), 1);
    assert!(window(1, 3).is_empty());
}

/// Many changes of one community, each its own transaction, add up to one tally per
/// (hour, community), however a backend stores them (PostgreSQL appends a delta per
/// transaction and sums them on read); `fold` (a backend's compaction, if it has one:
/// it returns how many rows fewer it left) changes no figure. Returns what `fold` did.
pub fn many_changes_add_up_to_one_tally_per_hour(
    store: &dyn Store,
    fold: &dyn Fn() -> usize,
) -> usize {
    let ids: Vec<ItemId> = (0..40)
        .map(|i| {
            let out = store
                .submit(&[submission(&format!("m{i}"), "a", REVIEW, Action::Review)])
                .expect("submit");
            out[0].item.id
        })
        .collect();
    let now = Timestamp::now();
    let holder = KeyId::random();
    let until = Timestamp::from_millis(now.millis() + 60_000);
    for id in &ids[..10] {
        store
            .update(id, &|item: &mut Item| {
                item.claim(QueueName::Review, &holder, now, until)
            })
            .expect("claim");
    }
    let hour = hour_of(now).millis();
    let read = || {
        let tallies = store
            .operations(
                Timestamp::from_millis(hour - 2 * HOUR_MS),
                Timestamp::from_millis(hour + 2 * HOUR_MS),
            )
            .expect("read");
        // One tally per key, in key order (two only if the hour turned meanwhile).
        assert!(tallies.windows(2).all(|w| w[0].0 < w[1].0), "{tallies:?}");
        let (mut entered, mut left, mut claims, mut first_claims) = (0, 0, 0, 0);
        for (_, t) in &tallies {
            let review = &t.queues["review"];
            entered += review.entered;
            left += review.left;
            claims += review.claims;
            first_claims += review.first_claim.count();
        }
        assert_eq!((entered, left, claims, first_claims), (40, 10, 10, 10));
        tallies
    };
    let before = read();
    let folded = fold();
    assert_eq!(read(), before, "a fold changes no figure");
    folded
}

/// Queue samples are listed by time, then community, then queue, within their window; a
/// sample of the same time, community and queue replaces the one stored; retention drops
/// the older ones only; they survive a flush and reopening. The hourly tier behaves the
/// same and apart: its rows neither replace nor show among the periodic samples of the
/// same time, and dropping one tier leaves the other.
pub fn queue_samples_replace_list_and_expire(open: Open) {
    use warden::domain::queue_samples::{QueueSample, SampleTier::*};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let t0 = hour_of(Timestamp::now()).millis();
    let sample = |minute: i64, community: &str, queue: QueueName, depth: u64| QueueSample {
        at: Timestamp::from_millis(t0 + minute * 60_000),
        community: community.parse().expect("community"),
        queue,
        depth,
        age_p50: (depth > 0).then_some(depth * 10),
        age_p90: (depth > 0).then_some(depth * 20),
        oldest: (depth > 0).then_some(depth * 30),
    };
    let at = |minute: i64| Timestamp::from_millis(t0 + minute * 60_000);
    store
        .put_queue_samples(
            Periodic,
            &[
                sample(1, "b", QueueName::Review, 2),
                sample(0, "c", QueueName::Appeals, 1),
                sample(1, "a", QueueName::Appeals, 0),
                sample(1, "a", QueueName::Review, 5),
                sample(2, "a", QueueName::Review, 4),
            ],
        )
        .expect("put");
    let listed = |from: i64, to: i64| -> Vec<(i64, String, QueueName, u64)> {
        store
            .queue_samples(Periodic, at(from), at(to))
            .expect("read")
            .into_iter()
            .map(|s| {
                let minute = (s.at.millis() - t0) / 60_000;
                (minute, s.community.to_string(), s.queue, s.depth)
            })
            .collect()
    };
    let row = |m: i64, c: &str, q: QueueName, d: u64| (m, c.to_string(), q, d);
    assert_eq!(
        listed(0, 3),
        vec![
            row(0, "c", QueueName::Appeals, 1),
            row(1, "a", QueueName::Review, 5),
            row(1, "a", QueueName::Appeals, 0),
            row(1, "b", QueueName::Review, 2),
            row(2, "a", QueueName::Review, 4),
        ]
    );
    assert_eq!(listed(1, 2).len(), 3, "[from, to)");
    // The same period sampled again: replaced, not added.
    store
        .put_queue_samples(Periodic, &[sample(1, "a", QueueName::Review, 6)])
        .expect("put");
    let again = store.queue_samples(Periodic, at(1), at(2)).expect("read");
    assert_eq!(again.len(), 3);
    assert_eq!(again[0], sample(1, "a", QueueName::Review, 6));
    // Retention drops what came before, only.
    assert_eq!(store.drop_queue_samples(Periodic, at(1)).expect("drop"), 1);
    assert_eq!(store.drop_queue_samples(Periodic, at(1)).expect("drop"), 0);
    assert_eq!(listed(0, 3).len(), 4);
    store.flush().expect("flush");
    drop(store);
    let store = open(dir.path());
    assert_eq!(
        store
            .queue_samples(Periodic, at(0), at(3))
            .expect("read")
            .len(),
        4
    );

    // The hourly tier: rows at the hours' starts (here minutes 0 and 60 from `t0`).
    let list = |store: &dyn Store, tier, from: i64, to: i64| {
        store
            .queue_samples(tier, at(from), at(to))
            .expect("read")
            .into_iter()
            .map(|s| {
                let minute = (s.at.millis() - t0) / 60_000;
                (minute, s.community.to_string(), s.queue, s.depth)
            })
            .collect::<Vec<_>>()
    };
    let st = &*store;
    assert!(list(st, Hourly, 0, 120).is_empty(), "none until put");
    st.put_queue_samples(
        Hourly,
        &[
            sample(60, "a", QueueName::Review, 9),
            sample(0, "b", QueueName::Review, 7),
            sample(0, "a", QueueName::Review, 8),
        ],
    )
    .expect("put hourly");
    assert_eq!(
        list(st, Hourly, 0, 120),
        vec![
            row(0, "a", QueueName::Review, 8),
            row(0, "b", QueueName::Review, 7),
            row(60, "a", QueueName::Review, 9),
        ]
    );
    assert_eq!(list(st, Hourly, 0, 60).len(), 2, "[from, to)");
    // The rows of minute 0 are not among the periodic samples (minute 0's was dropped).
    assert!(list(st, Periodic, 0, 1).is_empty());
    // Each period rewrites its hour's row: replaced, not added.
    st.put_queue_samples(Hourly, &[sample(0, "a", QueueName::Review, 12)])
        .expect("put hourly");
    assert_eq!(
        st.queue_samples(Hourly, at(0), at(1)).expect("read")[0],
        sample(0, "a", QueueName::Review, 12)
    );
    assert_eq!(list(st, Hourly, 0, 120).len(), 3);
    // Dropping the periodic tier leaves the hourly one, and the other way round.
    assert_eq!(st.drop_queue_samples(Periodic, at(120)).expect("drop"), 4);
    assert_eq!(list(st, Hourly, 0, 120).len(), 3);
    st.put_queue_samples(Periodic, &[sample(61, "a", QueueName::Review, 1)])
        .expect("put");
    assert_eq!(st.drop_queue_samples(Hourly, at(60)).expect("drop"), 2);
    assert_eq!(
        list(st, Hourly, 0, 120),
        vec![row(60, "a", QueueName::Review, 9)]
    );
    assert_eq!(list(st, Periodic, 0, 120).len(), 1);
    st.flush().expect("flush");
    drop(store);
    let store = open(dir.path());
    assert_eq!(
        list(&*store, Hourly, 0, 120),
        vec![row(60, "a", QueueName::Review, 9)]
    );
    assert_eq!(list(&*store, Periodic, 0, 120).len(), 1);
}

/// A claim that brings back its items opened returns exactly what reading them after the
/// claim returns: the item with its personal data opened and its current revision, also
/// after a second revision.
pub fn a_claim_brings_back_what_a_read_after_it_returns(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store
        .submit(&[
            submission("o1", "a", REVIEW, Action::Review),
            submission("o2", "b", REVIEW, Action::Review),
        ])
        .expect("submit");
    let edited = store
        .submit(&[submission(
            "o2",
            "b",
            "you are a f*cking idiot, edited",
            Action::Review,
        )])
        .expect("resubmit");
    assert_eq!(edited[0].item.revision, 2);
    let holder = KeyId::random();
    let now = Timestamp::now();
    let claimed = store
        .claim_opened(
            QueueName::Review,
            &CommunityFilter::All,
            5,
            &|item: &mut Item| item.claim(QueueName::Review, &holder, now, now.plus_seconds(60)),
        )
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    for (item, revision) in claimed {
        let mut read = store.item(&item.id).expect("read").expect("there");
        store.open_item(&mut read).expect("open");
        assert_eq!(item, read);
        assert!(item.author_id.plain().is_some());
        let expected = store.revision(&item.id, item.revision).expect("read");
        assert!(expected.is_some());
        assert_eq!(revision, expected);
    }
    // Nothing is left to claim.
    let again = store
        .claim_opened(
            QueueName::Review,
            &CommunityFilter::All,
            5,
            &|item: &mut Item| item.claim(QueueName::Review, &holder, now, now.plus_seconds(60)),
        )
        .expect("claim");
    assert!(again.is_empty());
}

/// Several claimers' claims in one step: the queue's items in its order, the first
/// claimer's first, each up to its limit; each claimed item as a read after the claim
/// returns it; and nothing left for a step after.
pub fn several_claims_are_made_in_one_step(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let batch: Vec<Submission> = (0..5)
        .map(|i| submission(&format!("o{i}"), "a", REVIEW, Action::Review))
        .collect();
    store.submit(&batch).expect("submit");
    let order: Vec<ItemId> = store
        .queue(QueueName::Review, &CommunityFilter::All, None, 10)
        .expect("queue")
        .iter()
        .map(|e| e.item_id)
        .collect();
    assert_eq!(order.len(), 5);
    let holders = [KeyId::random(), KeyId::random(), KeyId::random()];
    let now = Timestamp::now();
    let claim_by = |holder: &KeyId| {
        let holder = holder.clone();
        move |item: &mut Item| item.claim(QueueName::Review, &holder, now, now.plus_seconds(60))
    };
    let changes: Vec<_> = holders.iter().map(claim_by).collect();
    let limits = [2, 1, 3];
    let claims: Vec<(usize, &Change<'_>)> = limits
        .iter()
        .zip(&changes)
        .map(|(limit, change)| (*limit, change as &Change<'_>))
        .collect();
    let claimed = store
        .claim_many_opened(QueueName::Review, &CommunityFilter::All, &claims)
        .expect("one step");
    let got: Vec<Vec<ItemId>> = claimed
        .iter()
        .map(|mine| {
            mine.as_ref()
                .expect("claimed")
                .iter()
                .map(|(item, _)| item.id)
                .collect()
        })
        .collect();
    // The third wanted three and gets the two left.
    assert_eq!(
        got,
        vec![
            order[0..2].to_vec(),
            order[2..3].to_vec(),
            order[3..5].to_vec()
        ]
    );
    for (mine, holder) in claimed.into_iter().zip(&holders) {
        for (item, revision) in mine.expect("claimed") {
            assert_eq!(item.lease.as_ref().map(|l| &l.holder), Some(holder));
            let mut read = store.item(&item.id).expect("read").expect("there");
            store.open_item(&mut read).expect("open");
            assert_eq!(item, read);
            assert_eq!(revision, store.revision(&item.id, 1).expect("read"));
        }
    }
    let again = store
        .claim_many_opened(QueueName::Review, &CommunityFilter::All, &claims[..2])
        .expect("one step");
    assert_eq!(again.len(), 2);
    assert!(again
        .iter()
        .all(|mine| mine.as_ref().is_ok_and(Vec::is_empty)));
    assert_verified(&*store);
}

/// Several items' changes in one step: each answered in input order as a change of its
/// own would be (written, refused, not found, or refused as a second change of an item
/// in the step); a refusal writes nothing of its item and the others are all written,
/// with what they derive.
pub fn several_changes_are_written_in_one_step(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = submit_three(&*store);
    let (x, y, z) = (&out[0].item, &out[1].item, &out[2].item);
    let moderator = KeyId::random();
    let now = Timestamp::now();
    let claim = |item: &mut Item| -> Result<Vec<Event>, Failure> {
        item.claim(QueueName::Review, &moderator, now, now.plus_seconds(60))
    };
    let claim_then_refuse = |item: &mut Item| -> Result<Vec<Event>, Failure> {
        claim(item)?;
        Err(Failure::invalid_state("refused after the fact"))
    };
    let remarks = Remarks {
        reason: "fine".into(),
        labels: Vec::new(),
        note: None,
    };
    let approve = |item: &mut Item| -> Result<Vec<Event>, Failure> {
        item.decide(&moderator, true, DecisionAction::Approve, &remarks, now)
    };
    let seq = store.rule_seq();
    let rules_before = store.item_rules(&z.id).expect("rules").len();
    let answers = store
        .update_many_opened(&[
            (x.id, &claim),
            (ItemId::random(), &claim),
            (y.id, &claim_then_refuse),
            (x.id, &claim),
            (z.id, &approve),
        ])
        .expect("one step");
    let codes: Vec<Option<Code>> = answers
        .iter()
        .map(|a| a.as_ref().err().map(Failure::code))
        .collect();
    assert_eq!(
        codes,
        [
            None,
            Some(Code::NotFound),
            Some(Code::InvalidState),
            Some(Code::InvalidState),
            None
        ]
    );
    // The written ones come back as a view shows them: author opened, revision read.
    for (answer, stored, author) in [(&answers[0], x, "a"), (&answers[4], z, "b")] {
        let (item, revision) = answer.as_ref().expect("written");
        assert_eq!(item.id, stored.id);
        let author = author.parse().expect("author");
        assert_eq!(item.author_id, Personal::Plain(author), "opened");
        assert_eq!(revision.as_ref().map(|r| r.revision), Some(stored.revision));
    }
    let x_now = store.item(&x.id).expect("read").expect("there");
    assert_eq!(x_now.lease.map(|l| l.holder), Some(moderator.clone()));
    assert_eq!(store.events(&x.id).expect("events").len(), 2);
    let y_now = store.item(&y.id).expect("read").expect("there");
    assert_eq!((y_now.lease, y_now.last_seq), (None, y.last_seq));
    assert_eq!(store.events(&y.id).expect("events").len(), 1);
    assert_eq!(store.item_decisions(&z.id).expect("decisions").len(), 1);
    assert!(store.rule_seq() > seq, "the approval ended z's review rule");
    assert!(rules_before > 0);
    assert_eq!(
        store
            .queue(QueueName::Review, &CommunityFilter::All, None, 10)
            .expect("queue")
            .iter()
            .map(|e| e.item_id)
            .collect::<Vec<_>>(),
        [y.id],
        "x is leased, z decided, y waits"
    );
    assert!(store.update_many_opened(&[]).expect("nothing").is_empty());
    assert_verified(&*store);
}

/// The change log's entries carry their own seqs (1, 2, … in order) and each rule's id
/// is made from the seq of the entry that created it; the active rules are their rules'
/// last entries. (PostgreSQL writes the seqs into the entries in the commit's own
/// statement, so this is checked on what was read back, not on what was sent.)
pub fn change_log_entries_carry_their_seqs_and_ids(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let first = store
        .submit(&[
            submission("x", "a", REMOVE, Action::Remove),
            submission("y", "b", REVIEW, Action::Review),
        ])
        .expect("submit");
    store
        .submit(&[submission("z", "c", REMOVE, Action::Remove)])
        .expect("submit");
    let moderator = KeyId::random();
    let remarks = Remarks {
        reason: "fine".into(),
        labels: Vec::new(),
        note: None,
    };
    store
        .update(&first[1].item.id, &|item: &mut Item| {
            item.decide(
                &moderator,
                true,
                DecisionAction::Approve,
                &remarks,
                Timestamp::now(),
            )
        })
        .expect("approve");
    let log = store.rule_log(0, 1000).expect("log");
    assert!(log.len() >= 4, "{} entries", log.len());
    let seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=log.len() as u64).collect::<Vec<_>>());
    assert_eq!(store.rule_seq(), log.len() as u64);
    let mut created: std::collections::HashMap<String, u64> = Default::default();
    for entry in &log {
        let made_at = *created
            .entry(entry.rule_id.as_str().to_string())
            .or_insert(entry.seq);
        assert_eq!(
            entry.rule_id.as_str(),
            format!("rul_{made_at}"),
            "{entry:?}"
        );
    }
    let active = store.active_rules().expect("active");
    assert!(!active.is_empty());
    for rule in &active {
        let last = log
            .iter()
            .rev()
            .find(|e| e.rule_id == rule.rule_id)
            .expect("logged");
        assert_eq!(rule, last);
    }
}

/// Two batches creating the same new contents in opposite orders at once (two nodes, or a
/// coalesced batch beside a large request) make each item once, and both are answered
/// with the same items.
pub fn opposite_batches_of_new_contents_make_each_item_once(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let started = std::time::Instant::now();
    for round in 0..10 {
        let ids: Vec<String> = (0..20).map(|i| format!("r{round}c{i}")).collect();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = [false, true]
            .into_iter()
            .map(|reversed| {
                let (store, barrier, mut ids) = (store.clone(), barrier.clone(), ids.clone());
                if reversed {
                    ids.reverse();
                }
                std::thread::spawn(move || {
                    let batch: Vec<Submission> = ids
                        .iter()
                        .map(|id| submission(id, "a", REVIEW, Action::Review))
                        .collect();
                    barrier.wait();
                    let out = store.submit(&batch).expect("submit");
                    ids.iter()
                        .zip(out)
                        .map(|(id, s)| (id.clone(), s.item.id))
                        .collect::<std::collections::BTreeMap<_, _>>()
                })
            })
            .collect();
        let answers: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect();
        assert_eq!(answers[0], answers[1], "round {round}");
        let c = "c".parse().expect("community");
        for (id, item) in &answers[0] {
            let content = id.parse().expect("content id");
            assert_eq!(
                store.item_by_content(&c, &content).expect("read"),
                Some(*item)
            );
        }
    }
    assert_eq!(store.item_ids(None, 1000).expect("ids").len(), 200);
    // Not asserted (these machines are shared): on PostgreSQL, a deadlock costs a second.
    eprintln!("opposite batches: 10 rounds in {:?}", started.elapsed());
    assert_verified(&*store);
}
