//! The classifier: a fine-tuned MiniLM (see `models/warden-minilm/MODEL_CARD.md`) run
//! through ONNX Runtime. It scores every category it was trained on and marks toxic
//! tokens, which become spans of the original text.
//!
//! The text path mirrors training exactly up to the tokenizer: `preprocess` (HTML
//! references, URL and handle placeholders), then Warden's character folding (so
//! homoglyphs and fullwidth letters read as what they imitate), then the model's own
//! WordPiece tokenizer with per-batch padding. Texts longer than the model's window are
//! scored in overlapping windows: category scores take the maximum over windows, token
//! scores the maximum over the windows that saw the token.
//!
//! **The model's work per text is bounded.** A window costs the same whatever it holds,
//! and a 64 KiB text of `f.` is 65,536 tokens: 700 windows, 20 seconds of a core. So a
//! text is read in at most `max_windows` windows (a caller may ask for fewer, see
//! [`Classifier::score_batch_limited`]); when it needs more, the windows read are spread
//! evenly over it, the first and the last included, and [`ModelScores::read_tokens`] says
//! how much of it the model saw. The pattern stage, which is cheap, still reads all of it.
//!
//! `Session::run` needs exclusive access, so the classifier keeps a small pool of
//! sessions (one per core by default, each single-threaded) and spreads a batch's
//! length-sorted sub-batches over them.

mod entities;
mod preprocess;
mod runtime;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;
use serde::Deserialize;
use tokenizers::Tokenizer;

use crate::error::{Error, Result};
use crate::text::fold;
use crate::verdict::{Category, ModelInfo};

pub(crate) use preprocess::preprocess;
pub use runtime::{default_model_dir, library_path, ORT_VERSION};

/// Tokens shared by consecutive windows of a long text.
const WINDOW_OVERLAP: usize = 32;

/// Most windows the classifier reads of one text unless configured otherwise: 16 windows
/// are about 1,500 tokens (some 6 KB of English prose), and cost about as much as 16
/// short comments.
pub const DEFAULT_MAX_WINDOWS: usize = 16;

/// How to load and run the classifier.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Directory with `model.onnx`, `tokenizer.json` and `labels.json`.
    pub dir: PathBuf,
    /// Sessions in the pool; batches are spread over them in parallel.
    pub sessions: usize,
    /// Intra-op threads per session.
    pub threads_per_session: usize,
    /// Windows per model call.
    pub max_batch: usize,
    /// Most windows read of one text (see the module docs); at least 1.
    pub max_windows: usize,
}

impl ModelOptions {
    /// The shipped model, one single-threaded session per available core.
    pub fn shipped() -> Result<ModelOptions> {
        Ok(ModelOptions::new(default_model_dir()?))
    }

    pub fn new(dir: PathBuf) -> ModelOptions {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ModelOptions {
            dir,
            sessions: cores,
            threads_per_session: 1,
            max_batch: 16,
            max_windows: DEFAULT_MAX_WINDOWS,
        }
    }
}

/// `labels.json`: what the model's outputs mean.
#[derive(Debug, Clone, Deserialize)]
struct Labels {
    name: String,
    version: String,
    categories: Vec<String>,
    thresholds: HashMap<String, f32>,
    token_threshold: f32,
    max_length: usize,
    /// The model was trained on emoji read as their names (`text::emoji`), so the engine
    /// gives it that reading; a model trained on emoji as written (or as unknown tokens)
    /// gets them as written. Absent: false.
    #[serde(default)]
    reads_emoji_names: bool,
}

/// The classifier's reading of one text.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScores {
    /// Probability per category, in the model's category order.
    pub probs: Vec<(Category, f32)>,
    /// Spans of the original text (code points, end exclusive) the model marked toxic,
    /// with their mean token probability.
    pub spans: Vec<ModelSpan>,
    /// The text's tokens.
    pub tokens: usize,
    /// How many of them the model read: fewer than `tokens` when the text needed more
    /// windows than it was allowed.
    pub read_tokens: usize,
}

/// A toxic span found by the token head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelSpan {
    pub start: u32,
    pub end: u32,
    pub score: f32,
}

/// Raw outputs for one input row: category probabilities and one probability per token.
#[derive(Debug, Clone, PartialEq)]
pub struct RawOutput {
    pub probs: Vec<f32>,
    pub token_probs: Vec<f32>,
}

/// A loaded classifier. Share it across threads.
pub struct Classifier {
    sessions: Vec<Mutex<Session>>,
    next_session: AtomicUsize,
    tokenizer: Tokenizer,
    labels: Labels,
    categories: Vec<Category>,
    cls: i64,
    sep: i64,
    max_batch: usize,
    max_windows: usize,
}

/// One model window of one text.
struct Window {
    text: usize,
    /// Index of the window's first content token in the text's encoding.
    offset: usize,
    ids: Vec<i64>,
}

/// A text prepared for the model: its encoding and the maps back to the original.
struct Prepared {
    ids: Vec<i64>,
    /// Per content token, the original code-point range it covers.
    token_spans: Vec<(u32, u32)>,
    /// Per content token, whether it starts after whitespace (a word boundary).
    token_gap: Vec<bool>,
}

impl Classifier {
    /// Loads the model once: the ONNX Runtime environment, `sessions` sessions, the
    /// tokenizer and the labels.
    pub fn load(options: &ModelOptions) -> Result<Classifier> {
        let dir = &options.dir;
        let labels: Labels = serde_json::from_slice(&read(&dir.join("labels.json"))?)
            .map_err(|e| Error::model(format!("{}: {e}", dir.join("labels.json").display())))?;
        let categories = labels
            .categories
            .iter()
            .map(|c| c.parse::<Category>().map_err(Error::model))
            .collect::<Result<Vec<_>>>()?;

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| Error::model(format!("{}: {e}", dir.join("tokenizer.json").display())))?;
        // The shipped tokenizer pads every text to 128 tokens; batches pad to their longest.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::model(format!("tokenizer: {e}")))?;
        let special = |token: &str| {
            tokenizer
                .token_to_id(token)
                .map(i64::from)
                .ok_or_else(|| Error::model(format!("tokenizer has no {token} token")))
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);

        let env = runtime::environment()?;
        let model_path = dir.join("model.onnx");
        let build_session = || {
            Session::builder(env)
                .and_then(|b| Ok(b.with_optimization_level(GraphOptimizationLevel::Level3)?))
                .and_then(|b| Ok(b.with_intra_threads(options.threads_per_session.max(1))?))
                .and_then(|b| Ok(b.with_inter_threads(1)?))
                .and_then(|mut b| b.commit_from_file(&model_path))
                .map(Mutex::new)
                .map_err(|e| Error::model(format!("{}: {e}", model_path.display())))
        };
        // Each session optimizes the graph on its own (about 0.2 s for this model on one
        // core), so the pool is built in parallel: with one session per core, loading
        // takes one session's time instead of growing with the core count.
        let sessions = std::thread::scope(|scope| {
            let builders: Vec<_> = (0..options.sessions.max(1))
                .map(|_| scope.spawn(build_session))
                .collect();
            builders
                .into_iter()
                .map(|builder| {
                    builder
                        .join()
                        .unwrap_or_else(|_| Err(Error::model("building a session panicked")))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(Classifier {
            sessions,
            next_session: AtomicUsize::new(0),
            tokenizer,
            labels,
            categories,
            cls,
            sep,
            max_batch: options.max_batch.max(1),
            max_windows: options.max_windows.max(1),
        })
    }

    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.labels.name.clone(),
            version: self.labels.version.clone(),
        }
    }

    /// Whether the model was trained on emoji read as their names (`labels.json`'s
    /// `reads_emoji_names`): the engine then reads them so for it.
    pub fn reads_emoji_names(&self) -> bool {
        self.labels.reads_emoji_names
    }

    /// The categories the model scores, in output order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The decision threshold chosen on validation for `category`.
    pub fn threshold(&self, category: Category) -> Option<f32> {
        self.labels.thresholds.get(category.as_str()).copied()
    }

    /// Most windows read of one text.
    pub fn max_windows(&self) -> usize {
        self.max_windows
    }

    /// Content tokens per window.
    fn window(&self) -> usize {
        self.labels.max_length.saturating_sub(2).max(1)
    }

    /// Windows a text of `tokens` tokens needs to be read whole.
    pub fn windows_needed(&self, tokens: usize) -> usize {
        let (window, step) = (self.window(), self.step());
        1 + tokens.saturating_sub(window).div_ceil(step)
    }

    /// Tokens between the starts of consecutive windows.
    fn step(&self) -> usize {
        self.window().saturating_sub(WINDOW_OVERLAP).max(1)
    }

    /// Scores texts as one batch, spread over the session pool; each text read in at most
    /// [`max_windows`](Self::max_windows) windows.
    pub fn score_batch(&self, texts: &[&str]) -> Result<Vec<ModelScores>> {
        self.score_batch_limited(texts, &vec![self.max_windows; texts.len()])
    }

    /// [`score_batch`](Self::score_batch), text `i` read in at most `limits[i]` windows
    /// (never more than `max_windows`, never fewer than one; a missing limit is
    /// `max_windows`).
    pub fn score_batch_limited(
        &self,
        texts: &[&str],
        limits: &[usize],
    ) -> Result<Vec<ModelScores>> {
        let prepared: Vec<Prepared> = texts
            .iter()
            .map(|t| self.prepare(t))
            .collect::<Result<_>>()?;
        let window = self.window();
        let mut windows = Vec::new();
        let mut read_tokens = vec![0; texts.len()];
        for (i, p) in prepared.iter().enumerate() {
            let limit = limits
                .get(i)
                .copied()
                .unwrap_or(self.max_windows)
                .clamp(1, self.max_windows);
            let offsets = self.window_offsets(p.ids.len(), limit);
            let mut read_to = 0; // offsets ascend: count each token once
            for offset in offsets {
                let end = (offset + window).min(p.ids.len());
                read_tokens[i] += end - offset.max(read_to).min(end);
                read_to = end;
                let mut ids = Vec::with_capacity(end - offset + 2);
                ids.push(self.cls);
                ids.extend_from_slice(&p.ids[offset..end]);
                ids.push(self.sep);
                windows.push(Window {
                    text: i,
                    offset,
                    ids,
                });
            }
        }
        // Length-sorted batches waste the least padding.
        windows.sort_by_key(|w| w.ids.len());
        // A batch that fits one model call runs on the calling thread: the server's scoring
        // workers each bring their own batch, and splitting would make them contend for
        // the same sessions. Larger batches spread over the sessions free at the time.
        let batches: Vec<&[Window]> = windows.chunks(self.max_batch).collect();
        let outputs = self.run_batches(&batches)?;

        let mut probs: Vec<Vec<f32>> = vec![vec![0.0; self.categories.len()]; texts.len()];
        let mut tokens: Vec<Vec<f32>> = prepared.iter().map(|p| vec![0.0; p.ids.len()]).collect();
        for (w, out) in windows.iter().zip(outputs) {
            for (acc, p) in probs[w.text].iter_mut().zip(&out.probs) {
                *acc = acc.max(*p);
            }
            // Skip [CLS]; content tokens follow.
            let content = w.ids.len() - 2;
            for (k, p) in out.token_probs.iter().skip(1).take(content).enumerate() {
                let slot = &mut tokens[w.text][w.offset + k];
                *slot = slot.max(*p);
            }
        }
        Ok(prepared
            .iter()
            .zip(probs)
            .zip(tokens)
            .zip(read_tokens)
            .map(|(((p, probs), tokens), read_tokens)| ModelScores {
                probs: self.categories.iter().copied().zip(probs).collect(),
                spans: self.spans(p, &tokens),
                tokens: p.ids.len(),
                read_tokens,
            })
            .collect())
    }

    /// Where the windows read of a text of `tokens` tokens start, ascending: every
    /// window when at most `limit` are needed, else `limit` of them spread evenly, the
    /// first and the last included (the start and the end of a text are where a comment's
    /// point usually is; the middle is sampled rather than cut off).
    fn window_offsets(&self, tokens: usize, limit: usize) -> Vec<usize> {
        let (window, step) = (self.window(), self.step());
        let needed = self.windows_needed(tokens);
        let all = |k: usize| (k * step).min(tokens.saturating_sub(window));
        if needed <= limit {
            return (0..needed).map(|k| k * step).collect();
        }
        if limit == 1 {
            return vec![0];
        }
        // The last window ends at the text's end; the others sit on the usual grid.
        let mut offsets: Vec<usize> = (0..limit)
            .map(|j| all(j * (needed - 1) / (limit - 1)))
            .collect();
        offsets.dedup();
        offsets
    }

    /// Scores one text.
    pub fn score(&self, text: &str) -> Result<ModelScores> {
        self.score_batch(&[text])?
            .pop()
            .ok_or_else(|| Error::model("no output for the text"))
    }

    /// Token ids exactly as training produced them (preprocessing, no folding, `[CLS]` and
    /// `[SEP]`, truncated to the window): for parity checks against Python.
    pub fn training_ids(&self, text: &str) -> Result<Vec<i64>> {
        let pre = preprocess(text);
        let encoding = self
            .tokenizer
            .encode_char_offsets(pre.text.as_str(), false)
            .map_err(|e| Error::model(format!("tokenizer: {e}")))?;
        let window = self.labels.max_length.saturating_sub(2);
        let mut ids = vec![self.cls];
        ids.extend(
            encoding
                .get_ids()
                .iter()
                .take(window)
                .map(|&id| i64::from(id)),
        );
        ids.push(self.sep);
        Ok(ids)
    }

    /// Runs the model on explicit token ids (one row each, padded per batch).
    pub fn run_ids(&self, rows: &[Vec<i64>]) -> Result<Vec<RawOutput>> {
        let windows: Vec<Window> = rows
            .iter()
            .enumerate()
            .map(|(i, ids)| Window {
                text: i,
                offset: 0,
                ids: ids.clone(),
            })
            .collect();
        let batches: Vec<&[Window]> = windows.chunks(self.max_batch).collect();
        self.run_batches(&batches)
    }

    fn prepare(&self, text: &str) -> Result<Prepared> {
        let pre = preprocess(text);
        let folded = fold(&pre.text);
        let encoding = self
            .tokenizer
            .encode_char_offsets(folded.as_str(), false)
            .map_err(|e| Error::model(format!("tokenizer: {e}")))?;
        let folded_chars: Vec<char> = folded.as_str().chars().collect();
        let mut token_spans = Vec::with_capacity(encoding.len());
        let mut token_gap = Vec::with_capacity(encoding.len());
        for &(start, end) in encoding.get_offsets() {
            let last = end.max(start + 1) - 1;
            let origin = |i: usize| {
                let pre_index = folded.origins().get(i).copied().unwrap_or(0) as usize;
                pre.origins.get(pre_index).copied().unwrap_or((0, 0))
            };
            token_spans.push((origin(start).0, origin(last).1));
            token_gap.push(
                start == 0
                    || folded_chars
                        .get(start - 1)
                        .is_some_and(|c| c.is_whitespace()),
            );
        }
        Ok(Prepared {
            ids: encoding.get_ids().iter().map(|&id| i64::from(id)).collect(),
            token_spans,
            token_gap,
        })
    }

    /// Runs batches over the session pool in parallel; outputs in batch-then-row order.
    ///
    /// A call uses the sessions that are free when it starts (at least one: when all are
    /// busy it waits for the next in turn), never one another call holds. So a long call
    /// (a large text's windows) does not make a short one queue behind it for a session
    /// while another sits idle: the server's scoring lanes (see `scorer`) rely on this.
    fn run_batches(&self, batches: &[&[Window]]) -> Result<Vec<RawOutput>> {
        let mut guards = self.acquire(self.sessions.len().min(batches.len()))?;
        let mut sessions: Vec<&mut Session> = guards.iter_mut().map(|g| &mut **g).collect();
        if sessions.len() <= 1 || batches.len() <= 1 {
            let session = sessions
                .pop()
                .ok_or_else(|| Error::model("no model session"))?;
            let mut out = Vec::new();
            for batch in batches {
                out.extend(self.run_batch(session, batch)?);
            }
            return Ok(out);
        }
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Vec<RawOutput>>>>> =
            batches.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for session in sessions {
                let (next, results) = (&next, &results);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(i) else { break };
                    let result = self.run_batch(session, batch);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                });
            }
        });
        let mut out = Vec::new();
        for slot in results {
            let result = slot
                .into_inner()
                .map_err(|_| Error::model("a model worker panicked"))?
                .ok_or_else(|| Error::model("a batch was not run"))?;
            out.extend(result?);
        }
        Ok(out)
    }

    /// Up to `most` sessions that are free now, starting at the next in turn; when none
    /// is, waits for that one.
    fn acquire(&self, most: usize) -> Result<Vec<MutexGuard<'_, Session>>> {
        let poisoned = || Error::model("a model session was poisoned by a panic");
        let n = self.sessions.len();
        let first = self.next_session.fetch_add(1, Ordering::Relaxed) % n;
        let mut guards = Vec::new();
        for k in 0..n {
            if guards.len() >= most.max(1) {
                break;
            }
            match self.sessions[(first + k) % n].try_lock() {
                Ok(guard) => guards.push(guard),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Poisoned(_)) => return Err(poisoned()),
            }
        }
        if guards.is_empty() {
            guards.push(self.sessions[first].lock().map_err(|_| poisoned())?);
        }
        Ok(guards)
    }

    fn run_batch(&self, session: &mut Session, batch: &[Window]) -> Result<Vec<RawOutput>> {
        let rows = batch.len();
        let seq = batch.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let mut ids = vec![0i64; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (r, w) in batch.iter().enumerate() {
            ids[r * seq..r * seq + w.ids.len()].copy_from_slice(&w.ids);
            mask[r * seq..r * seq + w.ids.len()].fill(1);
        }
        let shape = [rows as i64, seq as i64];
        let model_err = |e: ort::Error| Error::model(e.to_string());
        let ids = Tensor::from_array((shape, ids)).map_err(model_err)?;
        let mask = Tensor::from_array((shape, mask)).map_err(model_err)?;
        let outputs = session
            .run(ort::inputs!["input_ids" => ids, "attention_mask" => mask])
            .map_err(model_err)?;
        let (_, probs) = outputs["probs"]
            .try_extract_tensor::<f32>()
            .map_err(model_err)?;
        let (_, token_probs) = outputs["token_probs"]
            .try_extract_tensor::<f32>()
            .map_err(model_err)?;
        let n = self.categories.len();
        if probs.len() != rows * n || token_probs.len() != rows * seq {
            return Err(Error::model("model outputs have unexpected shapes"));
        }
        Ok(batch
            .iter()
            .enumerate()
            .map(|(r, w)| RawOutput {
                probs: probs[r * n..(r + 1) * n].to_vec(),
                token_probs: token_probs[r * seq..r * seq + w.ids.len()].to_vec(),
            })
            .collect())
    }

    /// Merges runs of toxic tokens into spans: word pieces of one word always, and whole
    /// words when they follow each other directly.
    fn spans(&self, p: &Prepared, tokens: &[f32]) -> Vec<ModelSpan> {
        let threshold = self.labels.token_threshold;
        let mut spans: Vec<(ModelSpan, usize)> = Vec::new();
        let mut previous_toxic = false;
        for (i, &prob) in tokens.iter().enumerate() {
            let toxic = prob >= threshold;
            let (start, end) = p.token_spans[i];
            if toxic && start < end {
                match spans.last_mut() {
                    Some((span, count)) if previous_toxic => {
                        span.end = span.end.max(end);
                        span.score += prob;
                        *count += 1;
                    }
                    _ => spans.push((
                        ModelSpan {
                            start,
                            end,
                            score: prob,
                        },
                        1,
                    )),
                }
            } else if !toxic && !p.token_gap[i] {
                // A non-toxic word piece inside a toxic word does not split it.
                continue;
            }
            previous_toxic = toxic;
        }
        spans
            .into_iter()
            .map(|(mut span, count)| {
                span.score /= count as f32;
                span
            })
            .collect()
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))
}
