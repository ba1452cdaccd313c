//! What people do to one item: decide (or escalate), release a lease, undo their own
//! decision, appeal, and look at its personal data. Each is a lifecycle transition from
//! `domain::item`, checked and written with its events in one atomic store step.

use crate::clock::Timestamp;
use crate::domain::event::{Event, Remarks};
use crate::domain::item::{DecisionAction, Item};
use crate::failure::Failure;
use crate::ids::{ItemId, KeyId};
use crate::moderation::items::{self, Access, ItemRecord};
use crate::store::Store;

/// Who acts, and which items they may see.
pub struct Caller<'a> {
    pub key: &'a KeyId,
    /// An admin may decide and release without holding the lease, and reveal any item.
    pub admin: bool,
    pub access: &'a Access<'a>,
}

/// One thing done to an item.
#[derive(Debug, Clone)]
pub enum Act {
    /// By the lease holder, or an admin.
    Decide(DecisionAction, Remarks),
    /// Gives the lease back (holder or admin).
    Release,
    /// The decider takes their decision back within their lease (see `domain::item`).
    Undo,
    /// The author, through the platform, contests a label or removal.
    Appeal(String),
    /// Shows the personal data redaction hides: an admin, or the lease holder; recorded
    /// as a `pii_revealed` event in the same step, so no reveal goes unrecorded.
    RevealPii,
}

const REVEAL_REFUSED: &str =
    "only an admin or the moderator holding the lease may reveal personal data";

/// Does `act` to item `id` at `now`. Blocking; durable once the group commit says so.
pub fn act(
    store: &dyn Store,
    id: &ItemId,
    caller: &Caller<'_>,
    act: &Act,
    now: Timestamp,
) -> Result<ItemRecord, Failure> {
    let transition = |item: &mut Item, now: Timestamp| -> Result<Vec<Event>, Failure> {
        match act {
            Act::Decide(action, remarks) => {
                item.decide(caller.key, caller.admin, *action, remarks, now)
            }
            Act::Release => item.release(caller.key, caller.admin, now),
            Act::Undo => item.undo(caller.key, now),
            Act::Appeal(statement) => item.appeal(caller.key, statement.clone(), now),
            Act::RevealPii => {
                let holds_lease = item
                    .lease
                    .as_ref()
                    .is_some_and(|l| l.holder == *caller.key && l.expires_at > now);
                if !caller.admin && !holds_lease {
                    return Err(Failure::forbidden(REVEAL_REFUSED));
                }
                Ok(vec![Event::pii_revealed(caller.key, now)])
            }
        }
    };
    items::change(store, id, caller.access, now, &transition)
}
