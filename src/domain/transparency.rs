//! Transparency: statements of reasons (DSA Art. 17, in the shape of the EU DSA
//! Transparency Database) and aggregate transparency reports.
//!
//! Both are built from [`DecisionRecord`]s: one per decision, appeal and reversal, written
//! by the store in the same transaction as the event it summarizes, indexed by time, and
//! holding no personal data (no text, no author, no moderator remarks). A statement is
//! derived from a record on demand, so the mapping can improve without a migration.
//!
//! # Mapping to the Transparency Database schema
//!
//! | field | value |
//! |---|---|
//! | `decision_visibility` | `["DECISION_VISIBILITY_CONTENT_REMOVED"]` for `remove`, `["DECISION_VISIBILITY_CONTENT_LABELLED"]` for `label` |
//! | `decision_ground` | `DECISION_GROUND_INCOMPATIBLE_CONTENT`: Warden applies community policy, it does not judge legality (`incompatible_content_illegal: "No"`) |
//! | `category` | `threat` → `STATEMENT_CATEGORY_VIOLENCE`; `self_harm` → `STATEMENT_CATEGORY_SELF_HARM`; `sexual` → `STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT`; `identity_attack`, `insult`, `profanity`, `toxicity` → `STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH`; no harm score → `STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE` |
//! | `content_type` | `["CONTENT_TYPE_TEXT"]` |
//! | `source_type` | `SOURCE_TRUSTED_NOTIFIER` when the decision resolved a trusted flagger's report, `SOURCE_ARTICLE_16` when it resolved a user report, else `SOURCE_VOLUNTARY` (own-initiative moderation) |
//! | `automated_detection` | `Yes` when Warden's scoring flagged the content, else `No` (a community that sends everything to review) |
//! | `automated_decision` | `AUTOMATED_DECISION_FULLY` for `auto_decided`; `AUTOMATED_DECISION_NOT_AUTOMATED` for a moderator's decision (scores inform, a person decides) |
//! | `decision_facts`, `incompatible_content_ground`, `incompatible_content_explanation` | generated from the category, scores and who decided; never the text or a moderator's note |
//! | `content_date`, `application_date` | the item's first submission and the decision, `YYYY-MM-DD` |
//! | `puid` | `<item_id>-<event seq>`: unique per decision, never reused |

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::event::{Event, EventKind};
use crate::domain::item::{AppealResult, Item, Outcome};
use crate::domain::notice::{ReportOutcome, ReportReason};
use crate::ids::{CommunityId, ItemId};
use crate::verdict::Category;

/// A decision, appeal or reversal, without personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub at: Timestamp,
    pub community: CommunityId,
    pub item_id: ItemId,
    /// The event's seq in the item's history.
    pub seq: u64,
    /// `auto_decided`, `decided`, `reversed`, `appealed`, or `undone` (a moderator took
    /// their decision back within their lease: `previous_outcome` is what was undone).
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealResult>,
    /// No person involved.
    pub automated: bool,
    /// Whether Warden's scoring flagged the content.
    pub flagged: bool,
    /// The strongest harm category, if any scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Its score.
    pub score: f32,
    /// When the item was first submitted.
    pub content_date: Timestamp,
    /// When the revision decided on was submitted (time to decision).
    pub submitted_at: Timestamp,
    /// A decision: how many user reports it resolved.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub notices: u32,
    /// A decision: whether a trusted flagger's report was among them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trusted_notice: bool,
    /// `report_resolved`: the notice, without its reporter or comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeRecord>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A resolved user report (DSA Art. 16 notice) as transparency counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeRecord {
    pub reason: ReportReason,
    pub trusted: bool,
    pub outcome: ReportOutcome,
    /// When the notice came: the time to decision runs from here.
    pub reported_at: Timestamp,
}

impl DecisionRecord {
    /// The record of `event` on `item` (its state after the event), for the kinds that
    /// have one.
    pub fn of(item: &Item, event: &Event) -> Option<DecisionRecord> {
        if !matches!(
            event.kind,
            EventKind::AutoDecided
                | EventKind::Decided
                | EventKind::Reversed
                | EventKind::Appealed
                | EventKind::Undone
                | EventKind::ReportResolved
        ) {
            return None;
        }
        let notice = match event.kind {
            EventKind::ReportResolved => {
                let report = item
                    .reports
                    .iter()
                    .find(|r| Some(&r.id) == event.report_id.as_ref())?;
                Some(NoticeRecord {
                    reason: report.reason,
                    trusted: report.trusted,
                    outcome: event.report_outcome?,
                    reported_at: report.at,
                })
            }
            _ => None,
        };
        // The reports a decision resolved name it by its seq (see `notice::Resolution`).
        let resolved: Vec<_> = item
            .reports
            .iter()
            .filter(|r| {
                notice.is_none()
                    && r.resolution
                        .as_ref()
                        .is_some_and(|x| x.seq == event.seq && x.outcome.counted().is_some())
            })
            .collect();
        let category = item.verdict.top_category();
        Some(DecisionRecord {
            at: event.at,
            community: item.community.clone(),
            item_id: item.id,
            seq: event.seq,
            kind: event.kind,
            outcome: event.outcome,
            previous_outcome: event.previous_outcome,
            appeal: event.appeal,
            automated: event.kind == EventKind::AutoDecided,
            flagged: item.verdict.flagged,
            category,
            score: category.map_or(0.0, |c| item.verdict.category(c)),
            content_date: item.created_at,
            submitted_at: item.submitted_at,
            notices: resolved.len() as u32,
            trusted_notice: resolved.iter().any(|r| r.trusted),
            notice,
        })
    }

    /// Whether it restricted the content (a statement of reasons is owed).
    pub fn is_restrictive(&self) -> bool {
        !matches!(self.kind, EventKind::Appealed | EventKind::Undone)
            && matches!(self.outcome, Some(Outcome::Remove | Outcome::Label))
    }
}

/// A statement of reasons with the Transparency Database's field names and values. No
/// personal data.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Statement {
    #[schema(schema_with = visibilities)]
    pub decision_visibility: Vec<&'static str>,
    #[schema(schema_with = grounds)]
    pub decision_ground: &'static str,
    pub incompatible_content_ground: String,
    pub incompatible_content_explanation: String,
    #[schema(schema_with = yes_no)]
    pub incompatible_content_illegal: &'static str,
    #[schema(schema_with = categories)]
    pub category: &'static str,
    #[schema(schema_with = content_types)]
    pub content_type: Vec<&'static str>,
    #[schema(schema_with = source_types)]
    pub source_type: &'static str,
    #[schema(schema_with = yes_no)]
    pub automated_detection: &'static str,
    #[schema(schema_with = automated_decisions)]
    pub automated_decision: &'static str,
    pub decision_facts: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub content_date: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub application_date: String,
    /// `<item_id>-<event seq>`.
    #[schema(pattern = "^[0-9a-f]{32}-[0-9]+$")]
    pub puid: String,
}

// The vocabularies of a statement's fields (see the module's table), for the API document.

fn visibilities() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::schema::one_of(&[
            "DECISION_VISIBILITY_CONTENT_REMOVED",
            "DECISION_VISIBILITY_CONTENT_LABELLED",
        ]))
        .build()
}

fn grounds() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&["DECISION_GROUND_INCOMPATIBLE_CONTENT"])
}

fn yes_no() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&["Yes", "No"])
}

fn categories() -> utoipa::openapi::schema::Object {
    let mut all: Vec<&str> = Category::HARM
        .into_iter()
        .chain([Category::Pii])
        .map(|c| dsa_category(Some(c)))
        .chain([dsa_category(None)])
        .collect();
    all.sort_unstable();
    all.dedup();
    crate::schema::one_of(&all)
}

fn content_types() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::schema::one_of(&["CONTENT_TYPE_TEXT"]))
        .build()
}

fn source_types() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&[
        "SOURCE_VOLUNTARY",
        "SOURCE_ARTICLE_16",
        "SOURCE_TRUSTED_NOTIFIER",
    ])
}

fn automated_decisions() -> utoipa::openapi::schema::Object {
    crate::schema::one_of(&[
        "AUTOMATED_DECISION_FULLY",
        "AUTOMATED_DECISION_NOT_AUTOMATED",
    ])
}

/// The DSA category of a Warden category (see the module's table).
pub fn dsa_category(category: Option<Category>) -> &'static str {
    match category {
        Some(Category::Threat) => "STATEMENT_CATEGORY_VIOLENCE",
        Some(Category::SelfHarm) => "STATEMENT_CATEGORY_SELF_HARM",
        Some(Category::Sexual) => "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
        Some(
            Category::IdentityAttack | Category::Insult | Category::Profanity | Category::Toxicity,
        ) => "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        Some(Category::Pii) | None => "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    }
}

fn date(t: Timestamp) -> String {
    t.to_string().chars().take(10).collect()
}

impl Statement {
    /// The statement owed for a restrictive decision; `None` for others.
    pub fn of(record: &DecisionRecord) -> Option<Statement> {
        if !record.is_restrictive() {
            return None;
        }
        let (visibility, verb) = match record.outcome {
            Some(Outcome::Remove) => ("DECISION_VISIBILITY_CONTENT_REMOVED", "removed"),
            _ => ("DECISION_VISIBILITY_CONTENT_LABELLED", "labelled"),
        };
        let category = record.category.map_or("no harm category".to_string(), |c| {
            format!("{c} (score {:.2})", record.score)
        });
        let who = match (record.automated, record.kind) {
            (true, _) => "automatically, under the community's thresholds".to_string(),
            (false, EventKind::Reversed) => {
                "by a moderator, on appeal, reversing an earlier decision".to_string()
            }
            (false, _) if record.appeal == Some(AppealResult::Upheld) => {
                "by a moderator, upholding it on appeal".to_string()
            }
            (false, _) => "by a moderator after review".to_string(),
        };
        Some(Statement {
            decision_visibility: vec![visibility],
            decision_ground: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            incompatible_content_ground: format!(
                "Community guidelines: {}",
                record.category.map_or("other", |c| c.as_str())
            ),
            incompatible_content_explanation: format!(
                "Automated classification scored the text for {category}; the content was {verb} {who}."
            ),
            incompatible_content_illegal: "No",
            category: dsa_category(record.category),
            content_type: vec!["CONTENT_TYPE_TEXT"],
            source_type: match (record.trusted_notice, record.notices) {
                (true, _) => "SOURCE_TRUSTED_NOTIFIER",
                (false, 0) => "SOURCE_VOLUNTARY",
                (false, _) => "SOURCE_ARTICLE_16",
            },
            automated_detection: if record.flagged { "Yes" } else { "No" },
            automated_decision: if record.automated {
                "AUTOMATED_DECISION_FULLY"
            } else {
                "AUTOMATED_DECISION_NOT_AUTOMATED"
            },
            decision_facts: format!(
                "Text content {verb} {who}. Strongest category: {category}. Detection: {}.",
                if record.flagged {
                    "flagged by automated classification"
                } else {
                    "reviewed without an automated flag"
                }
            ),
            content_date: date(record.content_date),
            application_date: date(record.at),
            puid: format!("{}-{}", record.item_id, record.seq),
        })
    }
}

/// Medians of time to decision, in seconds (`null` when there were none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Medians {
    #[schema(required = true)]
    pub all: Option<f64>,
    #[schema(required = true)]
    pub automated: Option<f64>,
    #[schema(required = true)]
    pub human: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Appeals {
    pub received: u64,
    pub upheld: u64,
    pub reversed: u64,
}

/// `GET /v1/reports/transparency`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = TransparencyReport)]
pub struct Report {
    /// The window: decisions made at or after `from` and before `to`.
    pub from: Timestamp,
    pub to: Timestamp,
    /// The communities counted, or `["*"]` for every community.
    pub communities: Vec<String>,
    /// Decisions (automatic and human, first decisions and appeal outcomes).
    pub decisions: u64,
    /// Decisions by resulting outcome: `allow`, `label`, `remove`.
    pub by_action: BTreeMap<String, u64>,
    /// Restrictive decisions (label, remove) by harm category (`other` when none scored).
    pub by_category: BTreeMap<String, u64>,
    pub automated: u64,
    pub human: u64,
    pub appeals: Appeals,
    /// Moderator decisions taken back by their maker within the lease (still counted
    /// in `decisions`: each was in force until undone).
    pub undone: u64,
    /// From submission of the revision to its decision; appeal outcomes not included.
    pub median_seconds_to_decision: Medians,
    /// User reports (DSA Art. 15(1)(b)) resolved in the period.
    pub notices: Notices,
}

/// User reports resolved in a period: by reason, from trusted flaggers, by what was done,
/// and how long from notice to decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Notices {
    pub resolved: u64,
    pub by_reason: BTreeMap<String, u64>,
    /// From trusted flaggers (DSA Art. 22).
    pub trusted: u64,
    /// `upheld` (removed or labelled for the reason), `rejected`, `already_removed`,
    /// `superseded` (edited before a decision).
    pub by_outcome: BTreeMap<String, u64>,
    /// From the notice to the decision that resolved it (upheld and rejected ones).
    #[schema(required = true)]
    pub median_seconds_to_decision: Option<f64>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

impl Report {
    /// The report over `records`, the decision records of the communities
    /// `communities` (`None`: every community) made in `[from, to)`.
    pub fn of<'a>(
        records: impl IntoIterator<Item = &'a DecisionRecord>,
        from: Timestamp,
        to: Timestamp,
        communities: Option<&[CommunityId]>,
    ) -> Report {
        let mut report = Report {
            from,
            to,
            communities: communities.map_or(vec!["*".to_string()], |list| {
                list.iter().map(|c| c.to_string()).collect()
            }),
            decisions: 0,
            by_action: BTreeMap::new(),
            by_category: BTreeMap::new(),
            automated: 0,
            human: 0,
            appeals: Appeals::default(),
            undone: 0,
            median_seconds_to_decision: Medians::default(),
            notices: Notices::default(),
        };
        let (mut all, mut automated, mut human) = (Vec::new(), Vec::new(), Vec::new());
        let mut notice_times = Vec::new();
        for r in records {
            if let Some(n) = &r.notice {
                let notices = &mut report.notices;
                notices.resolved += 1;
                *notices.by_reason.entry(n.reason.to_string()).or_default() += 1;
                *notices
                    .by_outcome
                    .entry(n.outcome.as_str().to_string())
                    .or_default() += 1;
                notices.trusted += u64::from(n.trusted);
                if n.outcome.counted().is_some() {
                    notice_times
                        .push((r.at.millis() - n.reported_at.millis()).max(0) as f64 / 1000.0);
                }
                continue;
            }
            if r.kind == EventKind::Appealed {
                report.appeals.received += 1;
                continue;
            }
            if r.kind == EventKind::Undone {
                report.undone += 1;
                continue;
            }
            report.decisions += 1;
            if let Some(outcome) = r.outcome {
                *report
                    .by_action
                    .entry(outcome.as_str().to_string())
                    .or_default() += 1;
            }
            if r.is_restrictive() {
                let category = r.category.map_or("other", |c| c.as_str());
                *report.by_category.entry(category.to_string()).or_default() += 1;
            }
            if r.automated {
                report.automated += 1;
            } else {
                report.human += 1;
            }
            match (r.kind, r.appeal) {
                (EventKind::Reversed, _) => report.appeals.reversed += 1,
                (_, Some(AppealResult::Upheld)) => report.appeals.upheld += 1,
                _ => {
                    let seconds = (r.at.millis() - r.submitted_at.millis()).max(0) as f64 / 1000.0;
                    all.push(seconds);
                    if r.automated {
                        automated.push(seconds);
                    } else {
                        human.push(seconds);
                    }
                }
            }
        }
        report.notices.median_seconds_to_decision = median(notice_times);
        report.median_seconds_to_decision = Medians {
            all: median(all),
            automated: median(automated),
            human: median(human),
        };
        report
    }
}

/// A position in the decision records (statements export); opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionCursor {
    pub at: Timestamp,
    pub item_id: ItemId,
    pub seq: u64,
}

impl DecisionCursor {
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut key = ((self.at.millis() as u64) ^ (1 << 63))
            .to_be_bytes()
            .to_vec();
        key.extend_from_slice(self.item_id.as_bytes());
        key.extend_from_slice(&self.seq.to_be_bytes());
        key
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<DecisionCursor> {
        let at = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?) ^ (1 << 63);
        let id: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
        let seq = u64::from_be_bytes(bytes.get(24..32)?.try_into().ok()?);
        (bytes.len() == 32).then_some(DecisionCursor {
            at: Timestamp::from_millis(at as i64),
            item_id: ItemId::from_bytes(id),
            seq,
        })
    }
}

impl std::fmt::Display for DecisionCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.to_bytes()))
    }
}

impl std::str::FromStr for DecisionCursor {
    type Err = String;
    fn from_str(s: &str) -> Result<DecisionCursor, String> {
        hex::decode(s)
            .ok()
            .and_then(|b| DecisionCursor::from_bytes(&b))
            .ok_or_else(|| "not a cursor from this API".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        kind: EventKind,
        outcome: Option<Outcome>,
        automated: bool,
        secs: i64,
    ) -> DecisionRecord {
        DecisionRecord {
            at: Timestamp::from_millis(1_700_000_000_000 + secs * 1000),
            community: "c".parse().unwrap(),
            item_id: ItemId::from_bytes([7; 16]),
            seq: 3,
            kind,
            outcome,
            previous_outcome: None,
            appeal: None,
            automated,
            flagged: true,
            category: Some(Category::Threat),
            score: 0.95,
            content_date: Timestamp::from_millis(1_700_000_000_000),
            submitted_at: Timestamp::from_millis(1_700_000_000_000),
            notices: 0,
            trusted_notice: false,
            notice: None,
        }
    }

    #[test]
    fn notices_are_counted_by_reason_trust_and_outcome_with_time_to_decision() {
        let notice = |reason, trusted, outcome, waited: i64| DecisionRecord {
            notice: Some(NoticeRecord {
                reason,
                trusted,
                outcome,
                reported_at: Timestamp::from_millis(1_700_000_000_000 + (100 - waited) * 1000),
            }),
            ..record(EventKind::ReportResolved, None, false, 100)
        };
        let records = [
            notice(ReportReason::Spam, false, ReportOutcome::Upheld, 10),
            notice(ReportReason::Spam, true, ReportOutcome::Rejected, 30),
            notice(
                ReportReason::Threat,
                false,
                ReportOutcome::AlreadyRemoved,
                0,
            ),
            record(EventKind::Decided, Some(Outcome::Remove), false, 100),
        ];
        let (from, to) = (Timestamp::from_millis(0), Timestamp::from_millis(1));
        let r = Report::of(&records, from, to, None);
        assert_eq!(r.decisions, 1, "notices are not decisions");
        assert_eq!(r.notices.resolved, 3);
        assert_eq!(r.notices.by_reason["spam"], 2);
        assert_eq!(r.notices.trusted, 1);
        assert_eq!(r.notices.by_outcome["already_removed"], 1);
        assert_eq!(r.notices.median_seconds_to_decision, Some(20.0));
        assert!(Statement::of(&records[0]).is_none());

        // A decision that resolved notices says where it came from.
        let mut decided = record(EventKind::Decided, Some(Outcome::Remove), false, 100);
        decided.notices = 1;
        assert_eq!(
            Statement::of(&decided).unwrap().source_type,
            "SOURCE_ARTICLE_16"
        );
        decided.trusted_notice = true;
        assert_eq!(
            Statement::of(&decided).unwrap().source_type,
            "SOURCE_TRUSTED_NOTIFIER"
        );
    }

    #[test]
    fn statements_use_the_database_vocabulary_and_no_personal_data() {
        let s = Statement::of(&record(
            EventKind::AutoDecided,
            Some(Outcome::Remove),
            true,
            0,
        ))
        .unwrap();
        assert_eq!(
            s.decision_visibility,
            ["DECISION_VISIBILITY_CONTENT_REMOVED"]
        );
        assert_eq!(s.category, "STATEMENT_CATEGORY_VIOLENCE");
        assert_eq!(s.automated_decision, "AUTOMATED_DECISION_FULLY");
        assert_eq!(s.content_date, "2023-11-14");
        assert_eq!(s.puid, format!("{}-3", ItemId::from_bytes([7; 16])));
        assert!(
            Statement::of(&record(EventKind::Decided, Some(Outcome::Allow), false, 0)).is_none()
        );
        assert!(
            Statement::of(&record(EventKind::Undone, Some(Outcome::Remove), false, 0)).is_none()
        );
        assert!(Statement::of(&record(
            EventKind::Appealed,
            Some(Outcome::Remove),
            false,
            0
        ))
        .is_none());
    }

    #[test]
    fn reports_count_and_take_medians() {
        let records = [
            record(EventKind::AutoDecided, Some(Outcome::Remove), true, 0),
            record(EventKind::Decided, Some(Outcome::Allow), false, 60),
            record(EventKind::Decided, Some(Outcome::Remove), false, 120),
            record(EventKind::Appealed, None, false, 200),
            record(EventKind::Reversed, Some(Outcome::Allow), false, 300),
            record(EventKind::Undone, None, false, 310),
        ];
        let (from, to) = (Timestamp::from_millis(0), Timestamp::from_millis(1));
        let r = Report::of(&records, from, to, None);
        assert_eq!(r.communities, ["*"]);
        assert_eq!(r.decisions, 4);
        assert_eq!(r.undone, 1);
        assert_eq!(r.automated, 1);
        assert_eq!(r.human, 3);
        assert_eq!(r.by_action["remove"], 2);
        assert_eq!(r.by_category["threat"], 2);
        assert_eq!(
            r.appeals,
            Appeals {
                received: 1,
                upheld: 0,
                reversed: 1
            }
        );
        assert_eq!(r.median_seconds_to_decision.all, Some(60.0));
        assert_eq!(r.median_seconds_to_decision.human, Some(90.0));
    }
}
