//! One item: finding it within a caller's reach, reading it whole (its current revision,
//! personal data opened) for a view, its history, and changing it through a lifecycle
//! transition (`domain::item`) in one atomic store step.
//!
//! Who may see an item is the caller's to say ([`Access`]): an item it may not see is
//! `not_found`, exactly like one that does not exist.

use crate::domain::event::Event;
use crate::domain::item::{Item, Revision};
use crate::domain::notice::ReporterRecord;
use crate::domain::privacy::redact;
use crate::domain::privacy::SubjectId;
use crate::failure::Failure;
use crate::ids::ItemId;
use crate::store::Store;

/// Whether the caller may see (and so act on) an item: `Ok`, or the refusal to answer.
pub type Access<'a> = dyn Fn(&Item) -> Result<(), Failure> + Sync + 'a;

/// An item with its current revision, personal data opened (or removed): everything a
/// view of it shows.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    pub item: Item,
    pub revision: Revision,
    /// The records of the item's reporters (their accuracy and trusted mark), by
    /// pseudonym; the ones with nothing held are absent.
    pub reporters: Vec<(SubjectId, ReporterRecord)>,
}

/// The item `id`, if the caller may see it. Blocking.
pub fn find(store: &dyn Store, id: &ItemId, access: &Access<'_>) -> Result<Item, Failure> {
    let item = store.item(id)?.ok_or_else(|| Failure::not_found("item"))?;
    access(&item)?;
    Ok(item)
}

/// `item` whole: its current revision read, its personal data opened. Blocking.
pub fn record(store: &dyn Store, mut item: Item) -> Result<ItemRecord, Failure> {
    let revision = store.revision(&item.id, item.revision)?;
    store.open_item(&mut item)?;
    opened(store, item, revision)
}

/// Whether [`opened`] reads the store for `item`: for the records of its reporters, when
/// it has any. Without, it only assembles what it was given and need not leave the
/// async executor.
pub fn opening_reads(item: &Item) -> bool {
    item.reports.iter().any(|r| r.reporter.is_some())
}

/// `item` whole from its parts already read: the item with its personal data opened and
/// its current revision (as [`Store::claim_opened`] returns them). Blocking when
/// [`opening_reads`].
pub fn opened(
    store: &dyn Store,
    item: Item,
    revision: Option<Revision>,
) -> Result<ItemRecord, Failure> {
    let revision = revision
        .ok_or_else(|| Failure::internal(format!("item {} lacks its revision", item.id)))?;
    let mut reporters: Vec<(SubjectId, ReporterRecord)> = Vec::new();
    for subject in item.reports.iter().filter_map(|r| r.reporter) {
        if reporters.iter().any(|(s, _)| *s == subject) {
            continue;
        }
        if let Some(record) = store.reporter(&subject)? {
            reporters.push((subject, record));
        }
    }
    Ok(ItemRecord {
        item,
        revision,
        reporters,
    })
}

/// The item `id` whole, if the caller may see it. Blocking.
pub fn read(store: &dyn Store, id: &ItemId, access: &Access<'_>) -> Result<ItemRecord, Failure> {
    record(store, find(store, id, access)?)
}

/// The item's history, oldest first; moderators' remarks (which may quote the content)
/// masked like the text. Blocking.
pub fn history(store: &dyn Store, id: &ItemId, access: &Access<'_>) -> Result<Vec<Event>, Failure> {
    find(store, id, access)?;
    let mut events = store.events(id)?;
    for e in &mut events {
        e.reason = e.reason.as_deref().map(redact::mask);
        e.note = e.note.as_deref().map(redact::mask);
    }
    Ok(events)
}
