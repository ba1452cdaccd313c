//! The thread behind the change and claim coalescers ([`changes`](super::changes),
//! [`claims`](super::claims)): it waits for a request, takes every other one already
//! waiting, and hands them to a turn, which serves those it can write together and
//! leaves the others waiting, oldest first, for the next turn.
//!
//! No timer: under load, requests arriving while a turn runs form the next one by
//! themselves; when idle, a request is served at once.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Weak};

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

/// Answers a turn's requests from its one store call: with every request's own answer
/// (`answer(request, Ok(its answer))`) when the call answered each; when the call failed
/// as a whole, a request that was alone with the failure (`answer(request, Err(failure))`),
/// and each of several handed back to be served alone (`hand_back`), so that none is
/// failed for another's sake. Returns whether they were handed back.
pub(crate) fn answer_each<J, A>(
    group: Vec<J>,
    result: Result<Vec<A>, Failure>,
    answer: impl Fn(J, Result<A, Failure>),
    hand_back: impl Fn(J),
) -> bool {
    match result {
        Ok(answers) if answers.len() == group.len() => {
            for (request, its) in group.into_iter().zip(answers) {
                answer(request, Ok(its));
            }
            false
        }
        Ok(_) => {
            tracing::error!("the store answered a different number of requests");
            group.into_iter().for_each(hand_back);
            true
        }
        Err(failure) if group.len() == 1 => {
            if let Some(request) = group.into_iter().next() {
                answer(request, Err(failure));
            }
            false
        }
        Err(_) => {
            group.into_iter().for_each(hand_back);
            true
        }
    }
}
