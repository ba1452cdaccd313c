//! User reports (notice and action, DSA Art. 16): filing a report on an item, with the
//! reporter's weight from their record and the community's rate limit, and marking
//! trusted flaggers (Art. 22). The rules are in `domain::notice`; the report is attached
//! in the item's atomic store step, with its events and outbox entries.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditActor, AuditRecord};
use crate::domain::item::{Item, NewReport};
use crate::domain::notice::{Report, ReportId, ReportReason};
use crate::domain::privacy::SubjectId;
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ItemId, KeyId};
use crate::moderation::items::{self, Access};
use crate::store::Store;
use crate::Code;

/// A report as the platform forwards it (the reporter's id is personal data: it is
/// pseudonymised before anything is stored, and never logged).
#[derive(Debug, Clone)]
pub struct Notice {
    pub community: CommunityId,
    pub reporter: AuthorId,
    pub reason: ReportReason,
    pub comment: Option<String>,
}

/// What filing did.
#[derive(Debug, Clone)]
pub struct Filed {
    pub report: Report,
    pub item: Item,
    /// `false`: the reporter already had an open report on the item; this is it.
    pub created: bool,
}

/// Reports per reporter in the last hour, in memory: a per-node limit (several nodes
/// each allow the community's `per_hour`), which is enough to stop a flood from one
/// account without a store write per report.
#[derive(Debug, Default)]
pub struct ReportLimiter {
    recent: Mutex<HashMap<SubjectId, VecDeque<Timestamp>>>,
}

const HOUR_MS: i64 = 3_600_000;

impl ReportLimiter {
    /// `rate_limited` when `reporter` already filed `per_hour` reports in the hour
    /// before `now`; else counts this one.
    pub fn charge(
        &self,
        reporter: &SubjectId,
        per_hour: u32,
        now: Timestamp,
    ) -> Result<(), Failure> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        // Forget reporters whose window is empty, so the map stays small.
        if recent.len() > 100_000 {
            recent.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.millis() - t.millis() < HOUR_MS)
            });
        }
        let times = recent.entry(*reporter).or_default();
        while times
            .front()
            .is_some_and(|t| now.millis() - t.millis() >= HOUR_MS)
        {
            times.pop_front();
        }
        if times.len() >= per_hour as usize {
            return Err(Failure::new(
                Code::RateLimited,
                format!("this reporter may file {per_hour} reports an hour in the community"),
            ));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The item a report about `content_id` attaches to, if it exists. Blocking.
pub fn find_item(
    store: &dyn Store,
    community: &CommunityId,
    content_id: &crate::ids::ContentId,
) -> Result<Option<ItemId>, Failure> {
    store.item_by_content(community, content_id)
}

/// Files `notice` on item `id` (in the caller's reach) at `now`, forwarded by `actor`.
/// A reporter's repeat while their first report is open returns the first, without
/// charging the rate limit. Blocking; durable once the group commit says so.
pub fn file(
    store: &dyn Store,
    limiter: &ReportLimiter,
    id: &ItemId,
    access: &Access<'_>,
    notice: Notice,
    actor: &KeyId,
    now: Timestamp,
) -> Result<Filed, Failure> {
    let policy = store.policy(&notice.community)?.unwrap_or_default();
    if let Some(c) = &notice.comment {
        if c.chars().count() > policy.reports.max_comment_chars as usize {
            return Err(Failure::invalid_field(
                "comment",
                format!(
                    "must be at most {} characters",
                    policy.reports.max_comment_chars
                ),
            ));
        }
    }
    let reporter = store.pseudonym(&notice.community, &notice.reporter);
    let item = items::find(store, id, access)?;
    if let Some(open) = item.open_report_by(&reporter) {
        return Ok(Filed {
            report: open.clone(),
            item,
            created: false,
        });
    }
    limiter.charge(&reporter, policy.reports.per_hour, now)?;
    let record = store.reporter(&reporter)?.unwrap_or_default();
    let new = NewReport {
        id: ReportId::random(),
        reporter,
        reason: notice.reason,
        comment: notice.comment,
        weight: record.weight(),
        trusted: record.trusted,
        actor: actor.clone(),
        at: now,
    };
    let reports = &policy.reports;
    let after = store.update(id, &|item: &mut Item| {
        access(item)?;
        Ok(item.report(new.clone(), reports))
    })?;
    let (report, created) = match after.reports.iter().find(|r| r.id == new.id) {
        Some(r) => (r.clone(), true),
        // Someone filed the same reporter's report first, between our read and write.
        None => match after.open_report_by(&reporter) {
            Some(r) => (r.clone(), false),
            None => return Err(Failure::internal("a filed report is missing")),
        },
    };
    Ok(Filed {
        report,
        item: after,
        created,
    })
}

/// Marks (or unmarks) `reporter` as a trusted flagger in `community`, audited (the audit
/// names the pseudonym, never the reporter's id). Blocking; durable once the group
/// commit says so.
pub fn set_trusted(
    store: &dyn Store,
    community: &CommunityId,
    reporter: &AuthorId,
    trusted: bool,
    actor: &KeyId,
    now: Timestamp,
) -> Result<SubjectId, Failure> {
    let subject = store.pseudonym(community, reporter);
    let action = if trusted {
        AuditAction::TrustedFlaggerAdd
    } else {
        AuditAction::TrustedFlaggerRemove
    };
    let audit = AuditRecord::new(
        now,
        AuditActor::Key(actor.clone()),
        action,
        &subject.to_string(),
    )
    .about(community);
    store.set_trusted(&subject, trusted, &audit)?;
    Ok(subject)
}
