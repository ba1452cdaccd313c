//! Pattern-stage throughput (normalization, wordlist matching, PII detectors, verdict) on
//! real comments, with the `rustrict` crate measured in the same run as the baseline.
//!
//! Corpus: the texts of `../shared/data/train/civil_spans.jsonl` (override with
//! `WARDEN_BENCH_CORPUS=path.jsonl`). Run with `make bench`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rustrict::CensorStr;
use warden::Engine;

fn corpus() -> Vec<String> {
    let path = std::env::var_os("WARDEN_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/train/civil_spans.jsonl")
        });
    let texts: Vec<String> = match std::fs::read_to_string(&path) {
        Ok(content) => content
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
            .collect(),
        Err(_) => Vec::new(),
    };
    if texts.is_empty() {
        // Keep `cargo test --benches` working where the shared data is absent.
        eprintln!(
            "bench corpus {} not found; using the bundled sample",
            path.display()
        );
        return include_str!("../examples/sample.jsonl")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
            .collect();
    }
    texts
}

fn throughput(c: &mut Criterion) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    let engine = Engine::builder().build().expect("engine");

    let mut group = c.benchmark_group("patterns");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_with_input(
        BenchmarkId::new("warden", texts.len()),
        &texts,
        |b, texts| {
            b.iter(|| {
                for t in texts {
                    black_box(engine.score(black_box(t)));
                }
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("rustrict", texts.len()),
        &texts,
        |b, texts| {
            b.iter(|| {
                for t in texts {
                    black_box(black_box(t.as_str()).is_inappropriate());
                }
            })
        },
    );
    group.finish();

    // Single short texts: latency of the whole pattern stage.
    let mut group = c.benchmark_group("single");
    for text in [
        "have a great day",
        "you are a f.u.c.k.i.n.g 1d10t",
        "ѕһіт happens",
    ] {
        group.bench_with_input(BenchmarkId::new("warden", text), text, |b, t| {
            b.iter(|| black_box(engine.score(t)))
        });
    }
    group.finish();

    // A 1 MiB text, for the linear-time claim.
    let big: String = texts
        .iter()
        .cycle()
        .take(10_000)
        .fold(String::new(), |mut acc, t| {
            if acc.len() < 1 << 20 {
                acc.push_str(t);
                acc.push('\n');
            }
            acc
        });
    let mut group = c.benchmark_group("large");
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.sample_size(10);
    group.bench_function("warden_1mib", |b| b.iter(|| black_box(engine.score(&big))));
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
