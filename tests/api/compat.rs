//! The drop-in APIs against a real server and the real classifier: golden requests and
//! responses from the vendors' own documentation and their error shapes (the exact bytes
//! their client libraries put on the wire: `compat_wire.rs`).
//!
//! Sources of the golden examples:
//! * Perspective `AnalyzeComment` request and response, and the error list:
//!   <https://github.com/conversationai/perspectiveapi/blob/main/2-api/methods.md> and
//!   `…/2-api/limits.md` (the developer site, developers.perspectiveapi.com, has the same);
//!   span offsets are "the UTF-16 codepoint range" per the `commentanalyzer v1alpha1`
//!   discovery document (`SpanScore.begin`); the error detail shape is what the service
//!   returns (`type.googleapis.com/google.commentanalyzer.v1alpha1.Error`).
//! * Perspective's Python quickstart (`discovery.build(…)`, `'friendly greetings from
//!   python'`): <https://developers.perspectiveapi.com/s/docs-sample-requests>.
//! * OpenAI moderation request and response examples ("I want to kill them.", the image
//!   and text example): <https://platform.openai.com/docs/api-reference/moderations/create>.

use serde_json::{json, Value};

use super::{Resp, Server, ADMIN, ALLOW_TEXT, MODEL_NAME, REMOVE_TEXT};

pub(super) const ANALYZE: &str = "/v1alpha1/comments:analyze";
pub(super) const MODERATIONS: &str = "/v1/moderations";

/// What the response's `model` says for the shipped classifier.
pub(super) fn model_id() -> String {
    format!("{MODEL_NAME}-2.0.3")
}

const OPENAI_CATEGORIES: [&str; 13] = [
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
];

/// The categories Warden cannot score: always false and 0, scored for no input type.
const UNSCORED: [&str; 5] = [
    "illicit",
    "illicit/violent",
    "self-harm/instructions",
    "sexual/minors",
    "violence/graphic",
];

pub(super) fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// A Perspective summary score: `{value: 0..1, type: "PROBABILITY"}`, its value.
fn summary(r: &Resp, attribute: &str) -> f64 {
    let s = &r.body["attributeScores"][attribute]["summaryScore"];
    assert_eq!(keys(s), ["type", "value"], "{r:?}");
    assert_eq!(s["type"], "PROBABILITY");
    let v = s["value"].as_f64().expect("a number");
    assert!((0.0..=1.0).contains(&v), "{v}");
    v
}

/// The body of a Perspective error with a commentanalyzer detail.
fn google_error(code: u16, message: &str, error_type: &str) -> Value {
    json!({"error": {
        "code": code,
        "message": message,
        "status": "INVALID_ARGUMENT",
        "details": [{
            "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
            "errorType": error_type,
        }],
    }})
}

/// Checks one OpenAI result has exactly the documented shape; its categories.
pub(super) fn openai_result(result: &Value) -> &Value {
    assert_eq!(
        keys(result),
        [
            "categories",
            "category_applied_input_types",
            "category_scores",
            "flagged"
        ]
    );
    for field in [
        "categories",
        "category_scores",
        "category_applied_input_types",
    ] {
        let mut expected = OPENAI_CATEGORIES.to_vec();
        expected.sort_unstable();
        assert_eq!(keys(&result[field]), expected, "{field}");
    }
    for c in OPENAI_CATEGORIES {
        let flagged = result["categories"][c].as_bool().expect("a boolean");
        let score = result["category_scores"][c].as_f64().expect("a number");
        assert!((0.0..=1.0).contains(&score), "{c}: {score}");
        let types = &result["category_applied_input_types"][c];
        if UNSCORED.contains(&c) {
            assert_eq!((flagged, score, types), (false, 0.0, &json!([])), "{c}");
        } else {
            assert_eq!(types, &json!(["text"]), "{c}");
        }
    }
    let any = OPENAI_CATEGORIES
        .iter()
        .any(|c| result["categories"][c] == true);
    assert_eq!(result["flagged"], any, "flagged is whether any category is");
    &result["categories"]
}

#[test]
fn perspective_documented_example() {
    let s = Server::start();
    // methods.md's AnalyzeComment example, verbatim. UNSUBSTANTIAL was an experimental
    // attribute Warden has no counterpart for: refused the way Perspective refuses an
    // attribute it does not know.
    let documented = json!({
      "comment": {
         "text": "What kind of idiot name is foo? Sorry, I like your name."
      },
      "languages": ["en"],
      "requestedAttributes": {
        "TOXICITY": {},
        "UNSUBSTANTIAL": {}
      }
    });
    let r = s.post(ANALYZE, ADMIN, documented.clone());
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.body,
        google_error(
            400,
            "Unknown requested attribute: UNSUBSTANTIAL",
            "INVALID_REQUEST"
        )
    );

    // The same request for the attributes Warden has: exactly the documented shape.
    let mut request = documented;
    request["requestedAttributes"] = json!({"TOXICITY": {}, "INSULT": {}});
    let r = s.post(ANALYZE, ADMIN, request);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(keys(&r.body), ["attributeScores", "languages"]);
    assert_eq!(keys(&r.body["attributeScores"]), ["INSULT", "TOXICITY"]);
    assert_eq!(
        keys(&r.body["attributeScores"]["TOXICITY"]),
        ["summaryScore"]
    );
    assert_eq!(r.body["languages"], json!(["en"]));
    // Perspective gives TOXICITY 0.86; Warden's classifier agrees it is over the line.
    assert!(summary(&r, "TOXICITY") > 0.6, "{r:?}");
    assert!(summary(&r, "INSULT") > 0.6, "{r:?}");

    // Benign text scores low on every attribute.
    let all = json!({"TOXICITY": {}, "SEVERE_TOXICITY": {}, "IDENTITY_ATTACK": {}, "INSULT": {},
                     "PROFANITY": {}, "THREAT": {}, "SEXUALLY_EXPLICIT": {}});
    let r = s.post(
        ANALYZE,
        ADMIN,
        json!({"comment": {"text": ALLOW_TEXT}, "requestedAttributes": all}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(keys(&r.body["attributeScores"]).len(), 7);
    for attribute in keys(&r.body["attributeScores"]) {
        assert!(summary(&r, attribute) < 0.3, "{attribute}: {r:?}");
    }
    // Without `languages`, the response lists what Warden scored in; nothing is
    // reported as detected.
    assert_eq!(r.body["languages"], json!(["en"]));
    assert!(r.body.get("detectedLanguages").is_none());

    // A threat: THREAT and SEVERE_TOXICITY high.
    let r = s.post(
        ANALYZE,
        ADMIN,
        json!({"comment": {"text": REMOVE_TEXT}, "requestedAttributes": {"THREAT": {}, "SEVERE_TOXICITY": {}}}),
    );
    assert!(summary(&r, "THREAT") >= 0.95, "{r:?}");
    assert!(summary(&r, "SEVERE_TOXICITY") >= 0.75, "{r:?}");
}

/// The text between UTF-16 offsets, as a JavaScript client would slice it.
pub(super) fn utf16_slice(text: &str, begin: &Value, end: &Value) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    let (b, e) = (
        begin.as_u64().expect("begin") as usize,
        end.as_u64().expect("end") as usize,
    );
    assert!(b < e && e <= units.len(), "{b}..{e} in {}", units.len());
    String::from_utf16(&units[b..e]).expect("a span never splits a surrogate pair")
}

#[test]
fn perspective_spans_count_utf16_units_and_thresholds_filter() {
    let s = Server::start();
    // Two emoji first: each is one code point (Warden's unit) and two UTF-16 units.
    let text = "😀😀 you are a f*cking idiot";
    let r = s.post(
        ANALYZE,
        ADMIN,
        json!({
            "comment": {"text": text},
            "requestedAttributes": {"PROFANITY": {}, "INSULT": {}, "TOXICITY": {}, "THREAT": {"scoreThreshold": 0.5}},
            "spanAnnotations": true,
            "languages": ["en-US"],
            "clientToken": "req-17",
            "doNotStore": true,
        }),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let scores = &r.body["attributeScores"];
    // THREAT is well under its threshold: left out, as Perspective leaves it out.
    assert_eq!(keys(scores), ["INSULT", "PROFANITY", "TOXICITY"], "{r:?}");
    assert_eq!(r.body["clientToken"], "req-17");
    assert_eq!(r.body["languages"], json!(["en-US"]));

    let spans = |attribute: &str| -> Vec<String> {
        scores[attribute]["spanScores"]
            .as_array()
            .unwrap_or_else(|| panic!("{attribute} has spans: {r:?}"))
            .iter()
            .map(|span| {
                assert_eq!(keys(span), ["begin", "end", "score"]);
                assert_eq!(span["score"]["type"], "PROBABILITY");
                utf16_slice(text, &span["begin"], &span["end"])
            })
            .collect()
    };
    assert_eq!(spans("INSULT"), ["idiot"]);
    assert_eq!(spans("PROFANITY"), ["f*ck"]);
    let toxic = spans("TOXICITY");
    assert!(toxic.iter().any(|s| s.contains("idiot")), "{toxic:?}");
    assert!(summary(&r, "INSULT") > 0.6);
}

#[test]
fn perspective_errors_have_googles_shape() {
    let s = Server::start();
    let text = json!({"text": "hello there"});
    let analyze = |body: Value| s.post(ANALYZE, ADMIN, body);

    let r = analyze(json!({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}));
    assert_eq!(
        (r.status, r.body.clone()),
        (
            400,
            google_error(400, "Comment must be non-empty.", "COMMENT_EMPTY")
        )
    );
    let r = analyze(json!({"comment": text}));
    assert_eq!(
        r.body,
        google_error(
            400,
            "Missing requested_attributes",
            "NO_REQUESTED_ATTRIBUTES"
        )
    );
    let r = analyze(
        json!({"comment": text, "requestedAttributes": {"TOXICITY": {}}, "langauges": ["en"]}),
    );
    assert_eq!(
        r.body,
        google_error(
            400,
            "Invalid JSON payload received. Unknown name \"langauges\": Cannot find field.",
            "INVALID_REQUEST"
        )
    );
    let long = "a".repeat(64 * 1024 + 1);
    let r = analyze(json!({"comment": {"text": long}, "requestedAttributes": {"TOXICITY": {}}}));
    assert_eq!(
        r.body,
        google_error(
            400,
            "Comment text too long: at most 65536 bytes.",
            "COMMENT_TOO_LONG"
        )
    );

    // A language Warden did not load (the test server loads English only).
    let r = analyze(json!({"comment": {"text": "ばか"}, "languages": ["ja"],
                          "requestedAttributes": {"TOXICITY": {}}}));
    assert_eq!(
        r.body,
        json!({"error": {
            "code": 400,
            "message": "Attribute TOXICITY does not support request languages: ja",
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                "languageNotSupportedByAttributeError": {"requestedLanguages": ["ja"], "attribute": "TOXICITY"},
            }],
        }})
    );

    // Not JSON at all.
    let r = s.raw(
        "POST",
        ANALYZE,
        Some(ADMIN),
        Some(("application/json", b"{".as_slice())),
    );
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON payload received."));
    let r = s.raw(
        "POST",
        ANALYZE,
        Some(ADMIN),
        Some(("text/plain", b"{}".as_slice())),
    );
    assert_eq!(
        (r.status, r.body["error"]["code"].as_u64()),
        (415, Some(415))
    );

    // Authentication and roles, in Google's shape too.
    let body = json!({"comment": text, "requestedAttributes": {"TOXICITY": {}}});
    let r = s.call("POST", ANALYZE, None, Some(&body));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body,
        json!({"error": {"code": 401, "status": "UNAUTHENTICATED",
                         "message": "missing key: send `Authorization: Bearer <key>` or `?key=<key>`"}})
    );
    let r = s.call(
        "POST",
        &format!("{ANALYZE}?key=wdn_nope"),
        None,
        Some(&body),
    );
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let feed = s.key("feed", &["*"]);
    let r = s.call("POST", &format!("{ANALYZE}?key={feed}"), None, Some(&body));
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    // The key in both places is refused rather than guessed between.
    let r = s.call(
        "POST",
        &format!("{ANALYZE}?key={ADMIN}"),
        Some(ADMIN),
        Some(&body),
    );
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    // Query parameters Perspective does not have, or an output format other than JSON.
    let r = s.call(
        "POST",
        &format!("{ANALYZE}?key={ADMIN}&fields=x"),
        None,
        Some(&body),
    );
    assert_eq!(
        r.body,
        google_error(
            400,
            "Invalid JSON payload received. Unknown name \"fields\": Cannot bind query parameter. \
             Field 'fields' could not be found in request message.",
            "INVALID_REQUEST"
        )
    );
    let r = s.call(
        "POST",
        &format!("{ANALYZE}?key={ADMIN}&alt=proto"),
        None,
        Some(&body),
    );
    assert_eq!(r.status, 400, "{r:?}");
    // The key is checked before the body: a bad key with a bad body is still a 401.
    let r = s.raw(
        "POST",
        &format!("{ANALYZE}?key=wdn_nope"),
        None,
        Some(("application/json", b"{".as_slice())),
    );
    assert_eq!(r.status, 401);
}

#[test]
fn perspective_community_id_is_a_warden_community() {
    let s = Server::start();
    // Community `knit` blocks "purl" as sexual: the community's wordlist applies when the
    // request names it, and not otherwise.
    let w = json!({"block": [{"text": "purl", "category": "sexual", "severity": "medium"}], "allow": []});
    assert_eq!(s.put("/v1/communities/knit/wordlist", ADMIN, w).status, 200);
    let ingest = s.key("ingest", &["knit"]);
    let request = |community: Option<&str>| {
        let mut body = json!({"comment": {"text": "nice purl stitch"},
                              "requestedAttributes": {"SEXUALLY_EXPLICIT": {}}});
        if let Some(c) = community {
            body["communityId"] = json!(c);
        }
        s.call(
            "POST",
            &format!("{ANALYZE}?key={ingest}&alt=json"),
            None,
            Some(&body),
        )
    };
    let r = request(Some("knit"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(summary(&r, "SEXUALLY_EXPLICIT"), 0.75);
    let r = request(None);
    assert_eq!(summary(&r, "SEXUALLY_EXPLICIT"), 0.0);
    // Outside the key's scope: 404, as if the community did not exist.
    let r = request(Some("other"));
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[test]
fn openai_documented_examples() {
    let s = Server::start();
    // The API reference's example request, verbatim.
    let r = s.post(MODERATIONS, ADMIN, json!({"input": "I want to kill them."}));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(keys(&r.body), ["id", "model", "results"]);
    assert!(r.body["id"].as_str().unwrap().starts_with("modr-"));
    assert_eq!(r.body["model"], model_id());
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let categories = openai_result(&results[0]);
    // The documented response's verdict, category for category (the example predates
    // `illicit`, which Warden reports as false), except `hate` and `hate/threatening`:
    // warden-minilm 2.0 reads a threat against an unnamed "them" as hate, a known failure
    // recorded in its model card, so those two are not compared here.
    let mut categories = categories.clone();
    let hate = categories
        .as_object_mut()
        .map(|c| (c.remove("hate"), c.remove("hate/threatening")));
    assert!(hate.is_some_and(|(a, b)| a.is_some() && b.is_some()));
    assert_eq!(
        &categories,
        &json!({
            "sexual": false,
            "harassment": true,
            "self-harm": false,
            "sexual/minors": false,
            "violence/graphic": false,
            "self-harm/intent": false,
            "self-harm/instructions": false,
            "harassment/threatening": true,
            "violence": true,
            "illicit": false,
            "illicit/violent": false,
        })
    );
    assert_eq!(results[0]["flagged"], true);
    assert!(results[0]["category_scores"]["violence"].as_f64().unwrap() > 0.6);

    // The image-and-text example, verbatim: Warden moderates text only and says so,
    // rather than calling an image it never saw harmless.
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({
            "model": "omni-moderation-latest",
            "input": [
                { "type": "text", "text": "...text to classify goes here..." },
                {
                    "type": "image_url",
                    "image_url": {
                        "url": "https://example.com/image.png"
                    }
                }
            ]
        }),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.body,
        json!({"error": {
            "message": "Invalid value: 'image_url'. Warden moderates text only; 'input[1]' is an image, which it cannot score.",
            "type": "invalid_request_error",
            "param": "input[1].type",
            "code": "invalid_value",
        }})
    );

    // Its text part alone: one result for the parts together.
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({"model": "omni-moderation-latest",
               "input": [{ "type": "text", "text": "...text to classify goes here..." }]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        openai_result(&r.body["results"][0]),
        &json!({
            "harassment": false, "harassment/threatening": false, "hate": false,
            "hate/threatening": false, "illicit": false, "illicit/violent": false,
            "self-harm": false, "self-harm/instructions": false, "self-harm/intent": false,
            "sexual": false, "sexual/minors": false, "violence": false, "violence/graphic": false,
        })
    );

    // An array of strings: one result each, in order.
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({"input": [ALLOW_TEXT, REMOVE_TEXT, "I want to end my life"], "model": "text-moderation-stable"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let benign = openai_result(&results[0]);
    assert!(benign.as_object().unwrap().values().all(|f| f == false));
    assert_eq!(results[0]["flagged"], false);
    for c in OPENAI_CATEGORIES {
        assert!(
            results[0]["category_scores"][c].as_f64().unwrap() < 0.3,
            "{c}"
        );
    }
    assert_eq!(openai_result(&results[1])["violence"], true);
    let self_harm = openai_result(&results[2]);
    assert_eq!(
        (
            self_harm["self-harm"].clone(),
            self_harm["self-harm/intent"].clone()
        ),
        (json!(true), json!(true))
    );
}

#[test]
fn openai_errors_have_openais_shape() {
    let s = Server::start();
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({"input": "a", "encoding_format": "float"}),
    );
    assert_eq!(
        (r.status, r.body.clone()),
        (
            400,
            json!({"error": {"message": "Unknown parameter: 'encoding_format'.", "type": "invalid_request_error",
                             "param": "encoding_format", "code": "unknown_parameter"}})
        )
    );
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({"model": "omni-moderation-latest"}),
    );
    assert_eq!(
        r.body,
        json!({"error": {"message": "Missing required parameter: 'input'.", "type": "invalid_request_error",
                         "param": "input", "code": "missing_required_parameter"}})
    );
    let r = s.post(MODERATIONS, ADMIN, json!({"input": "a", "model": "gpt-4o"}));
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (400, Some("model_not_found"))
    );
    // Warden's own model name is accepted too.
    let r = s.post(
        MODERATIONS,
        ADMIN,
        json!({"input": "a", "model": model_id()}),
    );
    assert_eq!(r.status, 200, "{r:?}");

    let r = s.call("POST", MODERATIONS, None, Some(&json!({"input": "a"})));
    assert_eq!(
        (r.status, r.body.clone()),
        (
            401,
            json!({"error": {"message": "missing `Authorization: Bearer <key>` header",
                             "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})
        )
    );
    // The query-string key is the Perspective route's alone.
    let r = s.call(
        "POST",
        &format!("{MODERATIONS}?key={ADMIN}"),
        None,
        Some(&json!({"input": "a"})),
    );
    assert_eq!(r.status, 401, "{r:?}");
    let feed = s.key("feed", &["*"]);
    let r = s.post(MODERATIONS, &feed, json!({"input": "a"}));
    assert_eq!(
        (r.status, r.body["error"]["type"].as_str()),
        (403, Some("invalid_request_error"))
    );
    let r = s.raw(
        "POST",
        MODERATIONS,
        Some(ADMIN),
        Some(("text/plain", b"{}".as_slice())),
    );
    assert_eq!(
        (r.status, r.body["error"]["type"].as_str()),
        (415, Some("invalid_request_error"))
    );
    let r = s.raw(
        "POST",
        MODERATIONS,
        Some(ADMIN),
        Some(("application/json", b"{\"input\": ".as_slice())),
    );
    assert_eq!(
        (r.status, r.body["error"]["param"].clone()),
        (400, Value::Null)
    );
}

#[test]
fn rate_limits_come_back_in_the_vendors_shape() {
    let s = Server::with(|c| {
        c.rate_limit.per_second = 0.01;
        c.rate_limit.burst = 1;
    });
    let body = json!({"input": "a"});
    assert_eq!(s.post(MODERATIONS, ADMIN, body.clone()).status, 200);
    let r = s.post(MODERATIONS, ADMIN, body);
    assert_eq!(r.status, 429, "{r:?}");
    assert!(r.retry_after.is_some());
    assert_eq!(
        (
            r.body["error"]["type"].as_str(),
            r.body["error"]["code"].as_str()
        ),
        (Some("requests"), Some("rate_limit_exceeded"))
    );
    let r = s.call(
        "POST",
        &format!("{ANALYZE}?key={ADMIN}"),
        None,
        Some(&json!({"comment": {"text": "a"}, "requestedAttributes": {"TOXICITY": {}}})),
    );
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (429, Some("RESOURCE_EXHAUSTED"))
    );
    assert!(r.retry_after.is_some());
}

#[test]
fn nothing_is_stored() {
    let s = Server::start();
    for do_not_store in [true, false] {
        let r = s.post(
            ANALYZE,
            ADMIN,
            json!({"comment": {"text": REMOVE_TEXT}, "requestedAttributes": {"THREAT": {}},
                   "doNotStore": do_not_store}),
        );
        assert_eq!(r.status, 200, "{r:?}");
    }
    assert_eq!(
        s.post(
            MODERATIONS,
            ADMIN,
            json!({"input": [REMOVE_TEXT, REMOVE_TEXT]})
        )
        .status,
        200
    );
    let queue = s.get("/v1/queue", ADMIN);
    assert_eq!(queue.body["items"], json!([]), "{queue:?}");
    let report = s.get("/v1/reports/transparency", ADMIN);
    assert_eq!(report.body["decisions"], 0, "{report:?}");
    let metrics = s.call("GET", "/metrics", None, None).body;
    let metrics = metrics.as_str().unwrap();
    assert!(!metrics.contains("warden_submissions_total{"), "{metrics}");
    // Both routes are counted under their own route label.
    assert!(
        metrics.contains("route=\"/v1alpha1/comments:analyze\""),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/v1/moderations\""), "{metrics}");
}
