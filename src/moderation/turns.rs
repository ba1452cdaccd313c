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
