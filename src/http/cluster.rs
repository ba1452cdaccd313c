//! Several nodes on one store: what a node caches (the active suppression rules and the
//! feed's position, the API keys, the communities' compiled rules) follows the changes
//! other nodes commit. The store says what changed ([`Store::subscribe`]; PostgreSQL's
//! `LISTEN/NOTIFY`), this thread re-reads it. The feed is also re-read every second
//! whatever arrives, so a lost notice delays a stream by a second at most.
//!
//! A store only this process writes (sled) has nothing to follow: no thread.
//!
//! Rate limits are not shared: each node limits each key on its own (see the README).

use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::web;

use super::AppState;
use crate::store::Changed;

/// Starts following the store's changes, for as long as the state lives.
pub(crate) fn follow(state: &web::Data<AppState>) {
    let Some(changes) = state.store.subscribe() else {
        return;
    };
    let weak: Weak<AppState> = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("warden-follow".into())
        .spawn(move || {
            // What another node changed between this node's first reads (keys, rules)
            // and the subscription above reached no subscriber: read it all once.
            if let Some(state) = weak.upgrade() {
                apply(&state, Some(Changed::Resync));
            }
            follow_changes(&weak, &changes)
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the store follower");
    }
}

fn follow_changes(weak: &Weak<AppState>, changes: &std::sync::mpsc::Receiver<Changed>) {
    loop {
        let change = match changes.recv_timeout(Duration::from_secs(1)) {
            Ok(change) => Some(change),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let Some(state) = weak.upgrade() else { return };
        apply(&state, change);
    }
}

fn apply(state: &AppState, change: Option<Changed>) {
    match change {
        // Nothing arrived for a second, or the change log grew: catch the feed up.
        None | Some(Changed::Rules(None)) => advance(state),
        // Entries up to `seq` are committed: read them unless this node already has (its
        // own commits, through the group commit), without asking for the counter.
        Some(Changed::Rules(Some(seq))) => advance_to(state, seq),
        Some(Changed::Keys) => reload_keys(state),
        Some(Changed::Community(c)) => state.communities.forget(&c),
        Some(Changed::Resync) => {
            advance(state);
            reload_keys(state);
            state.communities.forget_all();
        }
    }
}

fn advance(state: &AppState) {
    advance_to(state, state.store.rule_seq());
}

fn advance_to(state: &AppState, mark: u64) {
    if let Err(e) = state.suppressions.advance(&*state.store, mark) {
        tracing::warn!(error = %e, "suppression index did not follow the store");
    }
}

fn reload_keys(state: &AppState) {
    match state.store.keys() {
        Ok(keys) => {
            for key in keys {
                if !state.keys.same(&key) {
                    state.keys.put(key);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "keys did not follow the store"),
    }
}
