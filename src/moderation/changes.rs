//! The change coalescer: concurrent requests' changes of single items (decisions,
//! escalations, releases, undos, appeals, reveals) are written together, in one
//! [`Store::update_many_opened`] call (one transaction) per turn of a dedicated thread,
//! and each request is answered with its own item.
//!
//! # Why
//!
//! A decision on PostgreSQL costs a transaction: four round trips, one commit, and the
//! two counter rows that keep the suppression change log and the webhook outbox gap-free
//! and in commit order (`store::postgres::tx`). Whoever takes those rows holds them until
//! its commit is done, so every node's decisions queue there one transaction at a time:
//! under 16 moderators the counters' updates waited 4.8 ms on average, and claim +
//! decide stalled near 900 operations/s with most of the database's time spent waiting.
//! A turn of this thread takes the counters once for every decision waiting, as the
//! submission coalescer ([`coalesce`](super::coalesce)) does for submissions.
//!
//! # The rules it keeps
//!
//! * **A request's refusal is its own.** The store applies every change to its item
//!   before writing anything, and a change that refuses (the lease is someone else's,
//!   the item is in another state, the caller may not see it) writes nothing of its item
//!   and is answered with its refusal; the others are written.
//! * **One item once per turn.** Two requests for one item are never in one turn: the
//!   later waits for the next, so it sees the earlier's result exactly as it would have
//!   one request after the other.
//! * **A store failure is handed back.** When the combined call fails as a whole (the
//!   database is unreachable, a deadlock outlived `PgStore::transact`'s reruns), each
//!   request writes its change alone on the blocking pool, as every request did before
//!   this module, so that no request is failed for another's sake.
//! * **Durability is the caller's, unchanged**: the caller awaits the group commit after
//!   the answer, whose ticket then covers the write.
//!
//! # Choices
//!
//! One thread and no waiting timer ([`turns`](super::turns)), for the reasons
//! [`coalesce`](super::coalesce) gives: under load, requests arriving while a call runs
//! form the next turn by themselves; when idle, a change is written at once. At most
//! [`MAX_CHANGES`] per turn: a turn holds its items' row locks until it commits, so its
//! size bounds how long a claim or another node waits behind it.

use std::collections::{HashSet, VecDeque};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::domain::event::Event;
use crate::domain::item::{Item, Revision};
use crate::failure::Failure;
use crate::ids::ItemId;
use crate::moderation::turns;
use crate::store::{Change, Opened, Store};

/// The most changes written in one turn (see the module docs).
pub const MAX_CHANGES: usize = 64;

/// A change that can travel to the thread: [`Change`], owned.
pub type OwnedChange = Box<dyn Fn(&mut Item) -> Result<Vec<Event>, Failure> + Send + Sync>;

/// One request's change of one item.
struct Request {
    id: ItemId,
    change: OwnedChange,
}

/// A request waiting for the thread; its answer is boxed (an item is large beside a
/// change).
type Job = turns::Job<Request, Box<Opened>>;

/// How each turn went, for metrics: the changes written together, and whether the call
/// failed as a whole (its requests then wrote alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub changes: usize,
    pub split: bool,
}

/// The coalescer: share one per server. Its thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct Changes {
    store: Arc<dyn Store>,
    /// `None` when the thread could not be started: every request then writes alone.
    queue: Option<Sender<Job>>,
}

impl Changes {
    /// Starts the thread. `on_turn` observes each store call it makes (metrics).
    pub fn start(
        store: Arc<dyn Store>,
        on_turn: impl Fn(Turn, Duration) + Send + 'static,
    ) -> Changes {
        Changes::with_max(store, MAX_CHANGES, on_turn)
    }

    fn with_max(
        store: Arc<dyn Store>,
        max: usize,
        on_turn: impl Fn(Turn, Duration) + Send + 'static,
    ) -> Changes {
        let max = max.max(1);
        let queue = turns::start("warden-change", &store, move |store, waiting| {
            let group = gather(waiting, max);
            let changes = group.len();
            let started = Instant::now();
            let split = serve(&|batch| store.update_many_opened(batch), group);
            on_turn(Turn { changes, split }, started.elapsed());
        });
        Changes { store, queue }
    }

    /// Applies `change` to item `id` as [`Store::update_opened`] does, together with
    /// whatever other requests' changes are waiting (module docs). Durable once the group
    /// commit says so.
    pub async fn write(
        &self,
        id: ItemId,
        change: OwnedChange,
    ) -> Result<(Item, Option<Revision>), Failure> {
        match turns::ask(self.queue.as_ref(), Request { id, change }).await? {
            Ok(answer) => *answer,
            Err(request) => self.alone(request).await,
        }
    }

    /// Writes one change in a store call of its own, on the blocking pool.
    async fn alone(
        &self,
        Request { id, change }: Request,
    ) -> Result<(Item, Option<Revision>), Failure> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.update_opened(&id, &*change))
            .await
            .map_err(|e| Failure::internal(format!("blocking task: {e}")))?
    }
}

/// One turn's group: the oldest waiting requests, in arrival order, at most `max` and
/// one per item; the others stay waiting in their order.
fn gather(waiting: &mut VecDeque<Job>, max: usize) -> Vec<Job> {
    let mut group = Vec::new();
    let mut items = HashSet::new();
    let mut left = VecDeque::new();
    while let Some(job) = waiting.pop_front() {
        if group.len() < max && items.insert(job.request.id) {
            group.push(job);
        } else {
            left.push_back(job);
        }
    }
    *waiting = left;
    group
}

/// The store call: [`Store::update_many_opened`] (a stand-in in the unit tests).
type UpdateMany<'a> = &'a dyn Fn(&[(ItemId, &Change<'_>)]) -> Result<Vec<Opened>, Failure>;

/// Writes a group in one call and answers each request; returns whether the call failed
/// and its requests were handed back to write alone.
fn serve(update: UpdateMany<'_>, group: Vec<Job>) -> bool {
    let batch: Vec<(ItemId, &Change<'_>)> = group
        .iter()
        .map(|job| (job.request.id, &*job.request.change as &Change<'_>))
        .collect();
    let result = update(&batch);
    drop(batch);
    turns::answer_each(group, result, |answer| {
        Box::new(answer.and_then(|opened| opened))
    })
}

#[cfg(test)]
mod tests;
