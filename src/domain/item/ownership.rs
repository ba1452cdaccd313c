//! Who an item belongs to. A `content_id` names one piece of content on the platform,
//! and its author is part of what the item is: the author's removal counts, suppression
//! rules, erasure and access requests all follow the author. So a re-submission that
//! names another author is refused (`author_conflict`, 409) — most likely a client that
//! reused an id or mapped a field wrongly — unless the platform says the content changed
//! hands (`ownership_change`). Then the new revision is the new author's, and an
//! `ownership_changed` event before its `submitted` event says so in the item's history.
//!
//! An erased item has no author left to conflict with: the next submission is its
//! author's, as it was before this rule.

use super::{Item, Revision, Submission, Submitted};
use crate::domain::event::Event;
use crate::domain::privacy::SubjectId;
use crate::failure::Failure;
use crate::Code;

/// What a submission does to the item stored under its content id (see
/// [`Item::submit`]).
// Returned once per submission and taken apart at once, never stored: boxing the larger
// variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum SubmissionEffect {
    /// The same text by the same author again: nothing to write.
    Unchanged(Item),
    /// A new item or a new revision: what the store writes.
    Changed(ItemWrite),
}

/// A new item (`before` is `None`) or a new revision of `before`: the store writes
/// `after`, its revision and the events.
#[derive(Debug)]
pub struct ItemWrite {
    pub before: Option<Item>,
    pub after: Item,
    pub revision: Revision,
    pub events: Vec<Event>,
}

impl SubmissionEffect {
    /// The submission's result: the unchanged item as it is, or the item `write` stored
    /// for a change. Every backend answers the same way; only how it writes differs.
    pub fn written<E>(
        self,
        write: impl FnOnce(ItemWrite) -> Result<Item, E>,
    ) -> Result<Submitted, E> {
        Ok(match self {
            SubmissionEffect::Unchanged(item) => Submitted {
                item,
                changed: false,
            },
            SubmissionEffect::Changed(change) => Submitted {
                item: write(change)?,
                changed: true,
            },
        })
    }
}

impl Item {
    /// What submitting `sub` does, given the item already stored under its content id (if
    /// any): the rule every store backend applies, in one place. `author_conflict` as
    /// [`resubmit`](Item::resubmit).
    pub fn submit(
        existing: Option<Item>,
        sub: &Submission,
        subject: SubjectId,
        digest: &str,
    ) -> Result<SubmissionEffect, Failure> {
        Ok(match existing {
            Some(before) if before.is_current_text(&subject, digest) => {
                SubmissionEffect::Unchanged(before)
            }
            Some(before) => {
                let (after, revision, events) =
                    before.resubmit(sub, subject, digest.to_string())?;
                SubmissionEffect::Changed(ItemWrite {
                    before: Some(before),
                    after,
                    revision,
                    events,
                })
            }
            None => {
                let (after, revision, events) = Item::create(sub, subject, digest.to_string());
                SubmissionEffect::Changed(ItemWrite {
                    before: None,
                    after,
                    revision,
                    events,
                })
            }
        })
    }

    /// A new revision of this item from `sub`, whose author's pseudonym is `subject` and
    /// whose text has the keyed digest `digest`: the item after it, the revision and the
    /// events. `author_conflict` when another author's submission does not say it is an
    /// ownership change.
    pub fn resubmit(
        &self,
        sub: &Submission,
        subject: SubjectId,
        digest: String,
    ) -> Result<(Item, Revision, Vec<Event>), Failure> {
        let new_owner = self.subject.is_some_and(|s| s != subject);
        if new_owner && !sub.ownership_change {
            // Neither author id is named: the caller may not know the other one.
            return Err(Failure::new(
                Code::AuthorConflict,
                format!(
                    "content `{}` in community `{}` belongs to another author; send \
                     `ownership_change: true` if it changed hands",
                    self.content_id, self.community
                ),
            ));
        }
        let mut after = self.clone();
        let (revision, mut events) = after.revise(sub, subject, digest);
        if new_owner {
            events.insert(
                0,
                Event::ownership_changed(&sub.actor, sub.at, after.revision),
            );
        }
        after.supersede_reports(&mut events, sub.at);
        Ok((after, revision, events))
    }
}
