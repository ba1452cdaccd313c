//! The thread behind the coalescers ([`coalesce`](super::coalesce) for submissions,
//! [`changes`](super::changes), [`claims`](super::claims)), and how a request reaches
//! it and is answered: the thread waits for a request, takes every other one already
//! waiting, and hands them to a turn, which serves those it can write together and
//! leaves the others waiting, oldest first, for the next turn.
//!
//! No timer: under load, requests arriving while a turn runs form the next one by
//! themselves; when idle, a request is served at once.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Weak};

use tokio::sync::oneshot;

use crate::failure::Failure;
use crate::store::Store;

/// Starts the thread `name`, whose turns are `turn(store, waiting)`; `None` when it could
/// not be started (the caller then serves each request alone).
///
/// A turn must take at least one request from `waiting` (the oldest, at least). The
/// thread ends when every sender is dropped; then, or when the store is gone, the
/// requests still waiting are dropped, which fails them (the server is going away).
pub(crate) fn start<J: Send + 'static>(
    name: &'static str,
    store: &Arc<dyn Store>,
    mut turn: impl FnMut(&dyn Store, &mut VecDeque<J>) + Send + 'static,
) -> Option<Sender<J>> {
    let (tx, rx) = mpsc::channel::<J>();
    // Held only while serving, so that dropping the server releases the store (a sled
    // directory can then be opened again at once).
    let weak: Weak<dyn Store> = Arc::downgrade(store);
    let run = move || {
        let mut waiting: VecDeque<J> = VecDeque::new();
        loop {
            if waiting.is_empty() {
                match rx.recv() {
                    Ok(job) => waiting.push_back(job),
                    Err(_) => return,
                }
            }
            waiting.extend(rx.try_iter());
            let Some(store) = weak.upgrade() else { return };
            // A panic in the store must not end the thread; the turn's requests then fail
            // with an internal error as their replies drop.
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                turn(&*store, &mut waiting)
            }));
            if served.is_err() {
                tracing::error!(thread = name, "a turn panicked");
            }
        }
    };
    std::thread::Builder::new()
        .name(name.into())
        .spawn(run)
        .map(|_| tx)
        .map_err(|e| tracing::error!(error = %e, thread = name, "cannot start a coalescer thread"))
        .ok()
}

/// A request waiting for a coalescer's thread: what it asks, and where its answer goes.
pub(crate) struct Job<R, A> {
    pub(crate) request: R,
    pub(crate) reply: oneshot::Sender<Outcome<R, A>>,
}

/// What a coalescer's thread answers a request.
pub(crate) enum Outcome<R, A> {
    /// Served in a turn: its own answer.
    Done(A),
    /// The turn failed in the store: the request, to be served alone.
    Alone(R),
}

/// Hands `request` to the thread behind `queue` and waits for its answer: `Ok(answer)`,
/// or `Err(request)` to serve alone when there is no thread or it handed the request
/// back.
pub(crate) async fn ask<R, A>(
    queue: Option<&Sender<Job<R, A>>>,
    request: R,
) -> Result<Result<A, R>, Failure> {
    let Some(queue) = queue else {
        return Ok(Err(request));
    };
    let (reply, answer) = oneshot::channel();
    if let Err(mpsc::SendError(job)) = queue.send(Job { request, reply }) {
        return Ok(Err(job.request));
    }
    match answer
        .await
        .map_err(|_| Failure::internal("coalescer thread stopped"))?
    {
        Outcome::Done(answer) => Ok(Ok(answer)),
        Outcome::Alone(request) => Ok(Err(request)),
    }
}

/// Answers a turn's requests from its one store call, each with `answer(its result)`:
/// its own answer when the call answered every request; when the call failed as a
/// whole, the failure to a request that was alone, and each of several handed back to
/// be served alone, so that none is failed for another's sake. Returns whether they
/// were handed back. A request that has gone away simply loses its answer.
pub(crate) fn answer_each<R, A, X>(
    group: Vec<Job<R, A>>,
    result: Result<Vec<X>, Failure>,
    answer: impl Fn(Result<X, Failure>) -> A,
) -> bool {
    let hand_back = |job: Job<R, A>| {
        let _ = job.reply.send(Outcome::Alone(job.request));
    };
    match result {
        Ok(answers) if answers.len() == group.len() => {
            for (job, its) in group.into_iter().zip(answers) {
                let _ = job.reply.send(Outcome::Done(answer(Ok(its))));
            }
            false
        }
        Ok(_) => {
            tracing::error!("the store answered a different number of requests");
            group.into_iter().for_each(hand_back);
            true
        }
        Err(failure) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                let _ = job.reply.send(Outcome::Done(answer(Err(failure))));
            }
            false
        }
        Err(_) => {
            group.into_iter().for_each(hand_back);
            true
        }
    }
}
