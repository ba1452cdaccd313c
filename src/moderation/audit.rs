//! Reading the audit log (`GET /v1/audit`): a page of records a reader may see. A record
//! about a community is visible within that community's scope; a key's record is visible
//! to a reader whose scope covers the key's; anything else only to a reader of every
//! community.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Scope;
use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditActor, AuditRecord};
use crate::failure::Failure;
use crate::ids::CommunityId;
use crate::store::Store;

/// One record and its place in the log.
// The record's fields are spelled out rather than flattened so that the API document
// describes the entry as one closed object (see `http::openapi`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Increasing, not contiguous: resume with `after` set to the last one seen.
    pub seq: u64,
    pub at: Timestamp,
    pub actor: AuditActor,
    pub action: AuditAction,
    /// What changed: a key id, a community id, an erasure's receipt id or a bulk
    /// decision's id (never an author id).
    pub target: String,
    /// The community it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityId>,
    /// What else the record says, without personal data: a bulk decision's counts, the
    /// suggestion a policy came from (`from suggestion sug_…, thresholds as suggested`
    /// or `…, thresholds edited since`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditEntry {
    fn new(seq: u64, record: AuditRecord) -> AuditEntry {
        let AuditRecord {
            at,
            actor,
            action,
            target,
            community,
            detail,
        } = record;
        AuditEntry {
            seq,
            at,
            actor,
            action,
            target,
            community,
            detail,
        }
    }
}

/// A page of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Resume from here: the last seq examined (returned, or skipped as not visible to
    /// the reader), or `after` when there was nothing new.
    pub next: u64,
}

/// The most records one read examines; a reader that sees few communities resumes from
/// `next` past the records it skipped.
const MAX_SCAN: usize = 10_000;

/// Up to `limit` records after `after` that a reader of `communities` (`None`: all) may
/// see. Blocking.
pub fn page(
    store: &dyn Store,
    communities: Option<&[CommunityId]>,
    after: u64,
    limit: usize,
) -> Result<AuditPage, Failure> {
    let reader = match communities {
        None => Scope::All,
        Some(list) => Scope::Communities(list.iter().cloned().collect()),
    };
    // A key's record is read by the key's scope; keys are few and never deleted.
    let keys = match reader {
        Scope::All => Vec::new(),
        Scope::Communities(_) => store.keys()?,
    };
    let visible = |r: &AuditRecord| match (&reader, &r.community, r.action) {
        (Scope::All, _, _) => true,
        (_, Some(c), _) => reader.allows(c),
        (_, None, AuditAction::KeyCreate | AuditAction::KeyRevoke) => keys
            .iter()
            .any(|k| k.id.as_str() == r.target && reader.covers(&k.scope)),
        (_, None, _) => false,
    };
    let mut entries = Vec::new();
    let mut next = after;
    let mut scanned = 0;
    while entries.len() < limit && scanned < MAX_SCAN {
        let want = (limit - entries.len()).max(64).min(MAX_SCAN - scanned);
        let batch = store.audit_log(next, want)?;
        if batch.is_empty() {
            break;
        }
        for (seq, record) in batch {
            if entries.len() >= limit {
                return Ok(AuditPage { entries, next });
            }
            scanned += 1;
            next = seq;
            if visible(&record) {
                entries.push(AuditEntry::new(seq, record));
            }
        }
    }
    Ok(AuditPage { entries, next })
}
