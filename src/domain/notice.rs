//! User reports ("notices", DSA Art. 16): the reason taxonomy, reporters' reputation
//! from the outcomes of their past reports, and how reports route an item to review.
//! Pure rules; `item::notices` applies them to an item, `consequences` keeps each
//! reporter's record, the store persists both in the item's atomic step.
//!
//! # Reasons
//!
//! The harm categories Warden scores (`toxicity`, `profanity`, `sexual`, `insult`,
//! `identity_attack`, `threat`, `self_harm`) plus `spam`, `illegal`, `privacy` and
//! `other` ([`ReportReason`]). Each has a severity (0..=3) that raises the priority of a
//! reported item in review: `threat`, `self_harm` and `illegal` 3; `identity_attack`,
//! `sexual` and `privacy` 2; the rest 1.
//!
//! # Reputation
//!
//! A report is *upheld* when the decision that resolves it removes the item, or labels it
//! with a label equal to the report's reason (any label for `other`); it is *rejected*
//! when the item is approved or labelled for something else. A reporter's accuracy in a
//! community is the smoothed share of upheld reports among their last
//! [`RECENT_OUTCOMES`] resolved ones there:
//!
//! ```text
//! reputation = (upheld + 1) / (resolved + 2)         (Laplace's rule of succession)
//! ```
//!
//! A new reporter weighs 0.5; one always upheld tends to 1; one always rejected sinks to
//! 1/102 ≈ 0.01 over 100 reports, never to zero, so a mass reporter is drowned out but
//! never silenced. Reports resolved for other reasons (the content was already removed,
//! or edited before a decision) do not count. The record is per community by
//! construction: reporters are named by their pseudonym in a community, and nothing joins
//! two communities' records.
//!
//! # Routing
//!
//! An item's *open weight* is the sum of its open reports' weights (reputation in
//! milli-points; a trusted flagger's report weighs [`TRUSTED_WEIGHT`]). When the open
//! weight reaches the community's `reports.threshold` (default 500: one report from a new
//! reporter) an allowed or labelled item goes to the `review` queue; a trusted flagger's
//! report always does. Its priority there adds to the score-based one (see `queue`):
//!
//! ```text
//! report bonus = 10 × min(open weight / threshold, 3) + 5 × highest reason severity
//!              + 1000 when a trusted flagger reported it   (their notices go first)
//! ```
//!
//! An item already in a queue gets the bonus there; a removed item's reports resolve at
//! once (upheld, not counted).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::item::Outcome;
use crate::domain::privacy::{Personal, SubjectId};
use crate::failure::Failure;
use crate::verdict::Category;

/// Why a user reports content. The names are API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Toxicity,
    Profanity,
    Sexual,
    Insult,
    IdentityAttack,
    Threat,
    SelfHarm,
    Spam,
    /// The reporter says the content is illegal (DSA Art. 16 notices).
    Illegal,
    /// The content exposes someone's personal data.
    Privacy,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 11] = [
        ReportReason::Toxicity,
        ReportReason::Profanity,
        ReportReason::Sexual,
        ReportReason::Insult,
        ReportReason::IdentityAttack,
        ReportReason::Threat,
        ReportReason::SelfHarm,
        ReportReason::Spam,
        ReportReason::Illegal,
        ReportReason::Privacy,
        ReportReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Illegal => "illegal",
            ReportReason::Privacy => "privacy",
            ReportReason::Other => "other",
            other => other.category().map_or("other", Category::as_str),
        }
    }

    /// The harm category it names, if it names one.
    pub fn category(self) -> Option<Category> {
        Some(match self {
            ReportReason::Toxicity => Category::Toxicity,
            ReportReason::Profanity => Category::Profanity,
            ReportReason::Sexual => Category::Sexual,
            ReportReason::Insult => Category::Insult,
            ReportReason::IdentityAttack => Category::IdentityAttack,
            ReportReason::Threat => Category::Threat,
            ReportReason::SelfHarm => Category::SelfHarm,
            _ => return None,
        })
    }

    /// 0..=3, as in the module docs.
    pub fn severity(self) -> u32 {
        match self {
            ReportReason::Threat | ReportReason::SelfHarm | ReportReason::Illegal => 3,
            ReportReason::IdentityAttack | ReportReason::Sexual | ReportReason::Privacy => 2,
            _ => 1,
        }
    }

    /// Whether a decision with `outcome` and `labels` upholds a report for this reason.
    pub fn upheld_by(self, outcome: Outcome, labels: &[String]) -> bool {
        match outcome {
            Outcome::Remove => true,
            Outcome::Label => {
                self == ReportReason::Other || labels.iter().any(|l| l == self.as_str())
            }
            Outcome::Allow => false,
        }
    }
}

impl fmt::Display for ReportReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportReason {
    type Err = String;
    fn from_str(s: &str) -> Result<ReportReason, String> {
        ReportReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ReportReason::ALL.iter().map(|r| r.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
    }
}

pub use crate::ids::ReportId;

/// How a report ended. The names are API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportOutcome {
    /// The decision removed the item, or labelled it for the report's reason.
    Upheld,
    /// The decision approved the item, or labelled it for something else.
    Rejected,
    /// The item was already removed when the report came (not counted in reputation).
    AlreadyRemoved,
    /// The content was edited before a decision: the report was about the old text (not
    /// counted).
    Superseded,
}

impl ReportOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportOutcome::Upheld => "upheld",
            ReportOutcome::Rejected => "rejected",
            ReportOutcome::AlreadyRemoved => "already_removed",
            ReportOutcome::Superseded => "superseded",
        }
    }

    /// Whether it counts in the reporter's reputation, and as what (`true`: upheld).
    pub fn counted(self) -> Option<bool> {
        match self {
            ReportOutcome::Upheld => Some(true),
            ReportOutcome::Rejected => Some(false),
            ReportOutcome::AlreadyRemoved | ReportOutcome::Superseded => None,
        }
    }
}

/// How and when a report was resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub outcome: ReportOutcome,
    pub at: Timestamp,
    /// The `seq` of the item's event that resolved it (`report_resolved`); an undo of the
    /// decision behind it reopens the reports resolved with it.
    pub seq: u64,
}

/// One user report on an item, kept with the item (so it changes in the item's atomic
/// step). Personal data: the reporter (a pseudonym, `None` once erased) and the comment
/// (sealed under the reporter's key, dropped by retention and erasure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    /// The reporter's pseudonym in the item's community; `None` once erased.
    pub reporter: Option<SubjectId>,
    /// The revision reported.
    pub revision: u32,
    pub reason: ReportReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Personal<String>>,
    /// The reporter's weight when they reported, milli-points.
    pub weight: u32,
    /// A trusted flagger's report (DSA Art. 22).
    #[serde(default)]
    pub trusted: bool,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl Report {
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

/// The most resolved reports an item keeps (the oldest go first): the item is read whole
/// on every change, and what transparency and reputation need was recorded when each was
/// resolved (decision records, reporter records).
pub const MAX_RESOLVED_PER_ITEM: usize = 200;

/// The most resolved reports a reputation looks back over.
pub const RECENT_OUTCOMES: usize = 100;

/// A trusted flagger's report weight, milli-points: always enough to route.
pub const TRUSTED_WEIGHT: u32 = 1_000_000;

/// One counted outcome in a reporter's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub report: ReportId,
    pub upheld: bool,
}

/// What Warden holds about a reporter in a community: whether an admin made them a trusted
/// flagger, and their last [`RECENT_OUTCOMES`] counted outcomes, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReporterRecord {
    #[serde(default)]
    pub trusted: bool,
    #[serde(default)]
    pub recent: Vec<Counted>,
}

impl ReporterRecord {
    /// The smoothed accuracy of the module docs, in 0..1 (never 0 nor 1).
    pub fn reputation(&self) -> f64 {
        let upheld = self.recent.iter().filter(|c| c.upheld).count() as f64;
        (upheld + 1.0) / (self.recent.len() as f64 + 2.0)
    }

    /// A report's weight in milli-points: the reputation, or [`TRUSTED_WEIGHT`].
    pub fn weight(&self) -> u32 {
        if self.trusted {
            TRUSTED_WEIGHT
        } else {
            // At least 1: a reputation never rounds to "silenced".
            ((self.reputation() * 1000.0).round() as u32).max(1)
        }
    }

    /// Records a counted outcome, forgetting the oldest beyond [`RECENT_OUTCOMES`].
    pub fn count(&mut self, report: &ReportId, upheld: bool) {
        self.recent.retain(|c| c.report != *report);
        self.recent.push(Counted {
            report: report.clone(),
            upheld,
        });
        let over = self.recent.len().saturating_sub(RECENT_OUTCOMES);
        self.recent.drain(..over);
    }

    /// Takes back a counted outcome (its decision was undone).
    pub fn uncount(&mut self, report: &ReportId) {
        self.recent.retain(|c| c.report != *report);
    }
}

/// A community's settings for user reports (`reports` in the policy document).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportPolicy {
    /// Open report weight (milli-points) that sends an allowed or labelled item to review.
    #[schema(minimum = 1, default = 500)]
    pub threshold: u32,
    /// Reports one reporter may make per hour in the community; more are refused (429).
    #[schema(minimum = 1, default = 30)]
    pub per_hour: u32,
    /// Most characters in a report's comment.
    #[schema(default = 2000)]
    pub max_comment_chars: u32,
}

impl Default for ReportPolicy {
    fn default() -> ReportPolicy {
        ReportPolicy {
            threshold: 500,
            per_hour: 30,
            max_comment_chars: 2000,
        }
    }
}

impl ReportPolicy {
    pub fn is_default(&self) -> bool {
        *self == ReportPolicy::default()
    }

    pub fn validate(&self) -> Result<(), Failure> {
        if self.threshold == 0 {
            return Err(Failure::unprocessable(
                "`reports.threshold` must be at least 1",
            ));
        }
        if self.per_hour == 0 {
            return Err(Failure::unprocessable(
                "`reports.per_hour` must be at least 1",
            ));
        }
        Ok(())
    }

    /// The priority bonus of open reports (module docs), milli-points.
    pub fn bonus(&self, open: &[&Report]) -> u32 {
        if open.is_empty() {
            return 0;
        }
        let weight: u64 = open.iter().map(|r| u64::from(r.weight)).sum();
        let trusted = open.iter().any(|r| r.trusted);
        let ratio = (weight as f64 / f64::from(self.threshold.max(1))).min(3.0);
        let severity = open.iter().map(|r| r.reason.severity()).max().unwrap_or(0);
        let points = 10.0 * ratio + 5.0 * f64::from(severity) + if trusted { 1000.0 } else { 0.0 };
        (points * 1000.0).round() as u32
    }

    /// Whether open reports of this weight (and trust) send an item to review.
    pub fn routes(&self, open: &[&Report]) -> bool {
        let weight: u64 = open.iter().map(|r| u64::from(r.weight)).sum();
        open.iter().any(|r| r.trusted) || weight >= u64::from(self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(upheld: usize, rejected: usize) -> ReporterRecord {
        let mut r = ReporterRecord::default();
        for i in 0..upheld + rejected {
            r.count(&format!("rpt_{i:016x}").parse().unwrap(), i < upheld);
        }
        r
    }

    #[test]
    fn reputation_is_smoothed_accuracy_and_never_zero() {
        let cases = [
            (0, 0, 500),
            (1, 0, 667),
            (0, 1, 333),
            (10, 0, 917),
            (0, 10, 83),
            (0, 100, 10),
            (0, 1000, 10), // only the last 100 count
            (50, 50, 500),
        ];
        for (up, down, weight) in cases {
            assert_eq!(
                record(up, down).weight(),
                weight,
                "{up} upheld, {down} rejected"
            );
        }
        let trusted = ReporterRecord {
            trusted: true,
            ..record(0, 100)
        };
        assert_eq!(trusted.weight(), TRUSTED_WEIGHT);
    }

    #[test]
    fn recent_keeps_the_last_hundred_and_uncounts() {
        let mut r = record(100, 0);
        r.count(&"rpt_ffffffffffffffff".parse().unwrap(), false);
        assert_eq!(r.recent.len(), RECENT_OUTCOMES);
        assert_eq!(r.recent.iter().filter(|c| !c.upheld).count(), 1);
        r.uncount(&"rpt_ffffffffffffffff".parse().unwrap());
        assert_eq!(r.recent.len(), RECENT_OUTCOMES - 1);
    }

    #[test]
    fn upheld_by_the_outcome_and_matching_label() {
        let labels = vec!["insult".to_string()];
        let cases = [
            (ReportReason::Spam, Outcome::Remove, true),
            (ReportReason::Insult, Outcome::Label, true),
            (ReportReason::Threat, Outcome::Label, false),
            (ReportReason::Other, Outcome::Label, true),
            (ReportReason::Insult, Outcome::Allow, false),
        ];
        for (reason, outcome, upheld) in cases {
            assert_eq!(
                reason.upheld_by(outcome, &labels),
                upheld,
                "{reason} {outcome:?}"
            );
        }
    }

    #[test]
    fn reasons_round_trip() {
        for r in ReportReason::ALL {
            assert_eq!(r.as_str().parse::<ReportReason>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("hate".parse::<ReportReason>().is_err());
    }

    #[test]
    fn routing_and_bonus() {
        let policy = ReportPolicy::default();
        let report = |weight, trusted, reason| Report {
            id: ReportId::random(),
            reporter: None,
            revision: 1,
            reason,
            comment: None,
            weight,
            trusted,
            at: Timestamp::from_millis(0),
            resolution: None,
        };
        let low = report(100, false, ReportReason::Spam);
        let avg = report(500, false, ReportReason::Threat);
        let trusted = report(TRUSTED_WEIGHT, true, ReportReason::Spam);
        assert!(!policy.routes(&[&low]));
        assert!(policy.routes(&[&avg]));
        assert!(policy.routes(&[&low; 5]));
        assert!(policy.routes(&[&trusted]));
        assert_eq!(policy.bonus(&[]), 0);
        assert_eq!(policy.bonus(&[&avg]), 25_000);
        assert_eq!(policy.bonus(&[&low]), 7_000);
        assert!(policy.bonus(&[&trusted]) > 1_000_000);
    }
}
