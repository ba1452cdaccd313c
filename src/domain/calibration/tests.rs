use super::*;

fn example(score: f32, engine: Action, human: Option<Outcome>) -> Example {
    Example {
        category: Some(Category::Insult),
        score,
        model: "patterns".into(),
        engine,
        human,
    }
}

/// 40 items at 0.95 all removed; 20 at 0.75, 5 removed and 15 approved; all reviewed.
fn community() -> Vec<Example> {
    let mut out = Vec::new();
    out.extend((0..40).map(|_| example(0.95, Action::Review, Some(Outcome::Remove))));
    out.extend((0..5).map(|_| example(0.75, Action::Review, Some(Outcome::Remove))));
    out.extend((0..15).map(|_| example(0.75, Action::Review, Some(Outcome::Allow))));
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn wilson_intervals() {
    // (successes, n, value, low, high): computed independently.
    let cases = [
        (
            45,
            60,
            0.75,
            0.627_679_299_229_521_8,
            0.842_234_774_699_433_3,
        ),
        (9, 10, 0.9, 0.595_849_973_204_761_5, 0.982_123_786_904_927_1),
        (0, 5, 0.0, 0.0, 0.434_482_464_783_174_76),
        (5, 5, 1.0, 0.565_517_535_216_825_1, 1.0),
    ];
    for (s, n, v, lo, hi) in cases {
        let e = wilson(s, n).expect("n > 0");
        assert!(
            close(e.value, v) && close(e.low, lo) && close(e.high, hi),
            "{s}/{n}: {e:?}"
        );
    }
    assert_eq!(wilson(0, 0), None);
}

#[test]
fn agreement_by_engine_action() {
    use Outcome::*;
    let cases = [
        (Action::Remove, None, Some(true)),
        (Action::Remove, Some(Remove), Some(true)),
        (Action::Remove, Some(Label), Some(false)),
        (Action::Remove, Some(Allow), Some(false)),
        (Action::Label, Some(Remove), Some(true)),
        (Action::Label, Some(Allow), Some(false)),
        (Action::Review, None, None),
        (Action::Review, Some(Allow), Some(false)),
        (Action::Review, Some(Label), Some(true)),
        (Action::Allow, None, Some(true)),
        (Action::Allow, Some(Remove), Some(false)),
    ];
    for (engine, human, agreed) in cases {
        assert_eq!(
            example(0.5, engine, human).agreed(),
            agreed,
            "{engine:?} {human:?}"
        );
    }
}

#[test]
fn precision_rows() {
    let mut examples = community();
    examples.push(example(0.99, Action::Remove, None));
    examples.push(example(0.99, Action::Remove, Some(Outcome::Allow)));
    examples.push(example(0.1, Action::Allow, Some(Outcome::Remove)));
    examples.push(example(0.1, Action::Allow, None));
    examples.push(example(0.8, Action::Review, None));
    let rows = precision(&examples);
    let row = |a: Action| rows.iter().find(|r| r.action == a).expect("a row");
    let review = row(Action::Review);
    assert_eq!((review.items, review.decided, review.agreed), (61, 60, 45));
    assert!(close(review.precision.expect("decided").value, 0.75));
    let remove = row(Action::Remove);
    assert_eq!((remove.items, remove.agreed), (2, 1));
    let allow = row(Action::Allow);
    assert_eq!((allow.items, allow.known_misses, allow.agreed), (2, 1, 1));
}

#[test]
fn suggestion_at_the_precision_target() {
    let examples = community();
    let decided: Vec<&Example> = examples.iter().collect();
    let current = Some(Thresholds {
        label: Some(0.9),
        review: Some(0.6),
        remove: Some(0.9),
    });
    let s = suggest_category(Category::Insult, &decided, current, Targets::default());
    assert_eq!((s.decisions, s.removals, s.violations), (60, 45, 45));
    assert_eq!(
        s.proposed,
        Some(Thresholds {
            label: Some(0.75),
            review: Some(0.75),
            remove: Some(0.95),
        })
    );
    let remove = s.remove.expect("a removal threshold");
    assert_eq!(remove.items, 40);
    assert!(close(remove.precision.expect("items"), 1.0));
    assert!(close(remove.recall.expect("removals"), 40.0 / 45.0));
    let review = s.review.expect("a review threshold");
    assert_eq!(review.items, 20);
    assert!(close(review.share, 20.0 / 60.0));
    assert!(close(review.precision.expect("queued"), 0.25));
    assert!(close(review.recall.expect("violations"), 1.0));
    // Best F1 at or under review (0.75): 0.75 itself, so no label band.
    let label = s.label.expect("a label threshold");
    assert_eq!((label.threshold, label.items), (0.75, 0));
    assert_eq!(label.precision, None);
    assert!(close(label.recall.expect("violations"), 1.0));
}

#[test]
fn label_at_the_best_f1_under_review() {
    // community() and 15 items at 0.5: 12 labelled, 3 approved. 57 violations of 75.
    let mut examples = community();
    examples.extend((0..12).map(|_| example(0.5, Action::Review, Some(Outcome::Label))));
    examples.extend((0..3).map(|_| example(0.5, Action::Review, Some(Outcome::Allow))));
    let decided: Vec<&Example> = examples.iter().collect();
    // A review-recall target of 0.7 puts review at 0.95 (40 of 57 violations); F1 at
    // 0.95 = 80/97, at 0.75 = 90/117, at 0.5 = 114/132: label at 0.5.
    let targets = Targets {
        review_recall: 0.7,
        ..Targets::default()
    };
    let s = suggest_category(Category::Insult, &decided, None, targets);
    assert_eq!(
        s.proposed,
        Some(Thresholds {
            label: Some(0.5),
            review: Some(0.95),
            remove: Some(0.95),
        })
    );
    // Labelled automatically: the 35 items from 0.5 up to 0.95, 17 of them violations.
    let label = s.label.expect("a label threshold");
    assert_eq!((label.threshold, label.items), (0.5, 35));
    assert!(close(label.share, 35.0 / 75.0));
    assert!(close(label.precision.expect("labelled"), 17.0 / 35.0));
    assert!(close(label.recall.expect("violations"), 1.0));
    // Under the default targets review is 0.5 (57 of 57 needed to reach 0.95 × 57):
    // label there too.
    let s = suggest_category(Category::Insult, &decided, None, Targets::default());
    let proposed = s.proposed.expect("a proposal");
    assert_eq!((proposed.label, proposed.review), (Some(0.5), Some(0.5)));
}

#[test]
fn no_threshold_reaches_the_target() {
    // At 0.95, 39 of 40 removed: 0.975 < 0.98.
    let mut examples = community();
    examples[0].human = Some(Outcome::Allow);
    let decided: Vec<&Example> = examples.iter().collect();
    let s = suggest_category(Category::Insult, &decided, None, Targets::default());
    let proposed = s.proposed.expect("a proposal");
    assert_eq!((proposed.remove, proposed.review), (None, Some(0.75)));
    assert!(s.note.is_some());
    // A lower target accepts it.
    let lower = Targets {
        remove_precision: 0.975,
        ..Targets::default()
    };
    let s = suggest_category(Category::Insult, &decided, None, lower);
    assert_eq!(s.proposed.and_then(|p| p.remove), Some(0.95));
}

#[test]
fn too_few_decisions_keep_the_thresholds() {
    let examples = community();
    let decided: Vec<&Example> = examples.iter().take(MIN_CATEGORY_DECISIONS - 1).collect();
    let current = Some(Thresholds {
        label: None,
        review: Some(0.6),
        remove: Some(0.9),
    });
    let s = suggest_category(Category::Insult, &decided, current, Targets::default());
    assert_eq!(s.proposed, current);
    assert!(s.note.is_some());
}

#[test]
fn self_harm_is_not_removed_automatically() {
    let examples = community();
    let decided: Vec<&Example> = examples.iter().collect();
    let current = Some(Thresholds {
        label: None,
        review: Some(0.6),
        remove: None,
    });
    let s = suggest_category(Category::SelfHarm, &decided, current, Targets::default());
    assert_eq!(s.proposed.and_then(|p| p.remove), None);
}
