//! An item's history replayed: the check that its state is exactly what its events say
//! (the store's `verify` and the crash test run it over every item).

use crate::clock::Timestamp;
use crate::domain::event::{Actor, Event, EventKind};
use crate::domain::item::{Item, Outcome, QueueName, Status};

/// Checks that `item`'s state is exactly what replaying `events` gives, and that the
/// events are numbered 1..n without gaps. The crash test runs this over every item.
pub fn check_history(item: &Item, events: &[Event]) -> Result<(), String> {
    for (i, e) in events.iter().enumerate() {
        if e.seq != i as u64 + 1 {
            return Err(format!("event {} has seq {}", i + 1, e.seq));
        }
    }
    if item.last_seq != events.len() as u64 {
        return Err(format!(
            "item says {} events, log has {}",
            item.last_seq,
            events.len()
        ));
    }
    #[derive(Debug, PartialEq)]
    struct State {
        revision: u32,
        status: Option<Status>,
        queue: Option<QueueName>,
        lease: Option<(Actor, Option<Timestamp>)>,
        outcome: Option<Outcome>,
    }
    let mut s = State {
        revision: 0,
        status: None,
        queue: None,
        lease: None,
        outcome: None,
    };
    for e in events {
        let bad = |why: &str| Err(format!("event {} ({:?}): {why}", e.seq, e.kind));
        match e.kind {
            EventKind::Submitted => {
                s.revision = e.revision.unwrap_or(0);
                s.lease = None;
                s.outcome = None;
                s.queue = e.queue;
                s.status = e.queue.map(|_| Status::Pending);
            }
            EventKind::AutoDecided => {
                if s.status.is_some() {
                    return bad("auto-decision without a submission");
                }
                s.status = Some(Status::Decided);
                s.outcome = e.outcome;
            }
            EventKind::Claimed => {
                if s.status != Some(Status::Pending) || s.lease.is_some() {
                    return bad("claim of an item that is not waiting");
                }
                s.lease = Some((e.actor.clone(), e.lease_expires_at));
            }
            EventKind::Released | EventKind::Expired => {
                if s.lease.is_none() {
                    return bad("no lease to end");
                }
                s.lease = None;
            }
            EventKind::Decided | EventKind::Reversed => {
                // A bulk decision may change the outcome of a decided item.
                let redecided = e.kind == EventKind::Decided
                    && e.bulk_id.is_some()
                    && s.status == Some(Status::Decided);
                if s.status != Some(Status::Pending) && !redecided {
                    return bad("decision on an item that is not pending");
                }
                s.status = Some(Status::Decided);
                s.queue = None;
                s.lease = None;
                s.outcome = e.outcome;
            }
            EventKind::Escalated => {
                if s.status != Some(Status::Pending) {
                    return bad("escalation of an item that is not pending");
                }
                s.queue = Some(QueueName::Escalated);
                s.lease = None;
            }
            EventKind::Appealed => {
                if s.status != Some(Status::Decided) {
                    return bad("appeal of an item that is not decided");
                }
                s.status = Some(Status::Pending);
                s.queue = Some(QueueName::Appeals);
            }
            EventKind::Undone => {
                let decided = s.status == Some(Status::Decided);
                let escalated = s.queue == Some(QueueName::Escalated) && s.lease.is_none();
                if !(decided || escalated) || e.queue.is_none() {
                    return bad("undo of an item that is not decided or escalated");
                }
                s.status = Some(Status::Pending);
                s.queue = e.queue;
                s.lease = Some((e.actor.clone(), e.lease_expires_at));
                s.outcome = e.outcome;
            }
            // A report sends an allowed or labelled item to review, keeping its outcome.
            EventKind::Reported => {
                if let Some(queue) = e.queue {
                    if s.status != Some(Status::Decided) {
                        return bad("a report sent an item to review that was not decided");
                    }
                    s.status = Some(Status::Pending);
                    s.queue = Some(queue);
                }
            }
            EventKind::ReportResolved => {}
            // Privacy events change what is held, not where the item is; an ownership
            // change is followed by the `submitted` of the revision it came with.
            EventKind::PiiRevealed
            | EventKind::Erased
            | EventKind::TextExpired
            | EventKind::OwnershipChanged => {}
        }
    }
    let actual = State {
        revision: item.revision,
        status: Some(item.status),
        queue: item.queue,
        lease: item
            .lease
            .as_ref()
            .map(|l| (Actor::Key(l.holder.clone()), Some(l.expires_at))),
        outcome: item.outcome,
    };
    if actual != s {
        return Err(format!("state {actual:?} but history gives {s:?}"));
    }
    Ok(())
}
