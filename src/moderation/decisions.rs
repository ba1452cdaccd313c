//! What people do to one item: decide (or escalate), release a lease, undo their own
//! decision, appeal, and look at its personal data. Each is a lifecycle transition from
//! `domain::item`, checked and written with its events in one atomic store step, beside other
//! requests' changes ([`changes`](super::changes)).

use std::sync::Arc;

use crate::clock::Timestamp;
use crate::domain::event::{Event, Remarks};
use crate::domain::item::{DecisionAction, Item};
use crate::failure::Failure;
use crate::ids::{ItemId, KeyId};
use crate::moderation::changes::{Changes, OwnedChange};
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

/// [`Access`], owned.
pub type OwnedAccess = Box<dyn Fn(&Item) -> Result<(), Failure> + Send + Sync>;

/// Who acts, owned: the change waits for its turn beside other requests' changes
/// ([`changes`](super::changes)).
pub struct Actor {
    pub key: KeyId,
    /// As [`Caller::admin`].
    pub admin: bool,
    /// Whether the caller may see an item (`not_found` if not), as [`Access`].
    pub access: OwnedAccess,
}

/// Does `act` to item `id` at `now`, checked on the item as stored (the caller's access
/// first) and written with its events in one atomic store step, together with other
/// requests' changes waiting; returns the item whole. Durable once the group commit says
/// so.
pub async fn act(
    changes: &Changes,
    store: Arc<dyn Store>,
    id: ItemId,
    actor: Actor,
    act: Act,
    now: Timestamp,
) -> Result<ItemRecord, Failure> {
    let change: OwnedChange = Box::new(move |item: &mut Item| {
        (actor.access)(item)?;
        transition(&actor.key, actor.admin, &act, item, now)
    });
    let (item, revision) = changes.write(id, change).await?;
    if !items::opening_reads(&item) {
        // A hop to the blocking pool and back is a good part of a decision's time on a
        // busy server; this reads nothing.
        return items::opened(&*store, item, revision);
    }
    tokio::task::spawn_blocking(move || items::opened(&*store, item, revision))
        .await
        .map_err(|e| Failure::internal(format!("blocking task: {e}")))?
}

/// `act` by `key` as the lifecycle transition of `domain::item` it is.
fn transition(
    key: &KeyId,
    admin: bool,
    act: &Act,
    item: &mut Item,
    now: Timestamp,
) -> Result<Vec<Event>, Failure> {
    match act {
        Act::Decide(action, remarks) => item.decide(key, admin, *action, remarks, now),
        Act::Release => item.release(key, admin, now),
        Act::Undo => item.undo(key, now),
        Act::Appeal(statement) => item.appeal(key, statement.clone(), now),
        Act::RevealPii => {
            let holds_lease = item
                .lease
                .as_ref()
                .is_some_and(|l| l.holder == *key && l.expires_at > now);
            if !admin && !holds_lease {
                return Err(Failure::forbidden(REVEAL_REFUSED));
            }
            Ok(vec![Event::pii_revealed(key, now)])
        }
    }
}
