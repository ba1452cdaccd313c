//! Submitting content: a scored text becomes a [`Submission`] (what Warden does with it,
//! by the community's policy and action table, and the labels it applies). A request's
//! submissions are then stored in one atomic step, together with other requests' where
//! they wait ([`coalesce`](super::coalesce)). Scoring itself happens before, on the
//! scorer's threads.

use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::domain::community::Rules;
use crate::domain::item::Submission;
use crate::ids::{AuthorId, CommunityId, ContentId, ContentText, ItemId, KeyId};
use crate::verdict::Verdict;

/// What a platform submits about one piece of content.
#[derive(Debug, Clone)]
pub struct Content {
    pub community: CommunityId,
    pub content_id: ContentId,
    pub author_id: AuthorId,
    /// The platform says the content changed hands: another author is then the new
    /// owner, not a conflict (see `domain::item`'s ownership rule).
    pub ownership_change: bool,
    pub text: ContentText,
    pub context: Option<Map<String, Value>>,
}

/// The submission of `content`, scored `verdict` under its community's `rules`, by
/// `actor` at `now`. The verdict carries the content id back as its `id`.
pub fn scored(
    content: Content,
    mut verdict: Verdict,
    rules: &Rules,
    actor: &KeyId,
    now: Timestamp,
) -> Submission {
    verdict.id = Some(Value::String(content.content_id.to_string()));
    let (action, labels) = rules.action_for(&verdict);
    Submission {
        new_id: ItemId::random(),
        community: content.community,
        content_id: content.content_id,
        author_id: content.author_id,
        ownership_change: content.ownership_change,
        text: content.text,
        context: content.context,
        verdict,
        action,
        labels,
        actor: actor.clone(),
        at: now,
    }
}
