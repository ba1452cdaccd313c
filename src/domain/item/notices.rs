//! User reports on an item (see `notice`): attaching one, routing the item to review,
//! and resolving open reports when a decision, an undo or a new revision changes what
//! they were about. Pure transitions, like the rest of `item`.

use super::{Item, Outcome, QueueName, Status};
use crate::clock::Timestamp;
use crate::domain::event::Event;
use crate::domain::notice::{Report, ReportId, ReportOutcome, ReportPolicy, ReportReason};
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
            comment: new.comment.map(Personal::Plain),
            weight: new.weight,
            trusted: new.trusted,
            at: new.at,
            resolution: None,
        };
        self.updated_at = new.at;
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
