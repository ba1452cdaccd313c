//! Suppression rules: what moderation decided, in the form the systems that choose what
//! people see (recommenders, search, notifications, ad targeting, profiling) can act on.
//!
//! A [`Rule`] says "do not use this subject for these [`Scope`]s", and why. Rules are
//! derived, never written by hand, inside the same store transaction as the change that
//! causes them (by `consequences`), from the item's new state and the community's
//! [`SuppressionPolicy`]:
//!
//! | cause | subject | default scopes | ends |
//! |---|---|---|---|
//! | content removed (auto or human) | content | all five | revoked when an appeal or a new revision undoes it |
//! | content waiting for review ("don't amplify what is being checked") | content | `recommend`, `ads_targeting` | expired when decided |
//! | content labelled | content | `ads_targeting`, `profiling` | revoked when the outcome changes |
//! | sensitive data (GDPR Art. 9) in the text, one rule per category | content | `profiling`, `ads_targeting` | revoked when a new revision no longer has it |
//! | N removals of an author within a window (default 3 in 30 days) | author | `recommend` | expired after a period (default 7 days); revoked if reversals bring the count under N |
//! | the author's data was erased | author | `profiling`, `ads_targeting` | never |
//!
//! Every change (a new rule, a new expiry, a revocation, an expiry) is one entry of a
//! gap-free change log numbered by `seq`; a revocation or expiry repeats the rule with its
//! new `state`. The log is the feed (`GET /v1/suppressions`): `moderation::feed` follows
//! it up to what is durable, keeps the active rules in memory for `:check`, and wakes
//! the Server-Sent Events streams.
//!
//! ```
//! use warden::domain::suppress::{Scope, SuppressionPolicy};
//!
//! let policy = SuppressionPolicy::default();
//! assert_eq!(policy.removed, Scope::ALL);
//! assert_eq!(policy.under_review, [Scope::Recommend, Scope::AdsTargeting]);
//! assert_eq!(policy.author.removals, 3);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::domain::item::{Item, Outcome, QueueName, Status};
use crate::failure::Failure;
use crate::ids::{CommunityId, ItemId};
use crate::schema::{self, string_schema};
use crate::verdict::SensitiveCategory;

/// What a rule stops. The names are API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Recommending or amplifying it.
    Recommend,
    /// Showing it in search results.
    Search,
    /// Notifying anyone about it.
    Notify,
    /// Targeting ads with it or next to it.
    AdsTargeting,
    /// Inferring anything about people from it.
    Profiling,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Recommend,
        Scope::Search,
        Scope::Notify,
        Scope::AdsTargeting,
        Scope::Profiling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Recommend => "recommend",
            Scope::Search => "search",
            Scope::Notify => "notify",
            Scope::AdsTargeting => "ads_targeting",
            Scope::Profiling => "profiling",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!("unknown scope `{s}` (expected recommend, search, notify, ads_targeting or profiling)")
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A piece of content, by the platform's content id.
    Content,
    /// An author, by the platform's author id.
    Author,
}

/// What a rule is about. `id` is the platform's content id or author id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub kind: SubjectKind,
    pub community: CommunityId,
    pub id: SubjectRef,
}

/// A content or author id inside a rule: 1–256 bytes without control characters (what
/// the API accepts for either).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubjectRef(String);

impl SubjectRef {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SubjectRef {
    type Error = String;
    fn try_from(s: String) -> Result<SubjectRef, String> {
        // The same rule as content and author ids.
        crate::ids::check_external(&s)?;
        Ok(SubjectRef(s))
    }
}

impl From<SubjectRef> for String {
    fn from(r: SubjectRef) -> String {
        r.0
    }
}

string_schema!(
    SubjectRef,
    schema::string(
        "The platform's content id or author id: 1 to 256 bytes, no control characters.",
        Some(schema::NO_CONTROL),
        Some((1, 256))
    )
);

impl fmt::Display for SubjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a rule came from. The names are API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonSource {
    /// A decision on the content (automatic or human): removal, label.
    Decision,
    /// The community's policy: content under review, repeated removals of an author.
    Policy,
    /// Special categories of personal data in the content.
    SensitiveData,
    /// The author's data was erased.
    Erasure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// The harm category behind a decision (`threat`, `insult`, … or `other`), the
    /// sensitive-data category (`health`, …), or `erasure`.
    pub category: String,
    pub source: ReasonSource,
    /// The item that caused it, for content rules and the removal that tipped an author
    /// rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
}

/// A rule's state in a change-log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    Active,
    /// Its cause was undone (a reversed removal, a changed outcome, edited text).
    Revoked,
    /// It ran its course (its `expires_at` passed, or the review it covered ended).
    Expired,
}

/// A rule's id: `rul_` and the change-log `seq` that created it, stable across the
/// rule's later entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(String);

impl RuleId {
    /// The id of a rule created by change-log entry `seq`.
    pub fn created_at_seq(seq: u64) -> RuleId {
        RuleId(format!("rul_{seq}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_schema!(
    RuleId,
    schema::string(
        "A rule's id: `rul_` and the change-log seq that created it.",
        Some("^rul_[1-9][0-9]*$"),
        None
    )
);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One change-log entry: a rule as of `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Rule {
    /// Position in the change log: from 1, no gaps, in commit order.
    pub seq: u64,
    /// Stable across a rule's entries (`rul_` and the `seq` that created it).
    pub rule_id: RuleId,
    pub subject: Subject,
    pub scopes: Vec<Scope>,
    pub reason: Reason,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub state: RuleState,
    /// When this entry was written.
    pub changed_at: Timestamp,
}

impl Rule {
    /// Whether it suppresses `scope` at `now`.
    pub fn covers(&self, scope: Scope, now: Timestamp) -> bool {
        self.state == RuleState::Active
            && self.scopes.contains(&scope)
            && self.expires_at.is_none_or(|t| t > now)
    }
}

/// Why a rule exists, one per item (content rules) or per subject (author rules). The
/// tag is the last byte of the rule's key in the store's index of active rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    Removed,
    UnderReview,
    Labelled,
    Sensitive(SensitiveCategory),
    AuthorRemovals,
    Erasure,
}

impl Cause {
    /// Every content cause, in tag order.
    pub const CONTENT: [Cause; 9] = [
        Cause::Removed,
        Cause::UnderReview,
        Cause::Labelled,
        Cause::Sensitive(SensitiveCategory::Health),
        Cause::Sensitive(SensitiveCategory::Religion),
        Cause::Sensitive(SensitiveCategory::SexualOrientation),
        Cause::Sensitive(SensitiveCategory::PoliticalOpinion),
        Cause::Sensitive(SensitiveCategory::EthnicOrigin),
        Cause::Sensitive(SensitiveCategory::TradeUnion),
    ];

    pub fn tag(self) -> u8 {
        match self {
            Cause::Removed => 1,
            Cause::UnderReview => 2,
            Cause::Labelled => 3,
            Cause::Sensitive(c) => {
                4 + SensitiveCategory::ALL
                    .iter()
                    .position(|x| *x == c)
                    .unwrap_or(0) as u8
            }
            Cause::AuthorRemovals => 16,
            Cause::Erasure => 17,
        }
    }

    /// The state a content rule of this cause ends in when its cause goes away.
    pub fn ending(self) -> RuleState {
        match self {
            // The review it covered is over: it ran its course.
            Cause::UnderReview => RuleState::Expired,
            _ => RuleState::Revoked,
        }
    }
}

/// A rule the state calls for (before it has a seq and an id).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub cause: Cause,
    pub scopes: Vec<Scope>,
    pub reason: Reason,
    pub expires_at: Option<Timestamp>,
}

/// When an author's removals lead to an author rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AuthorPolicy {
    /// Removals within the window that trigger the rule; 0 turns author rules off.
    pub removals: u32,
    pub window_days: u32,
    /// How long the rule lasts from the removal that triggered it (a later removal while
    /// it is active extends it).
    pub period_days: u32,
    pub scopes: Vec<Scope>,
}

impl Default for AuthorPolicy {
    fn default() -> AuthorPolicy {
        AuthorPolicy {
            removals: 3,
            window_days: 30,
            period_days: 7,
            scopes: vec![Scope::Recommend],
        }
    }
}

/// A community's rule derivations (`suppression` in the community policy). An empty
/// scope list turns that derivation off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SuppressionPolicy {
    pub removed: Vec<Scope>,
    pub under_review: Vec<Scope>,
    pub labelled: Vec<Scope>,
    pub sensitive_data: Vec<Scope>,
    pub author: AuthorPolicy,
}

impl Default for SuppressionPolicy {
    fn default() -> SuppressionPolicy {
        SuppressionPolicy {
            removed: Scope::ALL.to_vec(),
            under_review: vec![Scope::Recommend, Scope::AdsTargeting],
            labelled: vec![Scope::AdsTargeting, Scope::Profiling],
            sensitive_data: vec![Scope::Profiling, Scope::AdsTargeting],
            author: AuthorPolicy::default(),
        }
    }
}

/// The scopes an erasure stops on the author: never configurable.
pub const ERASURE_SCOPES: [Scope; 2] = [Scope::Profiling, Scope::AdsTargeting];

impl SuppressionPolicy {
    pub fn validate(&self) -> Result<(), Failure> {
        let a = &self.author;
        if a.removals > 1000 {
            return Err(Failure::unprocessable(
                "`suppression.author.removals` must be at most 1000",
            ));
        }
        if a.removals > 0 && !(1..=3650).contains(&a.window_days) {
            return Err(Failure::unprocessable(
                "`suppression.author.window_days` must be between 1 and 3650",
            ));
        }
        if a.removals > 0 && !(1..=3650).contains(&a.period_days) {
            return Err(Failure::unprocessable(
                "`suppression.author.period_days` must be between 1 and 3650",
            ));
        }
        Ok(())
    }

    /// The content rules an item's current state calls for.
    pub fn content_rules(&self, item: &Item) -> Vec<Wanted> {
        let mut out = Vec::new();
        let category = item
            .verdict
            .top_category()
            .map_or("other".to_string(), |c| c.to_string());
        let mut push = |cause, scopes: &[Scope], category: String, source| {
            if !scopes.is_empty() {
                out.push(Wanted {
                    cause,
                    scopes: normalized(scopes),
                    reason: Reason {
                        category,
                        source,
                        item_id: Some(item.id),
                    },
                    expires_at: None,
                });
            }
        };
        match (item.outcome, item.status, item.queue) {
            // The outcome stands while an appeal waits.
            (Some(Outcome::Remove), _, _) => push(
                Cause::Removed,
                &self.removed,
                category.clone(),
                ReasonSource::Decision,
            ),
            (Some(Outcome::Label), _, _) => push(
                Cause::Labelled,
                &self.labelled,
                item.labels.first().cloned().unwrap_or(category.clone()),
                ReasonSource::Decision,
            ),
            (None, Status::Pending, Some(QueueName::Review | QueueName::Escalated)) => push(
                Cause::UnderReview,
                &self.under_review,
                category.clone(),
                ReasonSource::Policy,
            ),
            _ => {}
        }
        for c in item.verdict.sensitive_categories() {
            push(
                Cause::Sensitive(c),
                &self.sensitive_data,
                c.to_string(),
                ReasonSource::SensitiveData,
            );
        }
        out
    }

    /// The author rule an author's removal history calls for at `now`, if any.
    pub fn author_rule(&self, history: &RemovalHistory, now: Timestamp) -> Option<Wanted> {
        let a = &self.author;
        if a.removals == 0 || a.scopes.is_empty() {
            return None;
        }
        let since = now.millis() - i64::from(a.window_days) * 86_400_000;
        let recent: Vec<&(i64, ItemId)> = history
            .removals
            .iter()
            .filter(|(at, _)| *at > since)
            .collect();
        if recent.len() < a.removals as usize {
            return None;
        }
        let (last_at, last_item) = recent.iter().max_by_key(|(at, _)| *at)?;
        Some(Wanted {
            cause: Cause::AuthorRemovals,
            scopes: normalized(&a.scopes),
            reason: Reason {
                category: "repeated_removals".into(),
                source: ReasonSource::Policy,
                item_id: Some(*last_item),
            },
            expires_at: Some(
                Timestamp::from_millis(*last_at).plus_seconds(a.period_days.saturating_mul(86_400)),
            ),
        })
    }
}

/// Sorted, without duplicates: the order rules list their scopes in.
fn normalized(scopes: &[Scope]) -> Vec<Scope> {
    let mut s = scopes.to_vec();
    s.sort();
    s.dedup();
    s
}

/// Removals an author's history keeps beyond the community's threshold (see
/// [`RemovalHistory`]).
pub const KEPT_BEYOND_THRESHOLD: usize = 100;

/// An author's recent removals in one community: `(when, item)`, pruned to the window
/// and bounded.
///
/// The author rule asks two things of it: whether at least `removals` (the threshold,
/// at most 1000) fall inside the window, and which is the latest. Both are answered by
/// the most recent removals alone, so the history keeps at most the threshold plus
/// [`KEPT_BEYOND_THRESHOLD`] of them ([`AuthorPolicy::kept`]) and forgets the oldest.
/// Without the bound, every removal rewrote every earlier one in its own transaction:
/// one author's 10,000 removals in a bulk call wrote O(n²) bytes.
///
/// Undos stay exact while the kept removals suffice: an undone removal leaves the
/// history, and the rule holds as long as at least `removals` kept ones remain in the
/// window, so up to [`KEPT_BEYOND_THRESHOLD`] undos of kept removals between two new
/// ones give the same answer as the full list. Only past that (say, a mistaken bulk
/// removal of hundreds of one author's items, then reversed) does the history
/// undercount: the removals it forgot are not counted again, and the author rule ends
/// or starts later than the full list would have it — towards less suppression, never
/// more. The same holds when a community raises its threshold: what the history
/// already forgot under the old one is not recalled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemovalHistory {
    pub removals: Vec<(i64, ItemId)>,
}

impl RemovalHistory {
    /// Records a removal, forgetting those older than the policy's window and, past
    /// [`AuthorPolicy::kept`], the oldest.
    pub fn add(&mut self, item: ItemId, at: Timestamp, policy: &AuthorPolicy) {
        let since = at.millis() - i64::from(policy.window_days.max(1)) * 86_400_000;
        self.removals.retain(|(t, i)| *t > since && *i != item);
        self.removals.push((at.millis(), item));
        let kept = policy.kept();
        if self.removals.len() > kept {
            // Oldest first (a clock may step back, so by time, not by arrival); stable,
            // so removals at the same millisecond keep their order.
            self.removals.sort_by_key(|(t, _)| *t);
            let excess = self.removals.len() - kept;
            self.removals.drain(..excess);
        }
    }

    /// Forgets a removal that was undone.
    pub fn undo(&mut self, item: ItemId) {
        self.removals.retain(|(_, i)| *i != item);
    }
}

impl AuthorPolicy {
    /// How many removals an author's history keeps (see [`RemovalHistory`]).
    pub fn kept(&self) -> usize {
        self.removals as usize + KEPT_BEYOND_THRESHOLD
    }
}

/// The erasure rule on an author.
pub fn erasure_rule() -> Wanted {
    Wanted {
        cause: Cause::Erasure,
        scopes: ERASURE_SCOPES.to_vec(),
        reason: Reason {
            category: "erasure".into(),
            source: ReasonSource::Erasure,
            item_id: None,
        },
        expires_at: None,
    }
}

/// What an active rule currently says, for [`diff`].
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    pub scopes: Vec<Scope>,
    pub reason: Reason,
    pub expires_at: Option<Timestamp>,
}

impl From<&Rule> for Current {
    fn from(r: &Rule) -> Current {
        Current {
            scopes: r.scopes.clone(),
            reason: r.reason.clone(),
            expires_at: r.expires_at,
        }
    }
}

/// What changes to make to one owner's rules, given what is active and what is wanted:
/// `(cause, Some(wanted))` creates or updates, `(cause, None)` ends the active rule.
pub fn diff(
    active: &[(Cause, Current)],
    wanted: &[Wanted],
    causes: &[Cause],
) -> Vec<(Cause, Option<Wanted>)> {
    let mut out = Vec::new();
    for &cause in causes {
        let now = active.iter().find(|(c, _)| *c == cause).map(|(_, r)| r);
        let want = wanted.iter().find(|w| w.cause == cause);
        match (now, want) {
            (None, Some(w)) => out.push((cause, Some(w.clone()))),
            (Some(_), None) => out.push((cause, None)),
            (Some(r), Some(w))
                if r.scopes != w.scopes || r.reason != w.reason || r.expires_at != w.expires_at =>
            {
                out.push((cause, Some(w.clone())))
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A rule for tests (also the feed's index tests).
    pub(crate) fn rule(seq: u64, id: &str, subject: &Subject, state: RuleState) -> Rule {
        Rule {
            seq,
            rule_id: RuleId(id.into()),
            subject: subject.clone(),
            scopes: vec![Scope::Recommend],
            reason: Reason {
                category: "threat".into(),
                source: ReasonSource::Decision,
                item_id: None,
            },
            created_at: Timestamp::from_millis(0),
            expires_at: None,
            state,
            changed_at: Timestamp::from_millis(0),
        }
    }

    pub(crate) fn subject(id: &str) -> Subject {
        Subject {
            kind: SubjectKind::Content,
            community: "c".parse().unwrap(),
            id: id.to_string().try_into().unwrap(),
        }
    }

    #[test]
    fn author_rules_need_enough_recent_removals() {
        let policy = SuppressionPolicy::default();
        let day = 86_400_000;
        let t = |d: i64| Timestamp::from_millis(1_000 * day + d * day);
        let mut h = RemovalHistory::default();
        h.add(ItemId::random(), t(0), &policy.author);
        h.add(ItemId::random(), t(1), &policy.author);
        assert!(policy.author_rule(&h, t(1)).is_none());
        h.add(ItemId::random(), t(2), &policy.author);
        let rule = policy.author_rule(&h, t(2)).unwrap();
        assert_eq!(rule.scopes, [Scope::Recommend]);
        assert_eq!(rule.expires_at, Some(t(9)));
        // A month later the old removals no longer count.
        assert!(policy.author_rule(&h, t(31)).is_none());
    }

    #[test]
    fn a_history_keeps_the_threshold_and_a_margin_of_the_latest_removals() {
        let policy = SuppressionPolicy::default();
        let ms = |m: i64| Timestamp::from_millis(1_000 * 86_400_000 + m);
        let mut h = RemovalHistory::default();
        let items: Vec<ItemId> = (0..1_000).map(|_| ItemId::random()).collect();
        for (n, item) in items.iter().enumerate() {
            h.add(*item, ms(n as i64), &policy.author);
            assert!(h.removals.len() <= policy.author.kept());
        }
        assert_eq!(h.removals.len(), 3 + KEPT_BEYOND_THRESHOLD);
        // The latest are the ones kept, so the rule names the last removal.
        let kept: Vec<ItemId> = h.removals.iter().map(|(_, i)| *i).collect();
        assert_eq!(kept[..], items[1_000 - policy.author.kept()..]);
        let rule = policy.author_rule(&h, ms(999)).unwrap();
        assert_eq!(rule.reason.item_id, Some(items[999]));
        assert_eq!(rule.expires_at, Some(ms(999).plus_seconds(7 * 86_400)));
    }

    #[test]
    fn undos_within_the_margin_leave_the_author_rule_as_the_full_history_would() {
        let policy = SuppressionPolicy::default();
        let ms = |m: i64| Timestamp::from_millis(1_000 * 86_400_000 + m);
        let mut h = RemovalHistory::default();
        let items: Vec<ItemId> = (0..500).map(|_| ItemId::random()).collect();
        for (n, item) in items.iter().enumerate() {
            h.add(*item, ms(n as i64), &policy.author);
        }
        // Undo the latest removals, one by one, up to the margin: three kept ones stay,
        // so the rule stands and names the latest removal not undone.
        for (undone, item) in items.iter().rev().take(KEPT_BEYOND_THRESHOLD).enumerate() {
            h.undo(*item);
            let rule = policy.author_rule(&h, ms(500)).unwrap();
            assert_eq!(rule.reason.item_id, Some(items[498 - undone]));
        }
        // Past the margin the history undercounts (documented): less suppression.
        h.undo(items[399]);
        assert!(policy.author_rule(&h, ms(500)).is_none());
    }

    #[test]
    fn a_higher_threshold_keeps_more() {
        let mut policy = SuppressionPolicy::default();
        policy.author.removals = 1_000;
        let mut h = RemovalHistory::default();
        for n in 0..1_200 {
            h.add(
                ItemId::random(),
                Timestamp::from_millis(1_000 * 86_400_000 + n),
                &policy.author,
            );
        }
        assert_eq!(h.removals.len(), 1_000 + KEPT_BEYOND_THRESHOLD);
        let now = Timestamp::from_millis(1_000 * 86_400_000 + 1_200);
        assert!(policy.author_rule(&h, now).is_some());
    }

    #[test]
    fn diff_creates_updates_and_ends() {
        let a = subject("a");
        let wanted = |scopes: Vec<Scope>| Wanted {
            cause: Cause::Removed,
            scopes,
            reason: rule(1, "x", &a, RuleState::Active).reason,
            expires_at: None,
        };
        let active = vec![(
            Cause::Removed,
            Current::from(&rule(1, "rul_1", &a, RuleState::Active)),
        )];
        assert!(diff(&active, &[wanted(vec![Scope::Recommend])], &Cause::CONTENT).is_empty());
        let changed = diff(&active, &[wanted(vec![Scope::Search])], &Cause::CONTENT);
        assert_eq!(changed.len(), 1);
        assert!(changed[0].1.is_some());
        let ended = diff(&active, &[], &Cause::CONTENT);
        assert_eq!(ended, vec![(Cause::Removed, None)]);
        assert_eq!(
            diff(&[], &[wanted(vec![Scope::Search])], &Cause::CONTENT).len(),
            1
        );
    }

    #[test]
    fn tags_are_distinct() {
        let mut tags: Vec<u8> = Cause::CONTENT.iter().map(|c| c.tag()).collect();
        tags.extend([Cause::AuthorRemovals.tag(), Cause::Erasure.tag()]);
        let n = tags.len();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), n);
    }
}
