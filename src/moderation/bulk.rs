//! Bulk actions (`POST /v1/items:bulk`): one decision applied to every item a filter
//! selects, each item in its own atomic store step with its own events (see
//! `domain::bulk`), and one audit record for the operation.
//!
//! Items are found through the store's indexes (the author's subject, content ids, the
//! queue index), never by scanning every item; each is checked against the filter again
//! inside its own step, since it may have moved since it was found.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditRecord};
use crate::domain::bulk::{
    BulkError, BulkFilter, BulkId, BulkItemResult, BulkOutcome, BulkStatus, Selector, MAX_ITEMS,
};
use crate::domain::event::{Actor, Remarks};
use crate::domain::item::{DecisionAction, Item};
use crate::domain::queue::CommunityFilter;
use crate::failure::Failure;
use crate::ids::ItemId;
use crate::moderation::decisions::Caller;
use crate::store::{Change, Store};

/// Items a bulk call decides between two pauses.
pub const CHUNK: usize = 200;
/// The longest pause between two chunks.
const MAX_PAUSE: Duration = Duration::from_millis(500);

/// Paces a bulk call: after every [`CHUNK`] items it pauses as long as the chunk took
/// (up to [`MAX_PAUSE`]), so it holds the store and a CPU at most about half the time.
/// Run back to back, 10,000 transactions kept submissions waiting behind them — for
/// the store's transaction lock, for a CPU (two, on the measured machine), and behind
/// group-commit flushes carrying the bulk's writes — and submit p99 rose to seconds
/// (BENCHMARKS.md). A chunk of 200 is a fraction of a second; the pause lets queued
/// submissions through and their flushes stay small. The price is the bulk call's own
/// wall time, about double: the caller of one bulk call waits longer so that everyone
/// submitting meanwhile does not.
struct Pacer {
    chunk_started: Instant,
    in_chunk: usize,
}

impl Pacer {
    fn new() -> Pacer {
        Pacer {
            chunk_started: Instant::now(),
            in_chunk: 0,
        }
    }

    /// Counts one item; pauses after a full chunk.
    fn step(&mut self) {
        self.in_chunk += 1;
        if self.in_chunk < CHUNK {
            return;
        }
        std::thread::sleep(self.chunk_started.elapsed().min(MAX_PAUSE));
        self.in_chunk = 0;
        self.chunk_started = Instant::now();
    }
}

/// A bulk call, parsed.
#[derive(Debug, Clone)]
pub struct Bulk {
    pub filter: BulkFilter,
    pub action: DecisionAction,
    pub remarks: Remarks,
    /// Report what would change; write nothing.
    pub dry_run: bool,
}

/// The items `filter` selects, at most `MAX_ITEMS + 1` (one more says "too many").
pub fn select(store: &dyn Store, filter: &BulkFilter) -> Result<Vec<ItemId>, Failure> {
    let cap = MAX_ITEMS + 1;
    let mut found: BTreeSet<ItemId> = BTreeSet::new();
    match filter.selector()? {
        Selector::Author(author) => {
            let subject = store.pseudonym(&filter.community, author);
            // The index lists items holding any of the author's data: keep those whose
            // current revision is theirs.
            for id in store.items_of_subject(&subject, usize::MAX)? {
                if let Some(item) = store.item(&id)? {
                    if item.subject == Some(subject) && filter.matches(&item) {
                        found.insert(item.id);
                    }
                }
            }
        }
        Selector::Contents(ids) => {
            let unique: BTreeSet<_> = ids.iter().collect();
            for content in unique {
                if let Some(id) = store.item_by_content(&filter.community, content)? {
                    if let Some(item) = store.item(&id)? {
                        if filter.matches(&item) {
                            found.insert(item.id);
                        }
                    }
                }
            }
        }
        Selector::Queue(queue) => {
            let only = [filter.community.clone()];
            let mut cursor = None;
            while found.len() < cap {
                let page = store.queue(queue, &CommunityFilter::Only(&only), cursor, 1000)?;
                let Some(last) = page.last() else { break };
                cursor = Some(last.cursor());
                for entry in &page {
                    if let Some(item) = store.item(&entry.item_id)? {
                        if filter.matches(&item) {
                            found.insert(item.id);
                        }
                    }
                }
            }
        }
    }
    Ok(found.into_iter().take(cap).collect())
}

/// Runs `bulk` for `caller` at `now` (the caller's scope over the filter's community is
/// the route's to check). Refuses a selection over `MAX_ITEMS` as a whole. Blocking;
/// durable once the group commit says so.
pub fn run(
    store: &dyn Store,
    caller: &Caller<'_>,
    bulk: &Bulk,
    now: Timestamp,
) -> Result<BulkOutcome, Failure> {
    let ids = select(store, &bulk.filter)?;
    if ids.len() > MAX_ITEMS {
        return Err(Failure::unprocessable(format!(
            "the filter selects more than {MAX_ITEMS} items: narrow it"
        )));
    }
    let id = BulkId::random();
    let author = bulk
        .filter
        .author_id
        .as_ref()
        .map(|a| store.pseudonym(&bulk.filter.community, a));
    let decide = |item: &mut Item| {
        (caller.access)(item)?;
        let authors = author.is_none_or(|s| item.subject == Some(s));
        if !authors || !bulk.filter.matches(item) {
            return Err(Failure::invalid_state(
                "the item no longer matches the filter",
            ));
        }
        item.bulk_decide(
            caller.key,
            caller.admin,
            bulk.action,
            &bulk.remarks,
            &id,
            now,
        )
    };
    let mut results = Vec::with_capacity(ids.len());
    let mut pacer = Pacer::new();
    for item_id in ids {
        let status = if bulk.dry_run {
            let Some(mut item) = store.item(&item_id)? else {
                continue;
            };
            decide(&mut item).map(|events| {
                if events.is_empty() {
                    BulkStatus::Unchanged
                } else {
                    BulkStatus::WouldDecide
                }
            })
        } else {
            let changed = Cell::new(false);
            let change: &Change<'_> = &|item: &mut Item| {
                let events = decide(item)?;
                changed.set(!events.is_empty());
                Ok(events)
            };
            store.update(&item_id, change).map(|_| {
                if changed.get() {
                    BulkStatus::Decided
                } else {
                    BulkStatus::Unchanged
                }
            })
        };
        results.push(match status {
            Ok(status) => BulkItemResult {
                item_id,
                status,
                error: None,
            },
            // A storage failure stops the operation; a refusal is this item's result.
            Err(f) if f.code() == crate::Code::Internal => return Err(f),
            Err(f) => BulkItemResult {
                item_id,
                status: BulkStatus::Failed,
                error: Some(BulkError::from(&f)),
            },
        });
        if !bulk.dry_run {
            pacer.step();
        }
    }
    if bulk.dry_run {
        return Ok(BulkOutcome::new(None, true, results));
    }
    let outcome = BulkOutcome::new(Some(id.clone()), false, results);
    let audit = AuditRecord::new(
        now,
        Actor::Key(caller.key.clone()),
        AuditAction::ItemsBulk,
        id.as_str(),
    )
    .about(&bulk.filter.community)
    .detail(format!(
        "{} of {} matched items: {} decided, {} unchanged, {} failed",
        bulk.action.as_str(),
        outcome.matched,
        outcome.decided,
        outcome.unchanged,
        outcome.failed
    ));
    store.put_audit(&audit)?;
    Ok(outcome)
}
