//! The shipped classifier through `ort`: parity with Python's onnxruntime, windows for long
//! texts, spans mapped to the original, and how it combines with the patterns.

use serde::Deserialize;
use warden::model::Classifier;
use warden::{Action, Category, Source};

use crate::common::model_engine as engine;

/// Parity tolerance between Rust and Python onnxruntime outputs.
const PARITY: f32 = 1e-4;

fn classifier() -> &'static Classifier {
    engine().model().expect("the engine has the classifier")
}

#[derive(Deserialize)]
struct Fixture {
    text: String,
    input_ids: Vec<i64>,
    probs: Vec<f32>,
    token_probs: Vec<f32>,
}

fn fixtures() -> Vec<Fixture> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/model_parity.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("parity fixtures exist")
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line"))
        .collect()
}

#[test]
fn parity_with_python_onnxruntime() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 50, "only {} fixtures", fixtures.len());
    let mut worst = 0.0f32;
    for f in &fixtures {
        // Same tokenization as training...
        assert_eq!(
            classifier().training_ids(&f.text).unwrap(),
            f.input_ids,
            "ids of {:?}",
            f.text
        );
        // ...and the same outputs for the same ids.
        let out = classifier()
            .run_ids(std::slice::from_ref(&f.input_ids))
            .unwrap()
            .remove(0);
        assert_eq!(out.probs.len(), f.probs.len());
        assert_eq!(out.token_probs.len(), f.token_probs.len());
        for (a, b) in out
            .probs
            .iter()
            .zip(&f.probs)
            .chain(out.token_probs.iter().zip(&f.token_probs))
        {
            worst = worst.max((a - b).abs());
        }
    }
    eprintln!(
        "parity: {} texts, max |rust - python| = {worst:e}",
        fixtures.len()
    );
    assert!(worst <= PARITY, "max difference {worst} > {PARITY}");
}

#[test]
fn categories_and_thresholds_are_known() {
    let c = classifier();
    assert_eq!(c.categories()[0], Category::Toxicity);
    for category in c.categories() {
        let t = c.threshold(*category).expect("a threshold per category");
        assert!((0.0..1.0).contains(&t));
    }
    assert_eq!(c.info().name, "warden-minilm");
}

#[test]
fn toxic_text_scores_above_benign() {
    let scores = classifier()
        .score_batch(&[
            "I love this community, thank you all",
            "you are a worthless piece of shit and everyone hates you",
        ])
        .unwrap();
    let tox = |i: usize| scores[i].probs[0].1;
    assert!(
        tox(1) > tox(0) + 0.3,
        "benign {} vs toxic {}",
        tox(0),
        tox(1)
    );
}

#[test]
fn spans_point_into_the_original_text() {
    let text = "Ｈｅｙ @someone, you are a stupid idiot https://x.io/a";
    let scores = classifier().score(text).unwrap();
    let len = text.chars().count() as u32;
    assert!(!scores.spans.is_empty(), "no span in {text:?}");
    for span in &scores.spans {
        assert!(span.start < span.end && span.end <= len);
        let covered: String = text
            .chars()
            .skip(span.start as usize)
            .take((span.end - span.start) as usize)
            .collect();
        assert!(
            covered.contains("stupid") || covered.contains("idiot"),
            "span covers {covered:?}"
        );
    }
}

#[test]
fn long_texts_are_scored_in_windows() {
    // ~400 tokens of benign text, then an insult: it lies past the first 128-token window.
    let filler = "the weather today is mild and the park is quiet. ".repeat(40);
    let text = format!("{filler}you are a disgusting stupid idiot");
    let start = filler.chars().count() as u32;
    let scores = classifier().score(&text).unwrap();
    assert!(
        scores.spans.iter().any(|s| s.start >= start),
        "no span in the last window: {:?}",
        scores.spans
    );
    let alone = classifier().score(&filler).unwrap();
    assert!(scores.probs[0].1 > alone.probs[0].1);
}

#[test]
fn batches_agree_with_single_texts() {
    let texts = [
        "short",
        "a somewhat longer sentence about nothing in particular",
        "you idiot",
        "",
    ];
    let batch = classifier().score_batch(&texts).unwrap();
    for (text, b) in texts.iter().zip(&batch) {
        let single = classifier().score(text).unwrap();
        for ((_, p), (_, q)) in single.probs.iter().zip(&b.probs) {
            // Dynamic int8 quantization picks activation scales per batch, so padding
            // partners can move scores slightly; decisions must not flip on that.
            assert!((p - q).abs() < 0.05, "{text:?}: single {p} vs batch {q}");
        }
    }
}

#[test]
fn hostile_input_does_not_break_the_model_path() {
    let huge = "ä̈̈".repeat(20_000);
    let texts = [
        "",
        "\u{0}\u{FEFF}\u{202E}",
        "&#99999999999999; &amp &notit;",
        huge.as_str(),
        "😀😀😀😀",
        "傻逼 бля",
    ];
    let scores = classifier().score_batch(&texts).unwrap();
    assert_eq!(scores.len(), texts.len());
    for (text, s) in texts.iter().zip(&scores) {
        let len = text.chars().count() as u32;
        assert!(s.spans.iter().all(|sp| sp.end <= len));
        assert!(s.probs.iter().all(|(_, p)| (0.0..=1.0).contains(p)));
    }
}

#[test]
fn engine_reports_model_and_model_spans() {
    let verdict = engine().score("you are a stupid worthless idiot and I hate you");
    assert_eq!(
        verdict.model.as_ref().map(|m| m.name.as_str()),
        Some("warden-minilm")
    );
    assert!(verdict.category(Category::Toxicity) >= 0.6, "{verdict:?}");
    assert!(verdict.matches.iter().any(|m| m.source == Source::Model));
}

#[test]
fn high_severity_slur_stands_regardless_of_model() {
    let verdict = engine().score("n1gger");
    assert!(
        verdict.category(Category::IdentityAttack) >= 0.9,
        "{verdict:?}"
    );
    assert_eq!(verdict.action, Action::Remove);
}

#[test]
fn profanity_in_a_happy_sentence_is_not_removed() {
    for text in [
        "fuck yes, we won the championship!",
        "holy shit this cake is amazing, thank you so much",
    ] {
        let verdict = engine().score(text);
        assert_ne!(verdict.action, Action::Remove, "{text:?}: {verdict:?}");
        assert!(
            verdict.harms().any(|m| m.category == Category::Profanity),
            "profanity still recorded"
        );
    }
}
