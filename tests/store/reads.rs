//! The contract of the lookups behind bulk actions and the operations dashboard:
//! `item_by_content`, `pseudonym` and `operations`.

use super::*;
use warden::domain::operations::{hour_of, HOUR_MS};

/// An item is found by its content id in its community only; an author's subject names
/// exactly their items there.
pub fn items_are_found_by_content_and_by_author(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = store
        .submit(&[
            submission("x", "a", REVIEW, Action::Review),
            submission("y", "a", REVIEW, Action::Review),
            submission("z", "b", REVIEW, Action::Review),
        ])
        .expect("submit");
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
