//! User reports on an item (see `notice`): attaching one, routing the item to review,
//! and resolving open reports when a decision, an undo or a new revision changes what
//! they were about. Pure transitions, like the rest of `item`.

use super::{Item, Outcome, QueueName, Status};
use crate::clock::Timestamp;
use crate::domain::event::Event;
use crate::domain::notice::{
    Report, ReportId, ReportOutcome, ReportPolicy, ReportReason, MAX_RESOLVED_PER_ITEM,
};
use crate::domain::privacy::{Personal, SubjectId};
use crate::domain::queue;
use crate::ids::KeyId;

/// A report about to be attached.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: ReportId,
    /// The reporter's pseudonym in the item's community.
    pub reporter: SubjectId,
    pub reason: ReportReason,
    pub comment: Option<String>,
    /// The reporter's weight now (see `notice::ReporterRecord::weight`).
    pub weight: u32,
    pub trusted: bool,
    /// The platform's key that forwarded it.
    pub actor: KeyId,
    pub at: Timestamp,
}

impl Item {
    /// The reporter's open report on this item, if any.
    pub fn open_report_by(&self, reporter: &SubjectId) -> Option<&Report> {
        self.reports
            .iter()
            .find(|r| r.is_open() && r.reporter.as_ref() == Some(reporter))
    }

    /// The open reports, oldest first.
    pub fn open_reports(&self) -> Vec<&Report> {
        self.reports.iter().filter(|r| r.is_open()).collect()
    }

    /// Attaches a report (module docs of `notice`). A reporter's second open report on
    /// the item changes nothing (no events): the first stands.
    pub fn report(&mut self, new: NewReport, policy: &ReportPolicy) -> Vec<Event> {
        if self.open_report_by(&new.reporter).is_some() {
            return Vec::new();
        }
        let mut report = Report {
            id: new.id.clone(),
            reporter: Some(new.reporter),
            revision: self.revision,
            reason: new.reason,
            // A comment may quote the text: once retention or erasure took the text,
            // none is kept.
            comment: new
                .comment
                .filter(|_| self.text_removed.is_none())
                .map(Personal::Plain),
            weight: new.weight,
            trusted: new.trusted,
            at: new.at,
            resolution: None,
        };
        self.updated_at = new.at;
        self.forget_old_reports();
        let reported_seq = self.last_seq + 1;
        if self.status == Status::Decided && self.outcome == Some(Outcome::Remove) {
            report.resolution = Some(crate::domain::notice::Resolution {
                outcome: ReportOutcome::AlreadyRemoved,
                at: new.at,
                seq: reported_seq,
            });
            self.reports.push(report);
            return vec![
                Event::reported(&new.actor, new.at, &new.id, new.reason, None),
                Event::report_resolved(
                    None,
                    new.at,
                    &new.id,
                    new.reason,
                    ReportOutcome::AlreadyRemoved,
                ),
            ];
        }
        self.reports.push(report);
        let open = self.open_reports();
        let bonus = policy.bonus(&open);
        let mut queue_entered = None;
        if self.status == Status::Decided && policy.routes(&open) {
            // The outcome stays in force until a moderator decides, as while an appeal
            // waits.
            self.status = Status::Pending;
            self.queue = Some(QueueName::Review);
            self.enqueued_at = Some(new.at);
            self.lease = None;
            self.text_due_at = None;
            queue_entered = Some(QueueName::Review);
        }
        if self.status == Status::Pending && self.queue == Some(QueueName::Review) {
            self.priority = queue::base_priority(&self.verdict).saturating_add(bonus);
        }
        vec![Event::reported(
            &new.actor,
            new.at,
            &new.id,
            new.reason,
            queue_entered,
        )]
    }

    /// Drops the oldest resolved reports beyond [`MAX_RESOLVED_PER_ITEM`].
    fn forget_old_reports(&mut self) {
        let resolved = self.reports.iter().filter(|r| !r.is_open()).count();
        let mut over = resolved.saturating_sub(MAX_RESOLVED_PER_ITEM - 1);
        self.reports.retain(|r| {
            let drop = over > 0 && !r.is_open();
            over -= usize::from(drop);
            !drop
        });
    }

    /// Resolves every open report by the decision just made (the item is settled with
    /// its outcome and labels), returning the `report_resolved` events to append after
    /// the decision's event, which has seq `decision_seq`.
    pub(super) fn resolve_reports(
        &mut self,
        actor: &KeyId,
        now: Timestamp,
        decision_seq: u64,
    ) -> Vec<Event> {
        let (Some(outcome), labels) = (self.outcome, &self.labels) else {
            return Vec::new();
        };
        let mut events = Vec::new();
        for report in self.reports.iter_mut().filter(|r| r.is_open()) {
            let result = if report.reason.upheld_by(outcome, labels) {
                ReportOutcome::Upheld
            } else {
                ReportOutcome::Rejected
            };
            report.resolution = Some(crate::domain::notice::Resolution {
                outcome: result,
                at: now,
                seq: decision_seq,
            });
            events.push(Event::report_resolved(
                Some(actor),
                now,
                &report.id,
                report.reason,
                result,
            ));
        }
        events
    }

    /// Reopens the reports the decision with seq `decision_seq` resolved (it was undone).
    pub(super) fn reopen_reports(&mut self, decision_seq: u64) {
        for report in &mut self.reports {
            if report
                .resolution
                .as_ref()
                .is_some_and(|r| r.seq == decision_seq && r.outcome.counted().is_some())
            {
                report.resolution = None;
            }
        }
    }

    /// A new revision: open reports were about the old text. Appends their
    /// `report_resolved` events to `events` (the step's events so far).
    pub(super) fn supersede_reports(&mut self, events: &mut Vec<Event>, now: Timestamp) {
        let seq = self.last_seq + 1;
        for report in self.reports.iter_mut().filter(|r| r.is_open()) {
            report.resolution = Some(crate::domain::notice::Resolution {
                outcome: ReportOutcome::Superseded,
                at: now,
                seq,
            });
            events.push(Event::report_resolved(
                None,
                now,
                &report.id,
                report.reason,
                ReportOutcome::Superseded,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EventKind, Remarks};
    use crate::domain::history::check_history;
    use crate::domain::item::{DecisionAction, Submission};
    use crate::domain::notice::{ReporterRecord, TRUSTED_WEIGHT};
    use crate::ids::{ContentText, ItemId};
    use crate::verdict::Action;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    fn item(action: Action) -> (Item, Vec<Event>) {
        let sub = Submission {
            new_id: ItemId::random(),
            community: "c".parse().unwrap(),
            content_id: "x".parse().unwrap(),
            author_id: "a".parse().unwrap(),
            ownership_change: false,
            text: ContentText::new("hello").unwrap(),
            context: None,
            verdict: crate::Engine::builder().build().unwrap().score("hello"),
            action,
            labels: vec!["spam".into()],
            actor: KeyId::random(),
            at: t(1_000),
        };
        let (mut item, _, events) = Item::create(&sub, SubjectId::from_bytes([1; 16]), "d".into());
        let mut history = Vec::new();
        log(&mut item, &mut history, events);
        (item, history)
    }

    fn log(item: &mut Item, history: &mut Vec<Event>, events: Vec<Event>) {
        for mut e in events {
            item.last_seq += 1;
            e.seq = item.last_seq;
            history.push(e);
        }
    }

    fn new(reporter: u8, weight: u32, reason: ReportReason, at: i64) -> NewReport {
        NewReport {
            id: ReportId::random(),
            reporter: SubjectId::from_bytes([reporter; 16]),
            reason,
            comment: None,
            weight,
            trusted: weight == TRUSTED_WEIGHT,
            actor: KeyId::random(),
            at: t(at),
        }
    }

    /// Where a report leaves an item, by what Warden did and the report's weight.
    #[test]
    fn routing_by_state_and_weight() {
        let policy = ReportPolicy::default();
        let cases = [
            (
                Action::Allow,
                500,
                Status::Pending,
                Some(QueueName::Review),
                None,
            ),
            (
                Action::Label,
                500,
                Status::Pending,
                Some(QueueName::Review),
                None,
            ),
            (Action::Allow, 100, Status::Decided, None, None),
            (
                Action::Allow,
                TRUSTED_WEIGHT,
                Status::Pending,
                Some(QueueName::Review),
                None,
            ),
            (
                Action::Review,
                100,
                Status::Pending,
                Some(QueueName::Review),
                None,
            ),
            (
                Action::Remove,
                500,
                Status::Decided,
                None,
                Some(ReportOutcome::AlreadyRemoved),
            ),
        ];
        for (action, weight, status, queue, resolved) in cases {
            let (mut it, mut history) = item(action);
            let base = it.priority;
            let evs = it.report(new(2, weight, ReportReason::Threat, 2_000), &policy);
            log(&mut it, &mut history, evs);
            let case = format!("{action:?} weight {weight}");
            assert_eq!((it.status, it.queue), (status, queue), "{case}");
            assert_eq!(
                it.reports[0].resolution.as_ref().map(|r| r.outcome),
                resolved,
                "{case}"
            );
            if it.queue == Some(QueueName::Review) {
                assert!(it.priority > base, "{case}: reports raise the priority");
            }
            assert_eq!(check_history(&it, &history), Ok(()), "{case}");
            // A repeat by the same reporter changes nothing while the first is open.
            if resolved.is_none() {
                let before = it.clone();
                assert!(it
                    .report(new(2, weight, ReportReason::Spam, 3_000), &policy)
                    .is_empty());
                assert_eq!(it, before, "{case}");
            }
        }
    }

    /// Light reports add up; the decision resolves them by its outcome and labels; an
    /// undo reopens them; a new revision supersedes open ones.
    #[test]
    fn reports_add_up_resolve_reopen_and_are_superseded() {
        let policy = ReportPolicy::default();
        let (mut it, mut history) = item(Action::Allow);
        for (n, reason) in [(2, ReportReason::Spam), (3, ReportReason::Insult)] {
            let evs = it.report(new(n, 300, reason, 2_000), &policy);
            log(&mut it, &mut history, evs);
        }
        assert_eq!(it.queue, Some(QueueName::Review), "300 + 300 ≥ 500");
        let m = KeyId::random();
        let evs = it.claim(QueueName::Review, &m, t(3_000), t(9_000)).unwrap();
        log(&mut it, &mut history, evs);
        let remarks = Remarks {
            reason: "r".into(),
            labels: vec!["spam".into()],
            note: None,
        };
        let evs = it
            .decide(&m, false, DecisionAction::Label, &remarks, t(4_000))
            .unwrap();
        let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Decided,
                EventKind::ReportResolved,
                EventKind::ReportResolved
            ]
        );
        log(&mut it, &mut history, evs);
        let outcomes: Vec<Option<ReportOutcome>> = it
            .reports
            .iter()
            .map(|r| r.resolution.as_ref().map(|x| x.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [Some(ReportOutcome::Upheld), Some(ReportOutcome::Rejected)],
            "labelled spam: the spam report is upheld, the insult one is not"
        );
        assert_eq!(check_history(&it, &history), Ok(()));

        // The decider may still undo: the reports open again.
        assert!(it.undo_until(&m, t(5_000)).is_some());
        let evs = it.undo(&m, t(5_000)).unwrap();
        log(&mut it, &mut history, evs);
        assert!(it.reports.iter().all(Report::is_open));
        assert_eq!(check_history(&it, &history), Ok(()));

        // Edited before a decision: the open reports were about the old text.
        let (mut edited, _) = item(Action::Allow);
        edited.reports = it.reports.clone();
        let sub = Submission {
            new_id: ItemId::random(),
            community: "c".parse().unwrap(),
            content_id: "x".parse().unwrap(),
            author_id: "a".parse().unwrap(),
            ownership_change: false,
            text: ContentText::new("hello again").unwrap(),
            context: None,
            verdict: it.verdict.clone(),
            action: Action::Allow,
            labels: vec![],
            actor: KeyId::random(),
            at: t(6_000),
        };
        let (after, _, evs) = edited
            .resubmit(&sub, SubjectId::from_bytes([1; 16]), "e".into())
            .unwrap();
        assert_eq!(
            evs.iter()
                .filter(|e| e.kind == EventKind::ReportResolved)
                .count(),
            2
        );
        assert!(after
            .reports
            .iter()
            .all(|r| r.resolution.as_ref().map(|x| x.outcome) == Some(ReportOutcome::Superseded)));
    }

    #[test]
    fn an_item_keeps_a_bounded_number_of_resolved_reports() {
        let policy = ReportPolicy::default();
        let (mut it, _) = item(Action::Remove);
        for n in 0..(MAX_RESOLVED_PER_ITEM + 20) {
            let mut report = new(0, 500, ReportReason::Spam, n as i64);
            report.reporter = SubjectId::from_bytes({
                let mut b = [0; 16];
                b[..8].copy_from_slice(&(n as u64).to_be_bytes());
                b
            });
            it.report(report, &policy);
        }
        assert_eq!(it.reports.len(), MAX_RESOLVED_PER_ITEM);
        assert_eq!(it.reports[0].at, t(20), "the oldest went first");
    }

    #[test]
    fn a_reporter_record_weighs_their_next_report() {
        let mut record = ReporterRecord::default();
        assert_eq!(record.weight(), 500);
        record.count(&ReportId::random(), false);
        assert_eq!(record.weight(), 333);
        record.trusted = true;
        assert_eq!(record.weight(), TRUSTED_WEIGHT);
    }
}
