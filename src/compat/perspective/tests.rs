//! The Perspective drop-in's request checks and response shape.

use super::*;
use crate::compat::test_verdict;
use crate::verdict::Severity;

fn verdict(categories: &[(Category, f32)], matches: Vec<Match>) -> Verdict {
    test_verdict(categories, matches)
}

fn m(start: u32, end: u32, category: Category, severity: Severity, source: Source) -> Match {
    Match {
        start,
        end,
        category,
        severity,
        rule: "test".into(),
        source,
        kind: None,
        evasions: Vec::new(),
        score: (source == Source::Model).then_some(0.93),
    }
}

fn analysis(body: Value) -> Result<Analysis, PerspectiveError> {
    Analysis::parse(&body)
}

/// The response as a client reads it: through its JSON text, where an `f32` score is
/// written in its short form (`serde_json::to_value` would widen it to `f64` first).
fn wire(response: &AnalyzeResponse) -> Value {
    serde_json::from_str(&serde_json::to_string(response).unwrap()).unwrap()
}

#[test]
fn the_mapping_table() {
    let table = [
        ("TOXICITY", Category::Toxicity),
        ("SEVERE_TOXICITY", Category::Toxicity),
        ("IDENTITY_ATTACK", Category::IdentityAttack),
        ("INSULT", Category::Insult),
        ("PROFANITY", Category::Profanity),
        ("THREAT", Category::Threat),
        ("SEXUALLY_EXPLICIT", Category::Sexual),
    ];
    for (name, category) in table {
        let a = Attribute::parse(name).unwrap();
        assert_eq!((a.name(), a.category()), (name, category));
        assert_eq!(Attribute::parse(&format!("{name}@3")), Some(a));
    }
    for unknown in [
        "UNSUBSTANTIAL",
        "FLIRTATION",
        "toxicity",
        "TOXICITY@",
        "TOXICITY@x",
        "TOXICITY_EXPERIMENTAL",
        "",
    ] {
        assert_eq!(Attribute::parse(unknown), None, "{unknown}");
    }
}

#[test]
fn severe_toxicity_is_the_removal_band_of_toxicity() {
    for (toxicity, severe) in [(0.0, 0.0), (0.6, 0.0), (0.8, 0.5), (0.9, 0.75), (1.0, 1.0)] {
        let got = Attribute::SevereToxicity.score(toxicity);
        assert!((got - severe).abs() < 1e-6, "{toxicity} → {got}");
        assert_eq!(Attribute::Toxicity.score(toxicity), toxicity);
    }
}

#[test]
fn requests_are_validated_in_perspectives_order() {
    let ok = json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}});
    assert!(analysis(ok).is_ok());
    let cases: Vec<(Value, ErrorType, &str)> = vec![
        (json!([]), ErrorType::InvalidRequest, "Invalid JSON payload received. Expected an object, got array."),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "extra": 1}),
            ErrorType::InvalidRequest,
            "Invalid JSON payload received. Unknown name \"extra\": Cannot find field.",
        ),
        (
            json!({"comment": {"text": "hi", "lang": "en"}, "requestedAttributes": {"TOXICITY": {}}}),
            ErrorType::InvalidRequest,
            "Invalid JSON payload received. Unknown name \"lang\" at 'comment': Cannot find field.",
        ),
        (
            json!({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}),
            ErrorType::InvalidRequest,
            "Invalid value at 'comment.text': invalid type: integer `5`, expected a string.",
        ),
        (json!({"requestedAttributes": {"TOXICITY": {}}}), ErrorType::CommentEmpty, "Comment must be non-empty."),
        (
            json!({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}),
            ErrorType::CommentEmpty,
            "Comment must be non-empty.",
        ),
        (
            json!({"comment": {"text": "x".repeat(ContentText::MAX_BYTES + 1)}, "requestedAttributes": {"TOXICITY": {}}}),
            ErrorType::CommentTooLong,
            "Comment text too long: at most 65536 bytes.",
        ),
        (
            json!({"comment": {"text": "<b>hi</b>", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}),
            ErrorType::InvalidRequest,
            "Currently, only 'PLAIN_TEXT' comments are supported",
        ),
        (json!({"comment": {"text": "hi"}}), ErrorType::NoRequestedAttributes, "Missing requested_attributes"),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {}}),
            ErrorType::NoRequestedAttributes,
            "Missing requested_attributes",
        ),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}, "UNSUBSTANTIAL": {}}}),
            ErrorType::InvalidRequest,
            "Unknown requested attribute: UNSUBSTANTIAL",
        ),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}}),
            ErrorType::InvalidRequest,
            "Requested score type STD_DEV_SCORE is not supported by attribute TOXICITY",
        ),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 1.5}}}),
            ErrorType::InvalidRequest,
            "Invalid value at 'requested_attributes[TOXICITY].score_threshold': must be between 0 and 1.",
        ),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
                   "context": {"entries": [], "articleAndParentComment": {}}}),
            ErrorType::InvalidRequest,
            "Context can have either entries or article_and_parent_comment, but both fields were populated.",
        ),
        (
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "communityId": "/forum/movies"}),
            ErrorType::InvalidRequest,
            "Invalid value at 'community_id': a Warden community id may contain only ASCII letters, digits, `.`, `_` and `-`.",
        ),
    ];
    for (body, error_type, message) in cases {
        let err = analysis(body.clone())
            .err()
            .unwrap_or_else(|| panic!("accepted {body}"));
        assert_eq!(
            (err.error_type(), err.message(), err.code()),
            (Some(error_type), message, Code::InvalidField),
            "{body}"
        );
    }
}

#[test]
fn proto_field_names_are_accepted_too() {
    let a = analysis(json!({
        "comment": {"text": "hi", "type": "PLAIN_TEXT"},
        "requested_attributes": {"INSULT": {"score_threshold": 0.5, "score_type": "PROBABILITY"}},
        "span_annotations": true, "do_not_store": true, "client_token": "t", "session_id": "s",
        "community_id": "cats", "context": {"article_and_parent_comment": {"parent_comment": {"text": "x"}}},
    }))
    .unwrap();
    assert!(a.spans);
    assert_eq!(a.client_token.as_deref(), Some("t"));
    assert_eq!(a.community().map(|c| c.as_str()), Some("cats"));
    assert_eq!(
        a.attributes,
        vec![Requested {
            name: "INSULT".into(),
            attribute: Attribute::Insult,
            threshold: Some(0.5)
        }]
    );
}

#[test]
fn languages_match_by_primary_subtag() {
    let loaded = vec!["en".to_string(), "de".to_string()];
    let with = |languages: Value| {
        analysis(
            json!({"comment": {"text": "hi"}, "requestedAttributes": {"THREAT": {}, "INSULT": {}},
                        "languages": languages}),
        )
        .unwrap()
        .check_languages(&loaded)
    };
    assert!(with(json!([])).is_ok());
    assert!(with(json!(["en"])).is_ok());
    assert!(with(json!(["en-US", "DE"])).is_ok());
    let err = with(json!(["en", "ja"])).unwrap_err();
    // Attributes are visited in name order; the first is named.
    assert_eq!(
        err.message(),
        "Attribute INSULT does not support request languages: en, ja"
    );
    assert_eq!(
        err.body(400),
        json!({"error": {
            "code": 400,
            "message": "Attribute INSULT does not support request languages: en, ja",
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                "languageNotSupportedByAttributeError": {
                    "requestedLanguages": ["en", "ja"],
                    "attribute": "INSULT",
                },
            }],
        }})
    );
    assert!(with(json!([""])).is_err());
}

#[test]
fn responses_mirror_the_request_and_count_utf16_units() {
    // "😀 you idiot": the emoji is one code point and two UTF-16 units.
    let a = analysis(json!({
        "comment": {"text": "😀 you idiot"},
        "requestedAttributes": {"INSULT": {}, "TOXICITY@6": {}, "SEVERE_TOXICITY": {}, "THREAT": {"scoreThreshold": 0.5}},
        "spanAnnotations": true,
        "clientToken": "c-1",
    }))
    .unwrap();
    let v = verdict(
        &[
            (Category::Insult, 0.84),
            (Category::Toxicity, 0.8),
            (Category::Threat, 0.1),
        ],
        vec![
            m(2, 10, Category::Toxicity, Severity::Medium, Source::Model),
            m(6, 11, Category::Insult, Severity::Low, Source::Wordlist),
            m(0, 1, Category::Pii, Severity::Low, Source::Pii),
        ],
    );
    let body = wire(&a.respond(&v, &["en".to_string()]));
    assert_eq!(
        body,
        json!({
            "attributeScores": {
                "INSULT": {
                    "spanScores": [{"begin": 7, "end": 12, "score": {"value": 0.4, "type": "PROBABILITY"}}],
                    "summaryScore": {"value": 0.84, "type": "PROBABILITY"},
                },
                // The model span and the insult match overlap: one span, the higher score.
                "TOXICITY@6": {
                    "spanScores": [{"begin": 3, "end": 12, "score": {"value": 0.93, "type": "PROBABILITY"}}],
                    "summaryScore": {"value": 0.8, "type": "PROBABILITY"},
                },
                "SEVERE_TOXICITY": {
                    "spanScores": [{"begin": 3, "end": 12, "score": {"value": 0.825, "type": "PROBABILITY"}}],
                    "summaryScore": {"value": 0.5, "type": "PROBABILITY"},
                },
                // THREAT (0.1) is under its threshold: left out.
            },
            "languages": ["en"],
            "clientToken": "c-1",
        })
    );
}

#[test]
fn spans_only_when_asked_and_only_where_something_was_found() {
    let a = analysis(
        json!({"comment": {"text": "hello"}, "requestedAttributes": {"PROFANITY": {}},
                            "languages": ["en-GB"]}),
    )
    .unwrap();
    let v = verdict(&[], vec![]);
    assert_eq!(
        wire(&a.respond(&v, &["en".to_string()])),
        json!({"attributeScores": {"PROFANITY": {"summaryScore": {"value": 0.0, "type": "PROBABILITY"}}},
               "languages": ["en-GB"]})
    );
    let a = analysis(
        json!({"comment": {"text": "hello"}, "requestedAttributes": {"PROFANITY": {}},
                            "spanAnnotations": true}),
    )
    .unwrap();
    assert_eq!(
        wire(&a.respond(&v, &["en".to_string()]))["attributeScores"],
        json!({"PROFANITY": {"summaryScore": {"value": 0.0, "type": "PROBABILITY"}}})
    );
}

#[test]
fn discounted_wordlist_spans_never_exceed_their_category() {
    // "fuck yes": medium profanity (0.75) that the classifier capped at 0.4.
    let v = verdict(
        &[(Category::Profanity, 0.4), (Category::Toxicity, 0.4)],
        vec![m(
            0,
            4,
            Category::Profanity,
            Severity::Medium,
            Source::Wordlist,
        )],
    );
    assert_eq!(spans(&v, Attribute::Profanity), vec![(0, 4, 0.4)]);
    assert_eq!(spans(&v, Attribute::SevereToxicity), vec![(0, 4, 0.0)]);
    assert!(spans(&v, Attribute::Threat).is_empty());
}

#[test]
fn transport_failures_keep_their_status_in_googles_shape() {
    let cases = [
        (
            Failure::unauthorized("invalid or revoked API key"),
            401,
            "UNAUTHENTICATED",
        ),
        (
            Failure::forbidden("the `feed` role may not do this"),
            403,
            "PERMISSION_DENIED",
        ),
        (Failure::not_found("community"), 404, "NOT_FOUND"),
        (Failure::rate_limited(3), 429, "RESOURCE_EXHAUSTED"),
        (
            Failure::new(Code::PayloadTooLarge, "too big"),
            413,
            "INVALID_ARGUMENT",
        ),
    ];
    for (failure, http, status) in cases {
        let message = failure.message().to_string();
        let err = PerspectiveError::from(failure);
        assert_eq!(
            err.body(http),
            json!({"error": {"code": http, "message": message, "status": status}})
        );
    }
    let err = PerspectiveError::from(Failure::rate_limited(3));
    assert_eq!(err.retry_after(), Some(3));
    let err = PerspectiveError::from(Failure::new(Code::InvalidJson, "invalid JSON: EOF"));
    assert_eq!(
        err.message(),
        "Invalid JSON payload received. invalid JSON: EOF"
    );
    assert_eq!(err.error_type(), Some(ErrorType::InvalidRequest));
}
