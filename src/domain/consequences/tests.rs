//! `consequences` against a store held in memory.

use std::collections::HashMap;

use super::*;
use crate::domain::event::Remarks;
use crate::domain::item::{DecisionAction, QueueName, Submission};
use crate::domain::suppress::{Reason, ReasonSource, Scope};
use crate::ids::{ContentText, KeyId};
use crate::verdict::Action;

const DAY: i64 = 86_400_000;

/// What a store would hold, in memory.
#[derive(Default)]
struct Fake {
    content: Vec<(Cause, Current)>,
    authors: HashMap<SubjectId, AuthorHeld>,
    author_id: Option<AuthorId>,
    reporters: HashMap<SubjectId, ReporterRecord>,
}

impl Held for Fake {
    type Error = Failure;
    fn policy(&self) -> Result<CommunityPolicy, Failure> {
        Ok(CommunityPolicy::default())
    }
    fn content_rules(&self, _: &ItemId) -> Result<Vec<(Cause, Current)>, Failure> {
        Ok(self.content.clone())
    }
    fn author(&self, subject: &SubjectId) -> Result<AuthorHeld, Failure> {
        Ok(self.authors.get(subject).cloned().unwrap_or_default())
    }
    fn author_id(&self) -> Result<Option<AuthorId>, Failure> {
        Ok(self.author_id.clone())
    }
    fn reporter(&self, subject: &SubjectId) -> Result<ReporterRecord, Failure> {
        Ok(self.reporters.get(subject).cloned().unwrap_or_default())
    }
}

fn at(days: i64) -> Timestamp {
    Timestamp::from_millis(1_000 * DAY + days * DAY)
}

fn subject() -> SubjectId {
    SubjectId::from_bytes([7; 16])
}

/// A new item whose submission Warden `action`s, at day 0.
fn item(action: Action) -> (Item, Vec<Event>) {
    let verdict = crate::Engine::builder()
        .build()
        .expect("engine")
        .score("you are an idiot");
    let sub = Submission {
        new_id: ItemId::random(),
        community: "c".parse().expect("community"),
        content_id: "post-1".parse().expect("content id"),
        author_id: "alice".parse().expect("author id"),
        ownership_change: false,
        text: ContentText::new("you are an idiot").expect("text"),
        context: None,
        verdict,
        action,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: at(0),
    };
    let (mut item, _, mut events) = Item::create(&sub, subject(), "d".into());
    for e in &mut events {
        item.last_seq += 1;
        e.seq = item.last_seq;
    }
    (item, events)
}

fn fake() -> Fake {
    Fake {
        author_id: Some("alice".parse().expect("author id")),
        ..Fake::default()
    }
}

fn derive(before: Option<&Item>, after: &Item, events: &[Event], held: &Fake) -> Derived {
    let change = Transition {
        before,
        after,
        events,
    };
    let now = change.at(at(0));
    consequences(&change, held, now).expect("pure")
}

fn rules(d: &Derived) -> Vec<(RuleOwner, Cause, Option<RuleState>)> {
    d.rules
        .iter()
        .map(|c| {
            let end = match &c.edit {
                RuleEdit::Set(..) => None,
                RuleEdit::End(state) => Some(*state),
            };
            (c.owner, c.cause, end)
        })
        .collect()
}

fn current(cause_scopes: &[Scope], item: &Item) -> Current {
    Current {
        scopes: cause_scopes.to_vec(),
        reason: Reason {
            category: "other".into(),
            source: ReasonSource::Decision,
            item_id: Some(item.id),
        },
        expires_at: None,
    }
}

#[test]
fn a_new_item_gets_its_rules_records_and_retention() {
    let content = |item: &Item| RuleOwner::Content(item.id);
    // (what Warden does on submission, rules, decision records, retention due)
    let cases = [
        (Action::Review, vec![Cause::UnderReview], 0, None),
        (Action::Allow, vec![], 1, Some(at(30))),
        (Action::Label, vec![Cause::Labelled], 1, Some(at(30))),
        (Action::Remove, vec![Cause::Removed], 1, Some(at(30))),
    ];
    for (action, causes, records, due) in cases {
        let (item, events) = item(action);
        let d = derive(None, &item, &events, &fake());
        let want: Vec<_> = causes.iter().map(|c| (content(&item), *c, None)).collect();
        assert_eq!(rules(&d), want, "{action:?}");
        assert_eq!(d.decisions.len(), records, "{action:?}");
        assert_eq!(d.text_due_at, due, "{action:?}");
        // One removal is not yet a pattern: the history grows, no author rule.
        let histories = usize::from(action == Action::Remove);
        assert_eq!(d.histories.len(), histories, "{action:?}");
    }
}

#[test]
fn a_decision_ends_the_review_rule_and_a_reversal_revokes_the_removal() {
    let (mut item, _) = item(Action::Review);
    let before = item.clone();
    let m = KeyId::random();
    item.claim(QueueName::Review, &m, at(1), at(2))
        .expect("claim");
    let remarks = Remarks {
        reason: "r".into(),
        ..Remarks::default()
    };
    let events = item
        .decide(&m, false, DecisionAction::Remove, &remarks, at(1))
        .expect("decide");
    let mut held = fake();
    held.content = vec![(Cause::UnderReview, current(&[Scope::Recommend], &before))];
    let d = derive(Some(&before), &item, &events, &held);
    let owner = RuleOwner::Content(item.id);
    assert_eq!(
        rules(&d),
        [
            (owner, Cause::UnderReview, Some(RuleState::Expired)),
            (owner, Cause::Removed, None)
        ]
    );
    assert_eq!(d.text_due_at, Some(at(31)));
    assert_eq!(d.histories[0].1.removals.len(), 1);

    // The appeal reverses it: the removal rule is revoked, the author's removal
    // no longer counts, and their author rule (if any) goes with it.
    let removed = item.clone();
    item.appeal(&m, "no".into(), at(2)).expect("appeal");
    let events = item
        .decide(&m, true, DecisionAction::Approve, &remarks, at(3))
        .expect("reverse");
    let mut held = fake();
    held.content = vec![(Cause::Removed, current(&Scope::ALL, &removed))];
    held.authors.insert(
        subject(),
        AuthorHeld {
            history: d.histories[0].1.clone(),
            rule: Some(current(&[Scope::Recommend], &removed)),
        },
    );
    let d = derive(Some(&removed), &item, &events, &held);
    assert_eq!(
        rules(&d),
        [
            (owner, Cause::Removed, Some(RuleState::Revoked)),
            (
                RuleOwner::Author(subject()),
                Cause::AuthorRemovals,
                Some(RuleState::Revoked)
            ),
        ]
    );
    assert!(d.histories[0].1.removals.is_empty());
    // The appeal made the item pending again: its text is due 30 days after the
    // decision that settled it.
    assert_eq!(d.text_due_at, Some(at(33)));
}

#[test]
fn the_third_removal_in_the_window_suppresses_the_author() {
    let mut held = fake();
    let mut history = RemovalHistory::default();
    history.add(ItemId::random(), at(-2), &Default::default());
    history.add(ItemId::random(), at(-1), &Default::default());
    held.authors.insert(
        subject(),
        AuthorHeld {
            history,
            rule: None,
        },
    );
    let (item, events) = item(Action::Remove);
    let d = derive(None, &item, &events, &held);
    let author = d
        .rules
        .iter()
        .find(|c| c.owner == RuleOwner::Author(subject()))
        .expect("an author rule");
    let RuleEdit::Set(wanted, about) = &author.edit else {
        panic!("a new rule, not an ending");
    };
    assert_eq!(about.kind, SubjectKind::Author);
    assert_eq!(about.id.as_str(), "alice");
    assert_eq!(wanted.expires_at, Some(at(7)));

    // Without the author id (erased meanwhile) no author rule can name them.
    held.author_id = None;
    let d = derive(None, &item, &events, &held);
    assert!(d
        .rules
        .iter()
        .all(|c| matches!(c.owner, RuleOwner::Content(_))));
    assert!(d.histories.is_empty());
}

#[test]
fn an_erasure_leaves_decisions_and_author_rules_alone() {
    let (removed, _) = item(Action::Remove);
    let mut after = removed.clone();
    let events = after.erase(&subject(), &KeyId::random(), at(5));
    let mut held = fake();
    held.content = vec![(Cause::Removed, current(&Scope::ALL, &removed))];
    let d = derive(Some(&removed), &after, &events, &held);
    // The removal rule's scopes and reason still match: nothing to change but the
    // retention date, which goes with the text.
    assert!(d.histories.is_empty());
    assert!(d.decisions.is_empty());
    assert_eq!(d.text_due_at, None);
    assert!(rules(&d)
        .iter()
        .all(|(owner, _, _)| *owner == RuleOwner::Content(removed.id)));
}

/// Answers what a change may read and fails whatever else it asks: a change that
/// leaves the rule state alone must not read the policy or the content rules.
struct Only(Needs);

impl Held for Only {
    type Error = Failure;
    fn policy(&self) -> Result<CommunityPolicy, Failure> {
        match self.0.policy {
            true => Ok(CommunityPolicy::default()),
            false => Err(Failure::internal("the policy was read")),
        }
    }
    fn content_rules(&self, _: &ItemId) -> Result<Vec<(Cause, Current)>, Failure> {
        match self.0.content_rules {
            true => Ok(Vec::new()),
            false => Err(Failure::internal("the content rules were read")),
        }
    }
    fn author(&self, _: &SubjectId) -> Result<AuthorHeld, Failure> {
        match self.0.author {
            true => Ok(AuthorHeld::default()),
            false => Err(Failure::internal("the author was read")),
        }
    }
    fn author_id(&self) -> Result<Option<AuthorId>, Failure> {
        Ok(Some("alice".parse().expect("author id")))
    }
    fn reporter(&self, _: &SubjectId) -> Result<ReporterRecord, Failure> {
        Ok(ReporterRecord::default())
    }
}

#[test]
fn a_change_reads_only_what_needs_says() {
    let (queued, events) = item(Action::Review);
    let m = KeyId::random();
    let remarks = Remarks {
        reason: "r".into(),
        ..Remarks::default()
    };
    let run = |before: Option<&Item>, after: &Item, events: &[Event]| {
        let needs = needs(before, after);
        let change = Transition {
            before,
            after,
            events,
        };
        consequences(&change, &Only(needs), at(1)).map(|_| needs)
    };
    let new = run(None, &queued, &events).expect("a new item");
    assert!(new.policy && new.content_rules && !new.author);

    // A claim, its release and an expiry leave the rule state: nothing is read.
    let mut claimed = queued.clone();
    let events = claimed
        .claim(QueueName::Review, &m, at(1), at(2))
        .expect("claim");
    let none = Needs {
        policy: false,
        content_rules: false,
        author: false,
    };
    assert_eq!(run(Some(&queued), &claimed, &events), Ok(none));
    let mut released = claimed.clone();
    let events = released.release(&m, false, at(1)).expect("release");
    assert_eq!(run(Some(&claimed), &released, &events), Ok(none));

    // A removal: the policy, the content rules (the review rule ends) and the author.
    let mut removed = claimed.clone();
    let events = removed
        .decide(&m, false, DecisionAction::Remove, &remarks, at(1))
        .expect("decide");
    let all = Needs {
        policy: true,
        content_rules: true,
        author: true,
    };
    assert_eq!(run(Some(&claimed), &removed, &events), Ok(all));

    // An approval: no author's removals change.
    let mut approved = claimed.clone();
    let events = approved
        .decide(&m, false, DecisionAction::Approve, &remarks, at(1))
        .expect("decide");
    let rules = Needs {
        policy: true,
        content_rules: true,
        author: false,
    };
    assert_eq!(run(Some(&claimed), &approved, &events), Ok(rules));

    // The erasure of a removed item's author: its rules stay as they are.
    let mut erased = removed.clone();
    let events = erased.erase(&subject(), &KeyId::random(), at(2));
    assert_eq!(run(Some(&removed), &erased, &events), Ok(none));
}

#[test]
fn retention_follows_the_policy() {
    let (item, _) = item(Action::Allow);
    let mut policy = CommunityPolicy::default();
    for (days, due) in [(0, at(0)), (1, at(1)), (30, at(30))] {
        policy.retention_days = days;
        let mut fresh = item.clone();
        fresh.text_due_at = None;
        assert_eq!(retention_due(&fresh, &policy, at(0)), Some(due));
    }
    let (pending, _) = self::item(Action::Review);
    assert_eq!(retention_due(&pending, &policy, at(0)), None);
}

/// A resolved report enters its reporter's record once; an undo takes it back out;
/// a decision's events become outbox events without remarks.
#[test]
fn reporter_records_and_the_outbox_follow_the_reports() {
    use crate::domain::item::NewReport;
    use crate::domain::notice::{Counted, ReportId, ReportPolicy, ReportReason};
    use crate::domain::webhook::EventType;

    let (mut item, _) = item(Action::Allow);
    let reporter = SubjectId::from_bytes([9; 16]);
    let id = ReportId::random();
    let new = NewReport {
        id: id.clone(),
        reporter,
        reason: ReportReason::Insult,
        comment: None,
        weight: 500,
        trusted: false,
        actor: KeyId::random(),
        at: at(1),
    };
    let events = item.report(new, &ReportPolicy::default());
    item.last_seq += events.len() as u64;
    let m = KeyId::random();
    let events = item
        .claim(QueueName::Review, &m, at(1), at(2))
        .expect("claim");
    item.last_seq += events.len() as u64;
    let before = item.clone();
    let remarks = Remarks {
        reason: "quoting the text".into(),
        labels: vec![],
        note: None,
    };
    let mut decided = item.clone();
    let mut events = decided
        .decide(&m, false, DecisionAction::Remove, &remarks, at(1))
        .expect("decide");
    for e in &mut events {
        decided.last_seq += 1;
        e.seq = decided.last_seq;
    }
    let d = derive(Some(&before), &decided, &events, &fake());
    assert_eq!(
        d.reporters,
        [(
            reporter,
            crate::domain::notice::ReporterRecord {
                trusted: false,
                recent: vec![Counted {
                    report: id.clone(),
                    upheld: true
                }],
            }
        )]
    );
    let kinds: Vec<EventType> = d.outbox.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventType::ItemDecided, EventType::ReportResolved]);
    assert!(!serde_json::to_string(&d.outbox)
        .expect("json")
        .contains("quoting"));

    let mut held = fake();
    held.reporters.insert(reporter, d.reporters[0].1.clone());
    let mut undone = decided.clone();
    let events = undone.undo(&m, at(1)).expect("undo");
    let d = derive(Some(&decided), &undone, &events, &held);
    assert!(d.reporters[0].1.recent.is_empty());
    // Nothing about the reports changed: no record is rewritten.
    let d = derive(Some(&undone), &undone, &[], &held);
    assert!(d.reporters.is_empty());
}
