//! Scoring for the service: concurrent requests are gathered into batches and scored on
//! the blocking thread pool, never on the async executor.
//!
//! Each request queues its texts and awaits the verdicts. While fewer than `workers`
//! batches are running, a request starts a blocking task that drains the queue until it
//! is empty. Under load, texts that arrive while a batch is being scored form the next
//! batch; when idle, a text is scored at once.
//!
//! Batches exist for the classifier, which is much cheaper per text in a batch: texts of
//! one community go to the engine together through [`Rules::score_all_limited`].
//!
//! # Cost, and why there are two lanes
//!
//! The classifier's work is counted in *windows* (128 tokens each, see `model`): a
//! comment is one, a 64 KiB text up to the classifier's `max_windows`. Before a text is
//! tokenized, its cost is estimated from its length ([`Engine::model_windows`]: never
//! fewer windows than it really takes).
//!
//! * **Per request**, the texts share a budget of `request_windows`. When they would take
//!   more, each text gets an equal share of it, texts needing less than their share giving
//!   the rest to the others (water-filling), and never less than one window: the model then
//!   reads the longest texts in part, and their verdicts say so (`model_coverage`). A
//!   request of many texts still costs at least a window per text; its size is bounded by
//!   the batch limits and the body size, and its rate by the cost-based rate limit.
//! * **Two lanes.** A request whose texts cost at most [`SMALL_REQUEST_WINDOWS`] is
//!   *small* (almost every single comment); anything else is *large*. Small texts are
//!   batched as before. Large requests wait in a queue of their own and are scored a slice
//!   at a time (at most [`LARGE_SLICE_WINDOWS`] windows of one request), taking turns, so
//!   one request's sixty-four kilobytes do not hold up another's. At most `workers − 1`
//!   workers (at least one) score large slices at once, and a worker takes small texts
//!   first — except that when large work waits and no worker is on it, the next free
//!   worker takes it, so neither lane starves. With one worker configured, a second is
//!   allowed for the small lane. Together with the classifier using only the sessions
//!   free when a call starts, a small request waits for at most a small batch, never for
//!   a large text.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::domain::community::Rules;
use crate::engine::Engine;
use crate::failure::Failure;
use crate::verdict::Verdict;

/// The most a request's texts may cost, in classifier windows, to go in the small lane.
pub const SMALL_REQUEST_WINDOWS: usize = 8;
/// The most windows of one large request a worker scores before taking the next request's
/// turn (the classifier's windows per model call).
pub const LARGE_SLICE_WINDOWS: usize = 16;

struct Job {
    rules: Arc<Rules>,
    text: Arc<str>,
    /// The most windows the classifier may read of this text.
    windows: usize,
    /// What it is estimated to cost, in windows.
    cost: usize,
    reply: oneshot::Sender<Verdict>,
}

/// The waiting texts (`J`: a [`Job`], or a bare cost in the unit tests).
struct Queue<J = Job> {
    small: VecDeque<J>,
    /// Large requests, each with its texts still to score, taking turns.
    large: VecDeque<VecDeque<J>>,
    running: usize,
    /// Workers scoring a large slice now.
    large_running: usize,
}

/// What the scheduler needs to know of a waiting text.
trait Cost {
    /// Its estimated classifier windows.
    fn cost(&self) -> usize;
}

impl Cost for Job {
    fn cost(&self) -> usize {
        self.cost
    }
}

/// How batches are cut.
#[derive(Clone, Copy)]
struct Limits {
    /// Texts per batch; also the windows per small batch.
    max_batch: usize,
    /// The most workers on large slices at once.
    large_slots: usize,
}

/// The scoring front: share one per server.
#[derive(Clone)]
pub struct Scorer {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    /// The most workers running at once.
    workers: usize,
    limits: Limits,
    /// The most classifier windows per text, and per request.
    text_windows: usize,
    request_windows: usize,
    queue: Mutex<Queue>,
    on_batch: Box<dyn Fn(usize, Duration) + Send + Sync>,
}

/// Which lane a batch came from.
#[derive(Clone, Copy, PartialEq)]
enum Lane {
    Small,
    Large,
}

impl Scorer {
    /// `workers` scoring threads (see the module docs for the lanes), batches of at most
    /// `max_batch` texts, at most `text_windows` classifier windows per text (and never
    /// more than the classifier's own `max_windows`) and `request_windows` per request;
    /// `on_batch` observes each batch's size and duration (metrics).
    pub fn new(
        engine: Engine,
        workers: usize,
        max_batch: usize,
        (text_windows, request_windows): (usize, usize),
        on_batch: impl Fn(usize, Duration) + Send + Sync + 'static,
    ) -> Scorer {
        let large_slots = workers.saturating_sub(1).max(1);
        Scorer {
            inner: Arc::new(Inner {
                engine,
                workers: workers.max(large_slots + 1),
                limits: Limits {
                    max_batch: max_batch.max(1),
                    large_slots,
                },
                text_windows: text_windows.max(1),
                request_windows: request_windows.max(1),
                queue: Mutex::new(Queue {
                    small: VecDeque::new(),
                    large: VecDeque::new(),
                    running: 0,
                    large_running: 0,
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

    /// Scores several texts, each under its own rules, within one request's budget;
    /// verdicts in input order.
    pub async fn score_all(
        &self,
        texts: Vec<(Arc<Rules>, Arc<str>)>,
    ) -> Result<Vec<Verdict>, Failure> {
        let needs: Vec<usize> = texts
            .iter()
            .map(|(_, text)| self.inner.engine.model_windows(text))
            .map(|n| n.min(self.inner.text_windows))
            .collect();
        let limits = share(&needs, self.inner.request_windows, self.inner.text_windows);
        let costs: Vec<usize> = needs.iter().zip(&limits).map(|(n, l)| *n.min(l)).collect();
        let lane = if costs.iter().sum::<usize>() <= SMALL_REQUEST_WINDOWS {
            Lane::Small
        } else {
            Lane::Large
        };
        let mut replies = Vec::with_capacity(texts.len());
        let mut jobs = VecDeque::with_capacity(texts.len());
        for (((rules, text), windows), cost) in texts.into_iter().zip(limits).zip(costs) {
            let (reply, rx) = oneshot::channel();
            jobs.push_back(Job {
                rules,
                text,
                windows,
                cost,
                reply,
            });
            replies.push(rx);
        }
        let start_worker = {
            let mut queue = self.inner.queue.lock().unwrap_or_else(|e| e.into_inner());
            match lane {
                Lane::Small => queue.small.extend(jobs),
                Lane::Large => queue.large.push_back(jobs),
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

/// Each text's window limit under a request budget of `budget` windows, given what each
/// is estimated to need (at most `cap`): `cap` when everything fits, else the largest
/// level `L` such that the texts, each read in at most `L` windows (and at least one),
/// fit.
fn share(needs: &[usize], budget: usize, cap: usize) -> Vec<usize> {
    if needs.iter().sum::<usize>() <= budget {
        return vec![cap; needs.len()];
    }
    let fits = |level: usize| needs.iter().map(|n| *n.min(&level)).sum::<usize>() <= budget;
    // `fits` holds at 0 and, the sum being over budget, not at the largest need.
    let (mut lo, mut hi) = (0, needs.iter().copied().max().unwrap_or(0));
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    needs.iter().map(|n| (*n.min(&lo)).max(1)).collect()
}

/// The next batch for a worker, or `None` when there is nothing it may take (it then
/// stops, and `running` says so). See the module docs for the order.
fn next_batch<J: Cost>(limits: Limits, queue: &mut Queue<J>) -> Option<(Lane, Vec<J>)> {
    let large_waits = !queue.large.is_empty() && queue.large_running < limits.large_slots;
    let large_first = large_waits && queue.large_running == 0;
    if !queue.small.is_empty() && !large_first {
        let batch = take(&mut queue.small, limits.max_batch, limits.max_batch);
        return Some((Lane::Small, batch));
    }
    if !large_waits {
        return None;
    }
    let mut request = queue.large.pop_front()?;
    let batch = take(&mut request, limits.max_batch, LARGE_SLICE_WINDOWS);
    if !request.is_empty() {
        // Its next slice waits for the other large requests' turns.
        queue.large.push_back(request);
    }
    queue.large_running += 1;
    Some((Lane::Large, batch))
}

/// Texts from the front of `jobs`: at least one, at most `texts`, and no more than
/// `windows` estimated windows together.
fn take<J: Cost>(jobs: &mut VecDeque<J>, texts: usize, windows: usize) -> Vec<J> {
    let mut batch = Vec::new();
    let mut used = 0;
    while let Some(job) = jobs.front() {
        if !batch.is_empty() && (batch.len() >= texts || used + job.cost() > windows) {
            break;
        }
        used += job.cost();
        batch.extend(jobs.pop_front());
    }
    batch
}

fn drain(inner: &Inner) {
    let mut lane = Lane::Small;
    loop {
        let batch: Vec<Job> = {
            let mut queue = inner.queue.lock().unwrap_or_else(|e| e.into_inner());
            if lane == Lane::Large {
                queue.large_running -= 1;
            }
            match next_batch(inner.limits, &mut queue) {
                Some((next, batch)) => {
                    lane = next;
                    batch
                }
                None => {
                    queue.running -= 1;
                    return;
                }
            }
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
        let windows: Vec<usize> = group.iter().map(|&j| batch[j].windows).collect();
        for (&j, verdict) in group
            .iter()
            .zip(rules.score_all_limited(engine, &texts, &windows))
        {
            done[j] = true;
            verdicts[j] = Some(verdict);
        }
    }
    verdicts.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Cost for usize {
        fn cost(&self) -> usize {
            *self
        }
    }

    fn queue(small: &[usize], large: &[&[usize]]) -> Queue<usize> {
        Queue {
            small: small.iter().copied().collect(),
            large: large.iter().map(|r| r.iter().copied().collect()).collect(),
            running: 0,
            large_running: 0,
        }
    }

    const LIMITS: Limits = Limits {
        max_batch: 4,
        large_slots: 1,
    };

    #[test]
    fn small_texts_go_first_once_large_work_has_a_worker() {
        let mut q = queue(&[1, 1, 1, 1, 1, 1], &[&[16, 16]]);
        // Large work waits and nobody is on it: the next worker takes a slice.
        let (lane, batch) = next_batch(LIMITS, &mut q).unwrap();
        assert!(lane == Lane::Large && batch == [16]);
        // While it runs, the others take small batches (four texts, four windows).
        let (lane, batch) = next_batch(LIMITS, &mut q).unwrap();
        assert!(lane == Lane::Small && batch == [1, 1, 1, 1]);
        let (lane, batch) = next_batch(LIMITS, &mut q).unwrap();
        assert!(lane == Lane::Small && batch == [1, 1]);
        // The large slot is taken: nothing else for this worker.
        assert!(next_batch(LIMITS, &mut q).is_none());
        q.large_running -= 1;
        let (lane, batch) = next_batch(LIMITS, &mut q).unwrap();
        assert!(lane == Lane::Large && batch == [16]);
    }

    #[test]
    fn large_requests_take_turns_a_slice_at_a_time() {
        let mut q = queue(&[], &[&[16, 16, 16], &[4, 4, 4, 4, 4], &[2]]);
        let mut order = Vec::new();
        while let Some((lane, batch)) = next_batch(LIMITS, &mut q) {
            assert!(lane == Lane::Large);
            q.large_running -= 1;
            order.push(batch);
        }
        let expected: [&[usize]; 6] = [&[16], &[4, 4, 4, 4], &[2], &[16], &[4], &[16]];
        assert_eq!(order, expected);
    }

    #[test]
    fn a_request_within_budget_is_not_limited() {
        assert_eq!(share(&[1, 16, 3], 20, 16), vec![16; 3]);
        assert_eq!(share(&[], 1, 16), Vec::<usize>::new());
    }

    #[test]
    fn an_over_budget_request_is_water_filled() {
        // Four large texts share 32 windows equally.
        assert_eq!(share(&[16, 16, 16, 16], 32, 16), vec![8; 4]);
        // Small texts keep what they need; the large ones share the rest.
        assert_eq!(share(&[1, 2, 16, 16], 21, 16), vec![1, 2, 9, 9]);
        // Never below one window, even past the budget.
        assert_eq!(share(&[3, 3, 3], 2, 16), vec![1, 1, 1]);
        for (needs, budget) in [(vec![5, 9, 16, 2, 7], 20), (vec![16; 10], 64)] {
            let limits = share(&needs, budget, 16);
            let used: usize = needs.iter().zip(&limits).map(|(n, l)| n.min(l)).sum();
            assert!(used <= budget, "{needs:?} {limits:?}");
        }
    }
}
