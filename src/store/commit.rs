//! Group commit: many concurrent writers, one flush.
//!
//! A writer finishes its (atomic, in-memory) write, then awaits [`GroupCommit::durable`].
//! A single flusher thread repeatedly takes the newest ticket, flushes the store, and
//! wakes every writer whose ticket it covered. A flush that starts after a ticket was
//! taken covers that writer's write, so under load one fsync acknowledges a whole batch
//! of requests while an idle server still answers after a single flush.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Store;
use crate::failure::Failure;

/// Shared by every request handler; stops its thread when the last clone is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    /// The newest ticket handed out.
    requested: Mutex<u64>,
    wake: Condvar,
    /// The newest ticket known durable, and whether the last flush failed.
    flushed: watch::Sender<Flushed>,
    on_flush: Box<dyn Fn(Duration) + Send + Sync>,
    on_durable: Box<dyn Fn(u64) + Send + Sync>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flushed {
    ticket: u64,
    failed: bool,
}

impl GroupCommit {
    /// Starts the flusher thread. `on_flush` observes each flush's duration (metrics);
    /// `on_durable` learns the change-log seq each successful flush made durable.
    pub fn start(
        store: Arc<dyn Store>,
        on_flush: impl Fn(Duration) + Send + Sync + 'static,
        on_durable: impl Fn(u64) + Send + Sync + 'static,
    ) -> GroupCommit {
        let (flushed, _) = watch::channel(Flushed::default());
        let inner = Arc::new(Inner {
            store,
            requested: Mutex::new(0),
            wake: Condvar::new(),
            flushed,
            on_flush: Box::new(on_flush),
            on_durable: Box::new(on_durable),
        });
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("warden-commit".into())
            .spawn(move || flusher(weak))
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the flusher thread"));
        GroupCommit { inner }
    }

    /// Resolves once every write completed before this call is durable.
    pub async fn durable(&self) -> Result<(), Failure> {
        let ticket = {
            let mut requested = self
                .inner
                .requested
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            *requested += 1;
            *requested
        };
        self.inner.wake.notify_one();
        let mut rx = self.inner.flushed.subscribe();
        let flushed = rx
            .wait_for(|f| f.ticket >= ticket)
            .await
            .map(|f| *f)
            .map_err(|_| Failure::internal("flusher stopped"))?;
        if flushed.failed {
            return Err(Failure::internal("flush failed"));
        }
        Ok(())
    }

    /// As [`GroupCommit::durable`], for a write that changed no suppression rule (a
    /// claim): on a store whose writes are durable when they return
    /// ([`Store::commits_are_durable`]), at once. A flusher turn would only move the
    /// suppression index on (`on_durable`), which such a write does not need before it
    /// is answered, and cost the request two thread wake-ups and, when other requests'
    /// rules are waiting, the change log's read.
    pub async fn durable_without_rules(&self) -> Result<(), Failure> {
        if self.inner.store.commits_are_durable() {
            return Ok(());
        }
        self.durable().await
    }

    /// Whether the last flush succeeded (readiness).
    pub fn healthy(&self) -> bool {
        !self.inner.flushed.borrow().failed
    }

    /// Flushes now, blocking (shutdown, tools).
    pub fn flush_now(&self) -> Result<(), Failure> {
        self.inner.store.flush()
    }
}

fn flusher(weak: Weak<Inner>) {
    let mut done = 0u64;
    loop {
        // Hold the state only while there is work or briefly, so dropping the last
        // `GroupCommit` ends this thread.
        let Some(inner) = weak.upgrade() else { return };
        let target = {
            let requested = inner.requested.lock().unwrap_or_else(|e| e.into_inner());
            let (requested, _) = inner
                .wake
                .wait_timeout_while(requested, Duration::from_millis(200), |r| *r == done)
                .unwrap_or_else(|e| e.into_inner());
            *requested
        };
        if target == done {
            continue;
        }
        // Everything committed now is covered by the flush that follows.
        let mark = inner.store.rule_seq_here();
        let started = Instant::now();
        let result = inner.store.flush();
        (inner.on_flush)(started.elapsed());
        match &result {
            Ok(()) => (inner.on_durable)(mark),
            Err(e) => tracing::error!(error = %e, "flush failed"),
        }
        done = target;
        inner.flushed.send_replace(Flushed {
            ticket: target,
            failed: result.is_err(),
        });
    }
}
