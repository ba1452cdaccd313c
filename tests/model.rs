//! The shipped classifier through `ort`: parity with Python's onnxruntime, windows for long
//! texts, spans mapped to the original, and how it combines with the patterns.

use serde::Deserialize;
use warden::model::Classifier;
use warden::{Action, Category, Source};

use crate::common::model_engine as engine;

/// Parity tolerance between Rust and Python onnxruntime on the same machine.
const PARITY: f32 = 1e-4;

/// How far this machine's outputs may be from the fixtures' (made by
/// `training/make_parity.py` on one machine): ONNX Runtime's float kernels differ by CPU in
/// the last bits, and a value next to a rounding step of the per-token quantization moves
/// one integer (up to 0.015 measured between AVX2 and AVX-512). A different model would be
/// off by far more, so this still ties the fixtures to the shipped model.
const ACROSS_CPUS: f32 = 0.05;

/// Regression floors for the shipped model (measured figures in its MODEL_CARD.md, less
/// a margin for the sample size).
const BENIGN_FLAGGED_MAX: f64 = 0.02;
const SUITE_HATEFUL_MIN: f64 = 0.7;
const SUITE_NON_HATEFUL_MIN: f64 = 0.68;

fn classifier() -> &'static Classifier {
    engine().model().expect("the engine has the classifier")
}

#[derive(Deserialize)]
struct Fixture {
    text: String,
    input_ids: Vec<i64>,
    #[serde(flatten)]
    outputs: Outputs,
}

/// A model's outputs for one text.
#[derive(Deserialize)]
struct Outputs {
    probs: Vec<f32>,
    token_probs: Vec<f32>,
}

impl Outputs {
    /// The largest difference from `other`, output by output.
    fn max_difference(&self, other: &Outputs) -> f32 {
        assert_eq!(self.probs.len(), other.probs.len());
        assert_eq!(self.token_probs.len(), other.token_probs.len());
        self.probs
            .iter()
            .zip(&other.probs)
            .chain(self.token_probs.iter().zip(&other.token_probs))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }
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

/// Python onnxruntime's outputs for each fixture's ids, computed on this machine by
/// `tests/model_reference.py` (why there: its module docs). Its imports come from what
/// `make setup` installs into `.tools/` for its Python (`WARDEN_REFERENCE_PYTHON`, default
/// `python3`; `WARDEN_REFERENCE_PYTHONPATH` overrides where the imports come from).
fn python_reference(fixtures: &[Fixture]) -> Vec<Outputs> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let root = env!("CARGO_MANIFEST_DIR");
    let pythonpath = std::env::var("WARDEN_REFERENCE_PYTHONPATH")
        .unwrap_or_else(|_| format!("{root}/.tools/onnxruntime-1.31.1:{root}/.tools/numpy-2.4.6"));
    let python = std::env::var("WARDEN_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        .arg(format!("{root}/tests/model_reference.py"))
        .env("PYTHONPATH", pythonpath)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the reference's Python runs");
    let input: String = fixtures
        .iter()
        .map(|f| format!("{}\n", serde_json::json!({ "input_ids": f.input_ids })))
        .collect();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Written from a thread: the reference answers line by line, and its answers outgrow
    // the pipe's buffer before all the input is in.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("the reference finishes");
    writer
        .join()
        .expect("the writer thread")
        .expect("the reference reads its input");
    assert!(
        output.status.success(),
        "tests/model_reference.py failed (run `make setup`: it installs onnxruntime and numpy \
         into .tools/): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outputs: Vec<Outputs> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("reference line"))
        .collect();
    assert_eq!(
        outputs.len(),
        fixtures.len(),
        "one reference line per input"
    );
    outputs
}

#[test]
fn parity_with_python_onnxruntime() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 50, "only {} fixtures", fixtures.len());
    // Same tokenization as training...
    for f in &fixtures {
        assert_eq!(
            classifier().training_ids(&f.text).unwrap(),
            f.input_ids,
            "ids of {:?}",
            f.text
        );
    }
    // ...and, for the same ids, the same outputs as Python onnxruntime on this machine.
    let reference = python_reference(&fixtures);
    let (mut worst, mut worst_fixture) = (0.0f32, 0.0f32);
    for (f, python) in fixtures.iter().zip(&reference) {
        let rust = classifier()
            .run_ids(std::slice::from_ref(&f.input_ids))
            .unwrap()
            .remove(0);
        let rust = Outputs {
            probs: rust.probs,
            token_probs: rust.token_probs,
        };
        worst = worst.max(rust.max_difference(python));
        worst_fixture = worst_fixture.max(rust.max_difference(&f.outputs));
    }
    eprintln!(
        "parity: {} texts, max |rust - python| = {worst:e}, max |rust - fixture| = {worst_fixture:e}",
        fixtures.len()
    );
    assert!(worst <= PARITY, "max difference {worst} > {PARITY}");
    assert!(
        worst_fixture <= ACROSS_CPUS,
        "the fixtures are {worst_fixture} from the shipped model: regenerate them \
         (training/make_parity.py)"
    );
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

/// A text's scores do not depend on what it is batched with (2.0's weight-only int8 has
/// no batch-wide activation scale), so the same comment gets the same verdict under any
/// traffic, and an appeal reproduces the original scores.
#[test]
fn scores_do_not_depend_on_the_batch() {
    let texts = [
        "short",
        "a somewhat longer sentence about nothing in particular, with a few more words",
        "you idiot",
        "",
        "I love my wife and my kids",
        "you are a disgusting stupid worthless piece of garbage and everyone hates you",
        "Muslims are my neighbours",
        "😀😀😀 ok",
    ];
    let mixes: [&[usize]; 4] = [
        &[0, 1, 2, 3, 4, 5, 6, 7],
        &[5, 0],
        &[2, 6, 1],
        &[7, 3, 5, 4],
    ];
    for mix in mixes {
        let batch: Vec<&str> = mix.iter().map(|&i| texts[i]).collect();
        let scored = classifier().score_batch(&batch).unwrap();
        for (text, b) in batch.iter().zip(&scored) {
            let single = classifier().score(text).unwrap();
            for ((c, p), (_, q)) in single.probs.iter().zip(&b.probs) {
                assert!(
                    (p - q).abs() <= 1e-4,
                    "{text:?} {c}: alone {p} vs in {mix:?} {q}"
                );
            }
            assert_eq!(single.spans.len(), b.spans.len(), "{text:?}");
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

/// The identity guard, driven through the real classifier. A policy whose only threshold
/// sits between a sentence's identity_attack score and its counterfactual's makes the
/// classifier alone "remove" it; the guard must turn that into review and say so, and
/// turning the guard off must give the removal back.
#[test]
fn identity_guard_sends_identity_driven_removals_to_review() {
    use std::collections::BTreeMap;
    use warden::{GuardEffect, GuardKind, PatternSet, Policy, Thresholds};

    let engine = engine();
    let patterns = PatternSet::new(engine.wordlists());
    let off = |mut p: Policy| {
        p.guards.identity_counterfactual = false;
        p
    };
    let score = |text: &str| {
        engine
            .score_with(text, &patterns, &off(Policy::default()))
            .category(Category::IdentityAttack)
    };
    // Sentences whose identity word raises the score above the neutral version's.
    let pairs = [
        ("Alex is a gay teacher", "Alex is a teacher"),
        ("I am a proud transgender woman", "I am a proud woman"),
        ("My neighbours are Muslims", "My neighbours are people"),
        ("She is a lesbian", "She is a person"),
        ("He is a black man", "He is a man"),
    ];
    let (text, with, without) = pairs
        .iter()
        .map(|(t, n)| (*t, score(t), score(n)))
        .find(|(_, with, without)| with > without)
        .expect("some identity word moves the score");
    let cut = (with + without) / 2.0;
    let policy = Policy {
        thresholds: BTreeMap::from([(
            Category::IdentityAttack,
            Thresholds {
                label: None,
                review: Some(cut),
                remove: Some(cut),
            },
        )]),
        guards: Default::default(),
    };

    let guarded = engine.score_with(text, &patterns, &policy);
    assert_eq!(guarded.action, Action::Review, "{text:?}: {guarded:?}");
    let guard = &guarded.guards[0];
    assert_eq!(guard.kind, GuardKind::IdentityCounterfactual);
    assert_eq!(guard.effect, GuardEffect::RemovalToReview);
    assert!(!guard.terms.is_empty());
    assert!(guard.counterfactual_score.is_some());

    let unguarded = engine.score_with(text, &patterns, &off(policy.clone()));
    assert_eq!(unguarded.action, Action::Remove);
    assert!(unguarded.guards.is_empty());

    // Nothing to re-score without an identity word: no guard record.
    let plain = engine.score_with("have a nice day", &patterns, &policy);
    assert!(plain.guards.is_empty());
}

/// A slur is pattern evidence: the guard never looks at it, whatever the identity words.
#[test]
fn identity_guard_leaves_pattern_removals_alone() {
    let verdict = engine().score("gay people are f4ggots");
    assert_eq!(verdict.action, Action::Remove, "{verdict:?}");
    assert!(verdict.guards.is_empty());
}

/// The slur guard, through the real classifier: a removal that a plain slur carries stands
/// only when the classifier reads the sentence as hostile *and* still does without the slur
/// (its second reading); otherwise the item goes to review and the verdict says why. With
/// the guard off it is removed; a bare or obfuscated slur is never softened. Which sentences
/// the model reads which way depends on the model, so the test asks that most homonyms are
/// reviewed and some hostile uses still removed, and checks every verdict against the rule.
#[test]
fn slur_guard_removes_only_what_reads_hostile_without_the_slur() {
    use warden::{GuardEffect, GuardKind, PatternSet, Policy, Verdict};

    let engine = engine();
    let patterns = PatternSet::new(engine.wordlists());
    let on = Policy::default();
    let mut off = Policy::default();
    off.guards.slur_context = false;
    // The guard's rule, for any verdict its removal went through.
    let follows_the_rule = |text: &str, verdict: &Verdict, without: &Verdict| {
        assert_eq!(without.action, Action::Remove, "{text:?}: {without:?}");
        // The slur still scores: never allowed unseen, and the guard changes no score.
        assert!(verdict.action >= Action::Review, "{text:?}: {verdict:?}");
        assert_eq!(
            verdict.category(Category::IdentityAttack),
            without.category(Category::IdentityAttack)
        );
        let Some(guard) = verdict
            .guards
            .iter()
            .find(|g| g.kind == GuardKind::SlurContext)
        else {
            // Another finding carries the removal (the guard reads only slur-borne ones).
            assert_eq!(verdict.action, Action::Remove, "{text:?}: {verdict:?}");
            return;
        };
        assert!(
            guard.terms.iter().all(|t| t.starts_with("en:")),
            "{guard:?}"
        );
        let model = guard.model_score.expect("the sentence's own score");
        let hostile_without_slur = guard.counterfactual_score.is_some_and(|s| s >= 0.6);
        if model >= 0.6 && hostile_without_slur {
            assert_eq!(guard.effect, GuardEffect::None, "{text:?}: {guard:?}");
            assert_eq!(verdict.action, Action::Remove, "{text:?}");
        } else {
            assert_eq!(
                guard.effect,
                GuardEffect::RemovalToReview,
                "{text:?}: {guard:?}"
            );
            assert_eq!(verdict.action, Action::Review, "{text:?}");
            // Without a second reading, the first read the sentence as harmless.
            assert!(
                guard.counterfactual_score.is_some() || model < 0.6,
                "{guard:?}"
            );
        }
    };

    let homonyms = [
        "The Dutch farmers repaired the dyke before the winter storms arrived.",
        "He popped out to the newsagent for a packet of fags and some milk.",
        "This paint contains an additive to retard corrosion on the railings.",
        "We had faggots, peas and gravy for tea at my nan's house.",
        "The old tranny radio in the shed still picks up the football.",
        "Walking the coast path along the dyke at sunrise was lovely.",
    ];
    let mut reviewed = 0;
    for text in homonyms {
        let verdict = engine.score_with(text, &patterns, &on);
        follows_the_rule(text, &verdict, &engine.score_with(text, &patterns, &off));
        reviewed += usize::from(verdict.action == Action::Review);
    }
    assert!(
        reviewed * 6 >= homonyms.len() * 5,
        "only {reviewed} of {} homonym sentences were sent to review",
        homonyms.len()
    );

    let hostile = [
        "Shut up, you filthy dyke, nobody wants you anywhere near here.",
        "Get out of my street, you disgusting faggot, before I make you.",
        "Every tranny like you should be beaten until you learn your place.",
    ];
    let (mut removed, mut read_twice) = (0, 0);
    for text in hostile {
        let verdict = engine.score_with(text, &patterns, &on);
        follows_the_rule(text, &verdict, &engine.score_with(text, &patterns, &off));
        removed += usize::from(verdict.action == Action::Remove);
        read_twice += usize::from(
            verdict
                .guards
                .iter()
                .any(|g| g.kind == GuardKind::SlurContext && g.counterfactual_score.is_some()),
        );
    }
    assert!(
        removed >= 2,
        "only {removed} hostile slur uses were removed"
    );
    // These sentences carry no other harm pattern: their removal went through the second
    // reading, which the guard recorded.
    assert!(
        read_twice >= 2,
        "only {read_twice} hostile slur uses were read twice"
    );

    // No sentence to read, or an evasion that shows intent: removed whatever the model says.
    for text in [
        "dyke",
        "faggots",
        "He popped out to the newsagent for a packet of f4gs and some milk.",
    ] {
        let verdict = engine.score_with(text, &patterns, &on);
        assert_eq!(verdict.action, Action::Remove, "{text:?}: {verdict:?}");
        assert!(verdict
            .guards
            .iter()
            .all(|g| g.kind != GuardKind::SlurContext));
    }
}

fn training_file(name: &str) -> String {
    let path = format!("{}/training/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Regression check on the shipped model: benign sentences about identities (the held-out
/// evaluation part of the generated set, never trained on) through the default engine.
/// The model card reports the full figures; this fails if a new model gets worse than it
/// with a margin.
///
/// Both evaluation parts: the first, and the fresh one written later (with new templates)
/// because the first had been read while fixing a training-data flaw.
#[test]
fn benign_identity_speech_is_not_removed() {
    for file in [
        "data/benign_identity_eval.txt",
        "data/benign_identity_eval2.txt",
    ] {
        benign_file_is_not_removed(file);
    }
}

fn benign_file_is_not_removed(file: &str) {
    let texts: Vec<String> = training_file(file)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .step_by(3)
        .map(str::to_string)
        .collect();
    assert!(texts.len() >= 250, "{file}");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let verdicts = engine().score_batch(&refs);
    let removed: Vec<&str> = refs
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| v.action == Action::Remove)
        .map(|(t, _)| *t)
        .collect();
    assert!(removed.is_empty(), "{file}: removed: {removed:?}");
    let flagged = verdicts.iter().filter(|v| v.flagged).count();
    let rate = flagged as f64 / texts.len() as f64;
    assert!(
        rate <= BENIGN_FLAGGED_MAX,
        "{file}: {flagged} of {} flagged",
        texts.len()
    );
}

/// Regression check on the functional suite's stratified sample (10 cases per
/// functionality): accuracy on the engine's identity_attack signal (category score ≥ 0.5),
/// hateful and non-hateful, each above a floor set below what the model card measured.
#[test]
fn functional_suite_sample_holds_its_accuracy() {
    #[derive(Deserialize)]
    struct Case {
        functionality: String,
        label: String,
        text: String,
    }
    let cases: Vec<Case> = training_file("functional/smoke.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("suite line"))
        .collect();
    assert!(cases.len() >= 300);
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let verdicts = engine().score_batch(&texts);
    let (mut right, mut total) = ([0usize; 2], [0usize; 2]);
    let mut wrong = Vec::new();
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let hateful = case.label == "hateful";
        let said = verdict.category(Category::IdentityAttack) >= 0.5;
        let k = usize::from(hateful);
        total[k] += 1;
        if said == hateful {
            right[k] += 1;
        } else {
            wrong.push(format!("{}: {:?}", case.functionality, case.text));
        }
    }
    let non_hateful = right[0] as f64 / total[0] as f64;
    let hateful = right[1] as f64 / total[1] as f64;
    assert!(
        hateful >= SUITE_HATEFUL_MIN && non_hateful >= SUITE_NON_HATEFUL_MIN,
        "hateful {hateful:.3}, non-hateful {non_hateful:.3}; misses:\n{}",
        wrong.join("\n")
    );
}

/// Each pair's first text gets the second's model scores: the engine reads it as that text.
fn assert_read_alike(pairs: &[(&str, &str)]) {
    for &(hidden, plain) in pairs {
        let batch = engine().score_batch(&[hidden, plain]);
        for category in [Category::IdentityAttack, Category::Toxicity] {
            let (a, b) = (batch[0].category(category), batch[1].category(category));
            assert!((a - b).abs() < 1e-4, "{hidden:?}: {a} vs {plain:?}: {b}");
        }
    }
}

/// Leet words that no wordlist holds are read as the words they spell (`text::leet`): the
/// sentence in leet gets the plain sentence's model scores. Sentences written for this
/// test, not taken from the functional suite.
#[test]
fn leet_words_are_read_like_the_plain_sentence() {
    assert_read_alike(&[
        (
            "Th3y are fi1thy par4sites, every one of them",
            "They are filthy parasites, every one of them",
        ),
        (
            "Those 1mmigrants are g4rbage",
            "Those immigrants are garbage",
        ),
        ("my n3ighbours are l0vely", "my neighbours are lovely"),
    ]);
    let hateful = engine().score("Those 1mmigrants are g4rbage");
    assert!(hateful.category(Category::IdentityAttack) >= 0.5);
    assert_eq!(
        engine().score("my n3ighbours are l0vely").action,
        Action::Allow
    );
}

/// Words spelled out letter by letter are read whole (`text::spaced`): the spaced-out
/// sentence gets the plain sentence's model scores. Sentences written for this test, not
/// taken from the functional suite.
#[test]
fn spaced_out_words_are_read_like_the_plain_sentence() {
    assert_read_alike(&[
        (
            "Those r e f u g e e s are g a r b a g e",
            "Those refugees are garbage",
        ),
        (
            "we thank our n e i g h b o u r s",
            "we thank our neighbours",
        ),
    ]);
    let hateful = engine().score("Those r e f u g e e s are g a r b a g e");
    assert!(hateful.category(Category::IdentityAttack) >= 0.5);
}

/// Words run together to hide them are read apart by the classifier (`text::joined`):
/// the run-together sentence gets the spaced sentence's model scores, while words,
/// hashtags and typos are read as written. Sentences written for this test, not taken from
/// the functional suite.
#[test]
fn run_together_words_are_read_like_the_spaced_sentence() {
    assert_read_alike(&[
        ("Wewantallthemigrantsdead", "We want all the migrants dead"),
        (
            "Honestly gaypeopledisgustme",
            "Honestly gay people disgust me",
        ),
        (
            "ilovemyneighbourhood so much",
            "i love my neighbourhood so much",
        ),
    ]);
    // The hateful ones are caught that way, the kind one is not.
    let hateful = engine().score("Wewantallthemigrantsdead");
    assert!(hateful.category(Category::IdentityAttack) >= 0.5);
    assert_eq!(
        engine().score("ilovemyneighbourhood so much").action,
        Action::Allow
    );
}
