//! Scoring for the service: concurrent requests are gathered into batches and scored on
//! the blocking thread pool, never on the async executor.
//!
//! Each request queues its texts and awaits the verdicts. While fewer than `workers`
//! batches are running, a request starts a blocking task that drains the queue, up to
//! `max_batch` texts at a time, until it is empty. Under load, texts that arrive while a
//! batch is being scored form the next batch; when idle, a text is scored at once.
//!
//! Batches exist for the classifier, which is much cheaper per text in a batch: texts of
//! one community go to the engine together through [`Rules::score_all`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::domain::community::Rules;
use crate::engine::Engine;
use crate::failure::Failure;
use crate::verdict::Verdict;

struct Job {
    rules: Arc<Rules>,
    text: Arc<str>,
    reply: oneshot::Sender<Verdict>,
}

struct Queue {
    jobs: VecDeque<Job>,
    running: usize,
}

/// The scoring front: share one per server.
#[derive(Clone)]
pub struct Scorer {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    workers: usize,
    max_batch: usize,
    queue: Mutex<Queue>,
    on_batch: Box<dyn Fn(usize, Duration) + Send + Sync>,
}

impl Scorer {
    /// `on_batch` observes each batch's size and duration (metrics).
    pub fn new(
        engine: Engine,
        workers: usize,
        max_batch: usize,
        on_batch: impl Fn(usize, Duration) + Send + Sync + 'static,
    ) -> Scorer {
        Scorer {
            inner: Arc::new(Inner {
                engine,
                workers: workers.max(1),
                max_batch: max_batch.max(1),
                queue: Mutex::new(Queue {
                    jobs: VecDeque::new(),
                    running: 0,
                }),
                on_batch: Box::new(on_batch),
            }),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Scores one text under `rules`.
    pub async fn score(&self, rules: Arc<Rules>, text: Arc<str>) -> Result<Verdict, Failure> {
        let mut verdicts = self.score_all(vec![(rules, text)]).await?;
        verdicts
            .pop()
            .ok_or_else(|| Failure::internal("scorer returned no verdict"))
    }

    /// Scores several texts, each under its own rules; verdicts in input order.
    pub async fn score_all(
        &self,
        texts: Vec<(Arc<Rules>, Arc<str>)>,
    ) -> Result<Vec<Verdict>, Failure> {
        let mut replies = Vec::with_capacity(texts.len());
        let start_worker = {
            let mut queue = self.inner.queue.lock().unwrap_or_else(|e| e.into_inner());
            for (rules, text) in texts {
                let (reply, rx) = oneshot::channel();
                queue.jobs.push_back(Job { rules, text, reply });
                replies.push(rx);
            }
            let start = queue.running < self.inner.workers;
            if start {
                queue.running += 1;
            }
            start
        };
        if start_worker {
            let inner = self.inner.clone();
            // Detached: it finishes the queue even if this request is dropped.
            drop(tokio::task::spawn_blocking(move || drain(&inner)));
        }
        let mut verdicts = Vec::with_capacity(replies.len());
        for rx in replies {
            verdicts.push(
                rx.await
                    .map_err(|_| Failure::internal("scoring worker stopped"))?,
            );
        }
        Ok(verdicts)
    }
}

fn drain(inner: &Inner) {
    loop {
        let batch: Vec<Job> = {
            let mut queue = inner.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.jobs.is_empty() {
                queue.running -= 1;
                return;
            }
            let n = queue.jobs.len().min(inner.max_batch);
            queue.jobs.drain(..n).collect()
        };
        let started = Instant::now();
        // A panic must not take the worker (and its place in `running`) with it; the
        // batch's requests then fail with an internal error as their replies drop.
        let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            score_batch(&inner.engine, &batch)
        }));
        (inner.on_batch)(batch.len(), started.elapsed());
        let Ok(verdicts) = scored else {
            tracing::error!(texts = batch.len(), "scoring panicked");
            continue;
        };
        for (job, verdict) in batch.into_iter().zip(verdicts) {
            // The request may have gone away; its verdict is simply dropped.
            let _ = job.reply.send(verdict);
        }
    }
}

/// Scores a batch: texts under the same rules are scored together (one call per
/// community in the batch), verdicts returned in the batch's order.
fn score_batch(engine: &Engine, batch: &[Job]) -> Vec<Verdict> {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; batch.len()];
    let mut done = vec![false; batch.len()];
    for i in 0..batch.len() {
        if done[i] {
            continue;
        }
        let rules = &batch[i].rules;
        let group: Vec<usize> = (i..batch.len())
            .filter(|&j| !done[j] && Arc::ptr_eq(&batch[j].rules, rules))
            .collect();
        let texts: Vec<&str> = group.iter().map(|&j| &*batch[j].text).collect();
        for (&j, verdict) in group.iter().zip(rules.score_all(engine, &texts)) {
            done[j] = true;
            verdicts[j] = Some(verdict);
        }
    }
    verdicts.into_iter().flatten().collect()
}
