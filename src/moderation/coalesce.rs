//! The submission coalescer: concurrent requests' submissions are stored together, in one
//! [`Store::submit`] call (one transaction) per turn of a dedicated thread, and each
//! request is answered with its own slice of the results.
//!
//! # Why
//!
//! Storing one submission costs a store transaction whatever its size: on PostgreSQL
//! about 19 statements, four round trips and one commit (one WAL flush); a batch costs
//! the same round trips and about 0.4 statements per item (`store::postgres::submit`).
//! Single `POST /v1/content` requests arrive one item at a time, so under load the
//! store spent nearly all its work on per-transaction overhead. Handing them to one
//! thread that stores whatever is waiting in one call turns N concurrent requests into
//! one transaction, as the group commit (`store::commit`) turns N flushes into one.
//!
//! # The rules it keeps
//!
//! * **A request stays atomic.** A request is never split between store calls: its items
//!   are all in the call that stores it. A request larger than [`MAX_ITEMS`] is stored
//!   on its own, as before, without the thread (see [`Coalescer::store`]).
//! * **A request's error is its own.** A store call is all or nothing, so one request's
//!   refusal (an `author_conflict`, a validation error) fails the whole combined call and
//!   writes nothing. Then each request of it is stored again alone, in the order they
//!   arrived, each answered with what it gets alone: exactly what running them one after
//!   the other would have given, with the refused one changing nothing.
//! * **A store failure is handed back.** When the combined call fails with `internal` or
//!   `not_ready` (the store failed: the database is unreachable, the pool timed out, a
//!   deadlock or unique-key race outlived `PgStore::transact`'s reruns), retrying every
//!   request one after another on this thread could hold it for a connection timeout per
//!   request. Instead each request gets its submissions back and stores them alone on the
//!   blocking pool, in parallel, as every request did before this module: what such a
//!   failure costs and how it is reported is unchanged, and no request is failed for
//!   another's sake. (A request whose client has gone by then is not retried: nobody
//!   would learn its outcome, and a client that retries submits it again.)
//! * **Same content twice.** The concatenation keeps the arrival order, and both stores
//!   let a later submission in a batch see an earlier one (`a_batch_sees_its_own_
//!   submissions` in the store contract), so two requests naming one content id behave as
//!   if the first ran, then the second.
//! * **Durability is the caller's, unchanged.** This stores; the caller then awaits the
//!   group commit (`GroupCommit::durable`) as before, whose ticket is taken after the
//!   store call returned and so covers it.
//!
//! # Choices
//!
//! * **One dedicated thread**, not a blocking-pool task per batch: a single consumer is
//!   what makes requests wait behind the store call in flight and so form the next
//!   batch; it keeps at most one coalesced transaction per node open, so a node's single
//!   submissions never wait on each other's row and advisory locks (requests over the
//!   cap and handed-back ones still run beside it, as every request did before); and the
//!   store's blocking calls (`PgStore` runs each statement with `Runtime::block_on`) stay
//!   off the async executor and do not hold blocking-pool threads while they wait for the
//!   database. Scoring, parsing and answering stay parallel: only the store call is
//!   serialized.
//! * **No waiting timer.** The thread takes everything pending the moment it is free.
//!   Under load, requests arriving while a store call runs form the next batch by
//!   themselves (the batch grows with the load and the store's latency); when idle, a
//!   submission is stored at once. A timer would add its wait to every request of a
//!   lightly loaded server and buy nothing under load, where the call in flight already
//!   gathers the next batch.
//! * **At most [`MAX_ITEMS`] items per call.** A batch holds its items' row locks, the
//!   submitters' advisory locks and (on PostgreSQL) the counter rows until it commits, so
//!   its size bounds how long a claim, a decision or another node waits behind it and
//!   how much one refused request makes the others redo. 256 is far above what single
//!   requests from a few dozen clients ever gather, and a quarter of the largest
//!   `POST /v1/content:batch` (1,000), which goes alone.
//! * **Multi-node.** Two nodes' batches take the locks they share in one order: a
//!   PostgreSQL batch of several contents first takes advisory locks on its
//!   `(community, content_id)`s (sorted words), then share-locks its submitters' keys
//!   (`ORDER BY subject`), locks its existing items (`ORDER BY id`), its submitters'
//!   advisory locks (sorted words) and its new items' and authors' active rules
//!   (`ORDER BY key`), each in one statement, in that order (`store::postgres::submit`).
//!   What it locks later, item by item in batch order (a revised item's own content
//!   rules), belongs to items whose row locks it already holds. So two batches creating
//!   the same new contents take turns, and the second finds the first's items; a batch of
//!   one content that meets another at the items' unique index gets a unique violation,
//!   and `PgStore::transact` reruns its transaction (up to 32 times), which then finds
//!   the item. Only when that is exhausted does the batch fail (`internal`: handed back).

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::domain::item::{Submission, Submitted};
use crate::failure::Failure;
use crate::moderation::turns::{self, Outcome};
use crate::store::Store;
use crate::Code;

/// The most items stored in one coalesced call (see the module docs); a request with
/// more is stored on its own.
pub const MAX_ITEMS: usize = 256;

/// One request's submissions waiting for the thread, answered with its own results
/// (in order) or its refusal as it would be refused alone, or handed back when the
/// combined call failed in the store (the request then stores its submissions alone).
type Job = turns::Job<Vec<Submission>, Result<Vec<Submitted>, Failure>>;

/// What the thread answers a request.
type Answered = Outcome<Vec<Submission>, Result<Vec<Submitted>, Failure>>;

/// How each turn of the thread went, for metrics: the requests and items it stored
/// together, and whether the combined call failed (its requests then stored alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub requests: usize,
    pub items: usize,
    pub split: bool,
}

/// The coalescer: share one per server. Its thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct Coalescer {
    store: Arc<dyn Store>,
    /// `None` when the thread could not be started: every request then stores alone.
    queue: Option<Sender<Job>>,
    max_items: usize,
}

impl Coalescer {
    /// Starts the thread. `on_turn` observes each store call it makes (metrics).
    pub fn start(
        store: Arc<dyn Store>,
        on_turn: impl Fn(Turn, Duration) + Send + 'static,
    ) -> Coalescer {
        Coalescer::with_max(store, MAX_ITEMS, on_turn)
    }

    fn with_max(
        store: Arc<dyn Store>,
        max_items: usize,
        on_turn: impl Fn(Turn, Duration) + Send + 'static,
    ) -> Coalescer {
        let max_items = max_items.max(1);
        let queue = turns::start("warden-submit", &store, move |store, waiting| {
            let group = gather(waiting, max_items, |job: &Job| job.request.len());
            let requests = group.len();
            let items = group.iter().map(|job| job.request.len()).sum();
            let started = Instant::now();
            let split = serve(&|batch| store.submit(batch), group);
            on_turn(
                Turn {
                    requests,
                    items,
                    split,
                },
                started.elapsed(),
            );
        });
        Coalescer {
            store,
            queue,
            max_items,
        }
    }

    /// Stores one request's submissions atomically, together with whatever other
    /// requests are waiting (module docs); results in input order. Durable once the group
    /// commit says so.
    pub async fn store(&self, batch: Vec<Submission>) -> Result<Vec<Submitted>, Failure> {
        let queue = self
            .queue
            .as_ref()
            .filter(|_| batch.len() <= self.max_items);
        match turns::ask(queue, batch).await? {
            Ok(results) => results,
            Err(batch) => self.alone(batch).await,
        }
    }

    /// Stores `batch` in a store call of its own, on the blocking pool.
    async fn alone(&self, batch: Vec<Submission>) -> Result<Vec<Submitted>, Failure> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.submit(&batch))
            .await
            .map_err(|e| Failure::internal(format!("blocking task: {e}")))?
    }
}

/// One turn's group: the oldest waiting request, then the next ones in arrival order
/// while their sizes add up to at most `max_items`; the request that would not fit, and
/// those after it, stay waiting (it opens the next turn).
fn gather<J>(waiting: &mut VecDeque<J>, max_items: usize, size: impl Fn(&J) -> usize) -> Vec<J> {
    let mut group: Vec<J> = waiting.pop_front().into_iter().collect();
    let mut items: usize = group.iter().map(&size).sum();
    while let Some(next) = waiting.front() {
        if items + size(next) > max_items {
            break;
        }
        items += size(next);
        group.extend(waiting.pop_front());
    }
    group
}

/// The store call: [`Store::submit`] (a stand-in in the unit tests).
type Submit<'a> = &'a dyn Fn(&[Submission]) -> Result<Vec<Submitted>, Failure>;

/// Stores a group of requests in one call and answers each; returns whether the call
/// failed and its requests were stored (or handed back to store) alone.
fn serve(submit: Submit<'_>, group: Vec<Job>) -> bool {
    let mut all: Vec<Submission> = Vec::new();
    let mut parts: Vec<(Range<usize>, oneshot::Sender<Answered>)> = Vec::with_capacity(group.len());
    for job in group {
        let start = all.len();
        all.extend(job.request);
        parts.push((start..all.len(), job.reply));
    }
    let result = submit(&all);
    if let [_] = parts.as_slice() {
        // Alone already: its answer, whatever it is.
        if let Some((_, reply)) = parts.pop() {
            let _ = reply.send(Outcome::Done(result));
        }
        return false;
    }
    match result {
        Ok(results) => {
            for (reply, mine) in split(parts, results) {
                // The request may have gone away; its results are simply dropped.
                let _ = reply.send(Outcome::Done(mine));
            }
            false
        }
        Err(failure) if matches!(failure.code(), Code::Internal | Code::NotReady) => {
            // Back to front, so each request's submissions come off the end.
            for (range, reply) in parts.into_iter().rev() {
                let mine = all.split_off(range.start);
                let _ = reply.send(Outcome::Alone(mine));
            }
            true
        }
        Err(_) => {
            // One of them was refused: each alone, in arrival order, as if they had
            // come one after the other.
            for (range, reply) in parts {
                let mine = all.get(range).unwrap_or_default();
                let _ = reply.send(Outcome::Done(submit(mine)));
            }
            true
        }
    }
}

/// The combined call's results cut into each request's slice, in order. A store that
/// returned another number of results than it was given items fails every request.
fn split<R>(
    parts: Vec<(Range<usize>, R)>,
    results: Vec<Submitted>,
) -> Vec<(R, Result<Vec<Submitted>, Failure>)> {
    let expected = parts.last().map_or(0, |(range, _)| range.end);
    if results.len() != expected {
        let failure = Failure::internal(format!(
            "store returned {} results for {expected} submissions",
            results.len()
        ));
        return parts
            .into_iter()
            .map(|(_, reply)| (reply, Err(failure.clone())))
            .collect();
    }
    let mut results = results.into_iter();
    parts
        .into_iter()
        .map(|(range, reply)| (reply, Ok(results.by_ref().take(range.len()).collect())))
        .collect()
}

#[cfg(test)]
mod tests;
