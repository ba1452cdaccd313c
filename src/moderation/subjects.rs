//! Data-subject requests (GDPR): erasure (Art. 17) and access (Art. 15) of an author's
//! data, by the platform on the person's behalf. Each is audited under its community or
//! receipt id, never the author id.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Scope;
use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditRecord};
use crate::domain::event::Actor;
use crate::domain::privacy::{ExportItem, Receipt, SubjectExport};
use crate::domain::suppress::{Subject, SubjectKind, SubjectRef};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, KeyId};
use crate::moderation::feed::Suppressions;
use crate::store::Store;

/// Erases an author's data in a community (see `Store::erase`); durable when it
/// returns, the erasure rule visible in the feed after the next group commit. Blocking.
pub fn erase(
    store: &dyn Store,
    community: &CommunityId,
    author: &AuthorId,
    actor: &KeyId,
    now: Timestamp,
) -> Result<Receipt, Failure> {
    store.erase(community, author, actor, now)
}

/// An access request: whose data, where, and within which scope.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub author: AuthorId,
    /// One community, or every community of `scope` holding the author's data.
    pub community: Option<CommunityId>,
    pub scope: Scope,
    pub actor: Actor,
}

/// Everything held about an author.
#[derive(Debug, Serialize, ToSchema)]
pub struct Export {
    pub author_id: AuthorId,
    pub exported_at: Timestamp,
    pub communities: Vec<SubjectExport>,
}

/// Everything held about the author, with the active rules about them and their
/// content, one audit record per community. Blocking.
pub fn export(
    store: &dyn Store,
    feed: &Suppressions,
    request: ExportRequest,
    now: Timestamp,
) -> Result<Export, Failure> {
    let ExportRequest {
        author,
        community,
        scope,
        actor,
    } = request;
    let communities = match community {
        Some(c) => vec![c],
        None => store
            .author_communities(&author)?
            .into_iter()
            .filter(|c| scope.allows(c))
            .collect(),
    };
    let mut out = Vec::new();
    for c in communities {
        let items: Vec<ExportItem> = store.export(&c, &author)?;
        let mut rules = feed.rules_about(&Subject {
            kind: SubjectKind::Author,
            community: c.clone(),
            id: SubjectRef::try_from(author.to_string()).map_err(Failure::internal)?,
        });
        for item in &items {
            rules.extend(feed.rules_about(&Subject {
                kind: SubjectKind::Content,
                community: c.clone(),
                id: SubjectRef::try_from(item.content_id.to_string()).map_err(Failure::internal)?,
            }));
        }
        let audit =
            AuditRecord::new(now, actor.clone(), AuditAction::SubjectExport, c.as_str()).about(&c);
        store.put_audit(&audit)?;
        out.push(SubjectExport {
            community: c,
            items,
            rules,
        });
    }
    Ok(Export {
        author_id: author,
        exported_at: now,
        communities: out,
    })
}
