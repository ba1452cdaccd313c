//! Perspective's `SuggestCommentScore` against a real server: accepted with the key as
//! Google's clients send it, refused in Google's shape, and recorded, durably and without
//! the text, beside Warden's own score for the same text.

use serde_json::{json, Value};
use warden::ids::CommunityId;

use super::{Server, ADMIN, REMOVE_TEXT};

const SUGGEST: &str = "/v1alpha1/comments:suggestscore";
const ANALYZE: &str = "/v1alpha1/comments:analyze";

fn with_key(path: &str, key: &str) -> String {
    format!("{path}?key={key}&alt=json")
}

#[test]
fn a_suggestion_is_recorded_beside_wardens_score() {
    let s = Server::start();
    let key = s.key("ingest", &["forum"]);
    let analyzed = s.call(
        "POST",
        &with_key(ANALYZE, &key),
        None,
        Some(
            &json!({"comment": {"text": REMOVE_TEXT}, "requestedAttributes": {"THREAT": {}},
                     "communityId": "forum"}),
        ),
    );
    assert_eq!(analyzed.status, 200, "{analyzed:?}");
    let threat = analyzed.body["attributeScores"]["THREAT"]["summaryScore"]["value"]
        .as_f64()
        .expect("a THREAT score");

    let body = json!({
        "comment": {"text": REMOVE_TEXT},
        "attributeScores": {
            "THREAT": {"summaryScore": {"value": 0.2}},
            "INSULT@3": {"spanScores": [{"begin": 3, "end": 8, "score": {"value": 1, "type": "PROBABILITY"}}]},
        },
        "communityId": "forum",
        "clientToken": "token-7",
        "sessionId": "session-9",
        "languages": ["en"],
    });
    let r = s.call("POST", &with_key(SUGGEST, &key), None, Some(&body));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.body,
        json!({"clientToken": "token-7", "requestedLanguages": ["en"]})
    );

    let forum: CommunityId = "forum".parse().unwrap();
    let records = s.state.score_feedback(Some(&forum), None, 10).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    // As stored: through its JSON text, where an f32 keeps its short form.
    let record: Value =
        serde_json::from_str(&serde_json::to_string(&records[0].1).unwrap()).unwrap();
    assert_eq!(record["source"], "perspective.suggestscore");
    assert_eq!(record["community"], "forum");
    assert_eq!(record["model"]["name"], super::MODEL_NAME);
    let key_id = s.get("/v1/keys/self", &key).body["id"].clone();
    assert_eq!(record["key_id"], key_id);
    let attributes = record["attributes"].as_array().unwrap();
    let by_name = |name: &str| -> &Value {
        attributes
            .iter()
            .find(|a| a["attribute"] == name)
            .unwrap_or_else(|| panic!("{name} in {record}"))
    };
    // Warden's score is the one `analyze` gives the same text under the same rules.
    let stored = by_name("THREAT");
    assert!(
        (stored["scored"].as_f64().unwrap() - threat).abs() < 1e-6,
        "{record}"
    );
    assert_eq!(stored["suggested"], 0.2);
    assert_eq!(stored["category"], "threat");
    let insult = by_name("INSULT");
    assert_eq!(insult["suggested"], Value::Null);
    assert_eq!(
        insult["spans"],
        json!([{"begin": 3, "end": 8, "score": 1.0}])
    );
    // Nothing of the text, the token or the session.
    let text = record.to_string();
    for kept in ["bleach", "token-7", "session-9"] {
        assert!(!text.contains(kept), "{kept} stored: {text}");
    }
    // Other communities' records are apart.
    assert!(s.state.score_feedback(None, None, 10).unwrap().is_empty());
}

#[test]
fn bad_suggestions_are_refused_in_googles_shape_and_not_recorded() {
    let s = Server::start();
    let cases = [
        (
            json!({"comment": {"text": "hi"}, "attributeScores": {"FLIRTATION": {"summaryScore": {"value": 1}}}}),
            400,
            "Unknown attribute: FLIRTATION",
        ),
        (
            json!({"comment": {"text": "hi"}, "attributeScores": {}}),
            400,
            "attribute_scores must not be empty.",
        ),
        (
            json!({"comment": {"text": ""}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}),
            400,
            "Comment must be non-empty.",
        ),
        (
            json!({"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
                   "communityId": "elsewhere"}),
            404,
            "community not found",
        ),
    ];
    let key = s.key("moderator", &["forum"]);
    for (body, status, message) in cases {
        let r = s.call("POST", &with_key(SUGGEST, &key), None, Some(&body));
        assert_eq!(
            (r.status, r.body["error"]["code"].as_u64(), r.message()),
            (status, Some(u64::from(status)), message),
            "{body}: {r:?}"
        );
        let google = if status == 400 {
            "INVALID_ARGUMENT"
        } else {
            "NOT_FOUND"
        };
        assert_eq!(r.body["error"]["status"], google);
    }
    let r = s.call("POST", &with_key(SUGGEST, "wdn_not_a_key_at_all_000000"), None,
                   Some(&json!({"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}})));
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let feed = s.key("feed", &["*"]);
    let r = s.call("POST", &with_key(SUGGEST, &feed), None,
                   Some(&json!({"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}})));
    assert_eq!(r.status, 403, "{r:?}");
    let r = s.call("GET", SUGGEST, Some(ADMIN), None);
    assert_eq!(
        (r.status, r.body["error"]["status"].as_str()),
        (405, Some("UNIMPLEMENTED"))
    );
    assert!(s.state.score_feedback(None, None, 10).unwrap().is_empty());
}
