//! The lifecycle's transitions, replayed against their history.

use super::*;
use crate::domain::event::EventKind;
use crate::domain::history::check_history;

fn submission(action: Action) -> Submission {
    let verdict = crate::Engine::builder().build().unwrap().score("hello");
    Submission {
        new_id: ItemId::random(),
        community: "c".parse().unwrap(),
        content_id: "x".parse().unwrap(),
        author_id: "a".parse().unwrap(),
        ownership_change: false,
        text: ContentText::new("hello").unwrap(),
        context: None,
        verdict,
        action,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: Timestamp::from_millis(1_000),
    }
}

fn subject() -> SubjectId {
    SubjectId::from_bytes([1; 16])
}

/// Numbers events as the store does.
fn log(item: &mut Item, history: &mut Vec<Event>, events: Vec<Event>) {
    for mut e in events {
        item.last_seq += 1;
        e.seq = item.last_seq;
        history.push(e);
    }
}

#[test]
fn history_replays_to_the_state_and_catches_drift() {
    let (mut item, _, events) = Item::create(&submission(Action::Review), subject(), "d".into());
    let mut history = Vec::new();
    log(&mut item, &mut history, events);
    let m = KeyId::random();
    let t = |ms| Timestamp::from_millis(ms);
    let evs = item
        .claim(QueueName::Review, &m, t(2_000), t(9_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let remarks = Remarks {
        reason: "r".into(),
        ..Remarks::default()
    };
    // Someone else, or the holder after expiry, may not decide.
    let other = KeyId::random();
    let err = item
        .clone()
        .decide(&other, false, DecisionAction::Remove, &remarks, t(3_000))
        .unwrap_err();
    assert_eq!(err.code(), Code::LeaseConflict);
    let err = item
        .clone()
        .decide(&m, false, DecisionAction::Remove, &remarks, t(9_000))
        .unwrap_err();
    assert_eq!(err.code(), Code::LeaseConflict);
    let evs = item
        .decide(&m, false, DecisionAction::Remove, &remarks, t(3_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let evs = item.appeal(&other, "please".into(), t(4_000)).unwrap();
    log(&mut item, &mut history, evs);
    let evs = item
        .decide(&other, true, DecisionAction::Approve, &remarks, t(5_000))
        .unwrap();
    assert_eq!(evs[0].kind, EventKind::Reversed);
    log(&mut item, &mut history, evs);
    assert_eq!(check_history(&item, &history), Ok(()));

    // A state change without its event is caught, and so is a gap in the log.
    let mut drifted = item.clone();
    drifted.outcome = Some(Outcome::Remove);
    assert!(check_history(&drifted, &history).is_err());
    let mut gap = history.clone();
    gap.remove(2);
    assert!(check_history(&item, &gap).is_err());
}

#[test]
fn undo_restores_the_state_before_the_decision_and_replays() {
    let (mut item, _, events) = Item::create(&submission(Action::Review), subject(), "d".into());
    let mut history = Vec::new();
    log(&mut item, &mut history, events);
    let m = KeyId::random();
    let t = |ms| Timestamp::from_millis(ms);
    let remarks = Remarks {
        reason: "r".into(),
        ..Remarks::default()
    };
    let evs = item
        .claim(QueueName::Review, &m, t(2_000), t(9_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let before = item.clone();
    let evs = item
        .decide(&m, false, DecisionAction::Remove, &remarks, t(3_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    assert_eq!(item.undo_until(&m, t(3_000)), Some(t(9_000)));
    assert_eq!(item.undo_until(&m, t(9_000)), None);

    // Not by someone else, not once the lease would have run out.
    let other = KeyId::random();
    let err = item.clone().undo(&other, t(4_000)).unwrap_err();
    assert_eq!(err.code(), Code::LeaseConflict);
    let err = item.clone().undo(&m, t(9_000)).unwrap_err();
    assert_eq!(err.code(), Code::LeaseConflict);

    let evs = item.undo(&m, t(4_000)).unwrap();
    assert_eq!(evs[0].kind, EventKind::Undone);
    assert_eq!(evs[0].previous_outcome, Some(Outcome::Remove));
    log(&mut item, &mut history, evs);
    assert_eq!(check_history(&item, &history), Ok(()));
    assert_eq!(
        (
            item.status,
            item.queue,
            item.enqueued_at,
            &item.lease,
            item.outcome
        ),
        (
            before.status,
            before.queue,
            before.enqueued_at,
            &before.lease,
            before.outcome
        )
    );
    // Once undone there is nothing left to undo.
    let err = item.clone().undo(&m, t(5_000)).unwrap_err();
    assert_eq!(err.code(), Code::InvalidState);

    // An escalation is undone the same way; a later event ends the chance.
    let evs = item
        .decide(&m, false, DecisionAction::Escalate, &remarks, t(5_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let evs = item.undo(&m, t(6_000)).unwrap();
    log(&mut item, &mut history, evs);
    assert_eq!(item.queue, Some(QueueName::Review));
    assert_eq!(check_history(&item, &history), Ok(()));
    let evs = item
        .decide(
            &m,
            false,
            DecisionAction::Label,
            &Remarks {
                labels: vec!["crude".into()],
                ..remarks.clone()
            },
            t(6_500),
        )
        .unwrap();
    log(&mut item, &mut history, evs);
    let evs = item.appeal(&other, "no".into(), t(7_000)).unwrap();
    log(&mut item, &mut history, evs);
    let err = item.clone().undo(&m, t(7_500)).unwrap_err();
    assert_eq!(err.code(), Code::InvalidState);

    // Undoing an appeal's decision leaves the appeal waiting and the outcome standing.
    let evs = item
        .claim(QueueName::Appeals, &m, t(7_600), t(20_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let evs = item
        .decide(&m, false, DecisionAction::Approve, &remarks, t(8_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    assert_eq!(
        item.appeal.as_ref().unwrap().result,
        Some(AppealResult::Reversed)
    );
    let evs = item.undo(&m, t(8_500)).unwrap();
    log(&mut item, &mut history, evs);
    assert_eq!(item.outcome, Some(Outcome::Label));
    assert_eq!(item.labels, ["crude"]);
    assert_eq!(item.queue, Some(QueueName::Appeals));
    assert_eq!(item.appeal.as_ref().unwrap().result, None);
    assert_eq!(check_history(&item, &history), Ok(()));
}

#[test]
fn only_labels_and_removals_are_appealable_once() {
    let (mut allowed, _, _) = Item::create(&submission(Action::Allow), subject(), "d".into());
    let key = KeyId::random();
    let now = Timestamp::from_millis(5_000);
    assert_eq!(
        allowed.appeal(&key, "x".into(), now).unwrap_err().code(),
        Code::InvalidState
    );
    let (mut removed, _, _) = Item::create(&submission(Action::Remove), subject(), "d".into());
    assert!(removed.appeal(&key, "x".into(), now).is_ok());
    assert_eq!(removed.queue, Some(QueueName::Appeals));
    assert_eq!(removed.outcome, Some(Outcome::Remove));
    assert_eq!(
        removed
            .appeal(&key, "again".into(), now)
            .unwrap_err()
            .code(),
        Code::InvalidState
    );
}

/// Items stored when an empty digest meant "none" read back with none.
#[test]
fn an_empty_stored_digest_is_no_digest() {
    let (mut item, _, _) = Item::create(&submission(Action::Review), subject(), "d".into());
    // Only sealed (or removed) personal data is ever stored.
    item.author_id = Personal::Removed;
    let mut json = serde_json::to_value(&item).unwrap();
    json["text_digest"] = serde_json::json!("");
    let read: Item = serde_json::from_value(json).unwrap();
    assert_eq!(read.text_digest, None);
    let json = serde_json::to_value(&item).unwrap();
    let read: Item = serde_json::from_value(json).unwrap();
    assert_eq!(read.text_digest.as_deref(), Some("d"));
}

#[test]
fn bulk_decisions_respect_leases_redecide_and_replay() {
    use crate::domain::bulk::BulkId;
    let t = |ms| Timestamp::from_millis(ms);
    let remarks = Remarks {
        reason: "spam wave".into(),
        ..Remarks::default()
    };
    let bulk = BulkId::random();
    let (me, other) = (KeyId::random(), KeyId::random());

    // A waiting item leased to someone else: refused for a moderator, not an admin.
    let (mut item, _, events) = Item::create(&submission(Action::Review), subject(), "d".into());
    let mut history = Vec::new();
    log(&mut item, &mut history, events);
    let evs = item
        .claim(QueueName::Review, &other, t(2_000), t(9_000))
        .unwrap();
    log(&mut item, &mut history, evs);
    let err = item
        .clone()
        .bulk_decide(
            &me,
            false,
            DecisionAction::Remove,
            &remarks,
            &bulk,
            t(3_000),
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::LeaseConflict);
    let evs = item
        .bulk_decide(&me, true, DecisionAction::Remove, &remarks, &bulk, t(3_000))
        .unwrap();
    assert_eq!(evs[0].bulk_id.as_ref(), Some(&bulk));
    assert!(
        item.undo.is_none(),
        "bulk decisions are not undone item by item"
    );
    log(&mut item, &mut history, evs);
    check_history(&item, &history).unwrap();

    // An automatically allowed item gets the new outcome, naming the previous one.
    let (mut item, _, events) = Item::create(&submission(Action::Allow), subject(), "d".into());
    let mut history = Vec::new();
    log(&mut item, &mut history, events);
    let evs = item
        .bulk_decide(
            &me,
            false,
            DecisionAction::Remove,
            &remarks,
            &bulk,
            t(3_000),
        )
        .unwrap();
    assert_eq!(evs[0].kind, EventKind::Decided);
    assert_eq!(evs[0].previous_outcome, Some(Outcome::Allow));
    log(&mut item, &mut history, evs);
    assert_eq!(item.outcome, Some(Outcome::Remove));
    check_history(&item, &history).unwrap();
    // Again: nothing to do. Escalating a decided item: refused.
    let again = item
        .bulk_decide(
            &me,
            false,
            DecisionAction::Remove,
            &remarks,
            &bulk,
            t(4_000),
        )
        .unwrap();
    assert!(again.is_empty());
    let err = item
        .clone()
        .bulk_decide(
            &me,
            false,
            DecisionAction::Escalate,
            &remarks,
            &bulk,
            t(4_000),
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidState);

    // Without a bulk id, a decision on a decided item does not replay.
    let mut forged = history.clone();
    if let Some(last) = forged.last_mut() {
        last.bulk_id = None;
    }
    assert!(check_history(&item, &forged).is_err());
}
