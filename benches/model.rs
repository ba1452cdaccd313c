//! Classifier latency and throughput through `ort`, as the engine runs it.
//!
//! `single`: one short text end to end (preprocessing, tokenizer, model, combination with
//! the patterns). `batch`: OLID tweets in batches of 256 texts, spread over the session
//! pool. Run with `make bench` (which puts ONNX Runtime on `ORT_DYLIB_PATH`).
//!
//! `BASELINE_MODEL_DIR=<dir>` adds the same single-text measurement for another model
//! directory (e.g. an earlier release taken from git history), in the same run, so the
//! two can be compared on a shared, noisy machine.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use warden::model::ModelOptions;
use warden::Engine;

fn tweets() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/train/olid.jsonl");
    let texts: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
        .take(1024)
        .collect();
    if texts.is_empty() {
        return vec!["@user you are so right about this".to_string(); 256];
    }
    texts
}

fn model(c: &mut Criterion) {
    let engine = Engine::builder()
        .model(Some(ModelOptions::shipped().expect("shipped model")))
        .build()
        .expect("engine with model");
    let baseline = std::env::var_os("BASELINE_MODEL_DIR").map(|dir| {
        Engine::builder()
            .model(Some(ModelOptions::new(PathBuf::from(dir))))
            .build()
            .expect("engine with the baseline model")
    });

    let mut group = c.benchmark_group("model_single");
    for text in [
        "@user thanks, see you at the game tonight",
        "you are a f*cking idiot and everyone knows it",
    ] {
        group.bench_with_input(BenchmarkId::new("engine", text), text, |b, t| {
            b.iter(|| black_box(engine.score(t)))
        });
        if let Some(baseline) = &baseline {
            group.bench_with_input(BenchmarkId::new("baseline", text), text, |b, t| {
                b.iter(|| black_box(baseline.score(t)))
            });
        }
    }
    group.finish();

    let tweets = tweets();
    let batch: Vec<&str> = tweets.iter().take(256).map(String::as_str).collect();
    let mut group = c.benchmark_group("model_batch");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.sample_size(10);
    group.bench_function("engine_256_tweets", |b| {
        b.iter(|| black_box(engine.score_batch(&batch)))
    });
    group.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
