//! The discovery document for `commentanalyzer` `v1alpha1`: what Google's client libraries
//! (google-api-python-client's `discovery.build`, googleapis' `discoverAPI`) read to build
//! their Perspective client, served by Warden so that they build it against Warden.
//!
//! It is written here, from Warden's own types and limits, not copied from Google's: it
//! describes the methods as Warden implements them (`comments.analyze`,
//! `comments.suggestscore`), the attributes Warden scores ([`Attribute::ALL`]), the one
//! score type and text type it accepts, and the fields it answers with (no
//! `detectedLanguages`: Warden detects no language). The `rootUrl` is where the client
//! reached Warden, so every request the client then makes goes to the same server. A
//! Rust builder rather than a template file so that the lists above cannot fall out of
//! step with the code that parses and answers; the tests hold the schemas to the parsers
//! and the response types.
//!
//! Authentication is Perspective's: an API key in the `key` query parameter, which the
//! clients send for `developerKey` / `auth: KEY`.

use serde_json::{json, Map, Value};

use super::{Attribute, PROBABILITY};
use crate::ids::ContentText;

/// The API's name, as clients ask for it.
pub const SERVICE: &str = "commentanalyzer";

/// The one version Warden serves.
pub const VERSION: &str = "v1alpha1";

/// The document for a client that reached Warden at `root_url` (scheme, authority and a
/// trailing `/`, e.g. `http://warden:8080/`).
pub fn document(root_url: &str) -> Value {
    let attributes: Vec<&str> = Attribute::ALL.iter().map(|a| a.name()).collect();
    json!({
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": format!("{SERVICE}:{VERSION}"),
        "name": SERVICE,
        "version": VERSION,
        "revision": env!("CARGO_PKG_VERSION"),
        "title": "Perspective Comment Analyzer API, answered by Warden",
        "description": "Warden's drop-in for Google's Perspective API: the same methods and \
            messages, scored by Warden's engine. AnalyzeComment stores nothing; \
            SuggestCommentScore keeps the suggested scores (never the text) for threshold \
            calibration.",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "basePath": "",
        "parameters": {
            "key": {
                "type": "string",
                "location": "query",
                "description": "A Warden API key (admin, moderator or ingest role).",
            },
            "alt": {
                "type": "string",
                "location": "query",
                "default": "json",
                "enum": ["json"],
                "enumDescriptions": ["JSON responses, the only format Warden answers in"],
                "description": "Data format for the response.",
            },
        },
        "resources": {
            "comments": {
                "methods": {
                    "analyze": method(
                        "analyze",
                        "AnalyzeComment",
                        "Scores a comment for the requested attributes. Nothing is stored.",
                    ),
                    "suggestscore": method(
                        "suggestscore",
                        "SuggestCommentScore",
                        "Records the scores a comment should have had, beside Warden's \
                         own, for threshold calibration; the text is not kept.",
                    ),
                },
            },
        },
        "schemas": schemas(&attributes),
    })
}

/// A method of the `comments` resource: `POST v1alpha1/comments:{verb}`, taking
/// `{message}Request` and answering `{message}Response`.
fn method(verb: &str, message: &str, description: &str) -> Value {
    let path = format!("{VERSION}/comments:{verb}");
    json!({
        "id": format!("{SERVICE}.comments.{verb}"),
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": format!("{message}Request")},
        "response": {"$ref": format!("{message}Response")},
    })
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

fn reference(schema: &str, description: &str) -> Value {
    json!({"$ref": schema, "description": description})
}

fn object(id: &str, description: &str, properties: Value) -> Value {
    json!({"id": id, "type": "object", "description": description, "properties": properties})
}

fn schemas(attributes: &[&str]) -> Value {
    let names = attributes.join(", ");
    let languages = "BCP-47 or ISO 639 language codes. Warden detects no language: every \
        text is scored with the wordlists it loaded, and a request naming a language it did \
        not load is refused (LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE).";
    let community = "A Warden community id: its wordlist and policy apply. Outside the \
        key's scope: 404.";
    let token = "Opaque; echoed in the response, never stored.";
    let session = "Accepted for compatibility; Warden keeps no sessions.";
    let score_types = json!([PROBABILITY, "SCORE_TYPE_UNSPECIFIED"]);
    let mut schemas = Map::new();
    let mut add = |schema: Value| {
        if let Some(id) = schema["id"].as_str() {
            schemas.insert(id.to_string(), schema);
        }
    };
    add(object(
        "AnalyzeCommentRequest",
        "A comment to score and the attributes to score it for.",
        json!({
            "comment": reference("TextEntry", "The comment to score."),
            "context": reference("Context", "The comment's context: checked, not scored."),
            "requestedAttributes": {
                "type": "object",
                "additionalProperties": {"$ref": "AttributeParameters"},
                "description": format!(
                    "The attributes to score, by name ({names}; a pinned version such as \
                     TOXICITY@6 is served by Warden's one version). Any other name is refused."
                ),
            },
            "spanAnnotations": {"type": "boolean", "description": "Also score the spans behind each attribute."},
            "languages": strings(languages),
            "doNotStore": {"type": "boolean", "description": "Accepted; AnalyzeComment never stores anything."},
            "clientToken": string(token),
            "sessionId": string(session),
            "communityId": string(community),
        }),
    ));
    add(object(
        "AnalyzeCommentResponse",
        "Scores for the requested attributes.",
        json!({
            "attributeScores": {
                "type": "object",
                "additionalProperties": {"$ref": "AttributeScores"},
                "description": "By attribute name as requested; an attribute below its scoreThreshold is left out.",
            },
            "languages": strings("The request's languages, or, when it named none, the languages Warden scored in."),
            "clientToken": string("The request's clientToken."),
        }),
    ));
    add(object(
        "SuggestCommentScoreRequest",
        "The scores a comment should have had.",
        json!({
            "comment": reference("TextEntry", "The comment the scores are for. Scored again to pair each suggestion with Warden's score; not stored."),
            "context": reference("Context", "The comment's context: checked, not stored."),
            "attributeScores": {
                "type": "object",
                "additionalProperties": {"$ref": "AttributeScores"},
                "description": format!(
                    "By attribute name ({names}): a summaryScore for the whole comment, \
                     spanScores for parts of it, or both; not empty. Scores are \
                     probabilities in 0..1."
                ),
            },
            "languages": strings(languages),
            "communityId": string(community),
            "clientToken": string(token),
            "sessionId": string(session),
        }),
    ));
    add(object(
        "SuggestCommentScoreResponse",
        "The suggestion was recorded.",
        json!({
            "clientToken": string("The request's clientToken."),
            "requestedLanguages": strings("The request's languages."),
        }),
    ));
    add(object(
        "AttributeParameters",
        "How to score one attribute.",
        json!({
            "scoreType": {
                "type": "string",
                "enum": score_types,
                "description": "PROBABILITY, the one type Warden returns.",
            },
            "scoreThreshold": {
                "type": "number",
                "format": "float",
                "description": "Leave the attribute (and spans) out below this score, in 0..1.",
            },
        }),
    ));
    add(object(
        "AttributeScores",
        "One attribute's scores: for the whole text and, on request, for spans.",
        json!({
            "summaryScore": reference("Score", "The score for the whole text."),
            "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}, "description": "Scores for parts of the text."},
        }),
    ));
    add(object(
        "SpanScore",
        "A score for part of the text.",
        json!({
            "begin": {"type": "integer", "format": "int32", "description": "Offset in UTF-16 code units."},
            "end": {"type": "integer", "format": "int32", "description": "Offset in UTF-16 code units, exclusive."},
            "score": reference("Score", "The span's score."),
        }),
    ));
    add(object(
        "Score",
        "A score and its type.",
        json!({
            "value": {"type": "number", "format": "float", "description": "In 0..1."},
            "type": {"type": "string", "enum": score_types, "description": "PROBABILITY."},
        }),
    ));
    add(object(
        "TextEntry",
        "A piece of text.",
        json!({
            "text": string(&format!(
                "The text: not empty, at most {} bytes of UTF-8.",
                ContentText::MAX_BYTES
            )),
            "type": {
                "type": "string",
                "enum": ["PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"],
                "description": "Plain text only.",
            },
        }),
    ));
    add(object(
        "Context",
        "What the comment replies to: entries or articleAndParentComment, not both.",
        json!({
            "entries": {"type": "array", "items": {"$ref": "TextEntry"}, "description": "Earlier messages."},
            "articleAndParentComment": reference("ArticleAndParentComment", "The article and the comment replied to."),
        }),
    ));
    add(object(
        "ArticleAndParentComment",
        "An article and the comment a reply answers.",
        json!({
            "article": reference("TextEntry", "The article."),
            "parentComment": reference("TextEntry", "The comment replied to."),
        }),
    ));
    Value::Object(schemas)
}

#[cfg(test)]
mod tests {
    use super::super::suggest::Suggestion;
    use super::super::Analysis;
    use super::*;
    use crate::compat::test_verdict;
    use crate::verdict::{Category, Match, Severity, Source};

    fn doc() -> Value {
        document("http://warden.test:8080/")
    }

    fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(name) => &doc["schemas"][name],
            None => schema,
        }
    }

    /// A body with every documented property set (`name`: the property's name, which
    /// picks values the parsers accept: a span from 0 to 1, an attribute Warden scores).
    fn sample(doc: &Value, schema: &Value, name: &str) -> Value {
        let schema = resolve(doc, schema);
        match schema["type"].as_str() {
            Some("object") => {
                if let Some(values) = schema.get("additionalProperties") {
                    return json!({"TOXICITY": sample(doc, values, name)});
                }
                let properties = schema["properties"].as_object().expect("properties");
                let filled = properties
                    .iter()
                    .map(|(name, property)| (name.clone(), sample(doc, property, name)))
                    .collect();
                Value::Object(filled)
            }
            Some("array") => json!([sample(doc, &schema["items"], name)]),
            Some("string") => match schema["enum"].as_array() {
                Some(values) => values[0].clone(),
                None => json!("en"),
            },
            Some("boolean") => json!(true),
            Some("integer") => json!(if name == "end" { 1 } else { 0 }),
            Some("number") => json!(0.5),
            other => panic!("no sample for {name}: {other:?}"),
        }
    }

    /// Whether every field of `value` is documented in `schema`, recursively.
    fn documented(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = resolve(doc, schema);
        match value {
            Value::Object(fields) => {
                for (name, field) in fields {
                    let property = match schema.get("additionalProperties") {
                        Some(values) => values,
                        None => schema["properties"]
                            .get(name)
                            .ok_or_else(|| format!("{at}.{name} is not documented"))?,
                    };
                    documented(doc, property, field, &format!("{at}.{name}"))?;
                }
                Ok(())
            }
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| documented(doc, &schema["items"], item, &format!("{at}[]"))),
            _ => Ok(()),
        }
    }

    #[test]
    fn the_root_url_is_the_one_given() {
        let d = doc();
        assert_eq!(d["rootUrl"], "http://warden.test:8080/");
        assert_eq!(d["baseUrl"], "http://warden.test:8080/");
        assert_eq!(d["id"], "commentanalyzer:v1alpha1");
        let methods = &d["resources"]["comments"]["methods"];
        assert_eq!(methods["analyze"]["path"], "v1alpha1/comments:analyze");
        assert_eq!(
            methods["suggestscore"]["path"],
            "v1alpha1/comments:suggestscore"
        );
        assert_eq!(
            methods["suggestscore"]["id"],
            "commentanalyzer.comments.suggestscore"
        );
    }

    #[test]
    fn every_reference_resolves() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => map.iter().for_each(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }),
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let d = doc();
        let mut found = Vec::new();
        refs(&d, &mut found);
        assert!(found.len() > 10);
        for r in found {
            assert!(d["schemas"][&r]["id"] == r.as_str(), "dangling {r}");
        }
    }

    #[test]
    fn the_request_schemas_describe_what_the_parsers_accept() {
        let d = doc();
        let methods = &d["resources"]["comments"]["methods"];
        let mut analyze = sample(&d, &methods["analyze"]["request"], "");
        // Context takes one of its two forms; the sample fills both.
        analyze["context"]
            .as_object_mut()
            .unwrap()
            .remove("entries");
        let analysis = Analysis::parse(&analyze);
        assert!(analysis.is_ok(), "{analyze}: {:?}", analysis.err());

        let mut suggest = sample(&d, &methods["suggestscore"]["request"], "");
        suggest["context"]
            .as_object_mut()
            .unwrap()
            .remove("articleAndParentComment");
        let suggestion = Suggestion::parse(&suggest);
        assert!(suggestion.is_ok(), "{suggest}: {:?}", suggestion.err());

        // Every attribute the document names is one the parser takes.
        for a in Attribute::ALL {
            let text = &d["schemas"]["AnalyzeCommentRequest"]["properties"]["requestedAttributes"]
                ["description"];
            assert!(text.as_str().unwrap().contains(a.name()), "{}", a.name());
        }
    }

    #[test]
    fn the_response_schemas_document_every_field_warden_sends() {
        let d = doc();
        let methods = &d["resources"]["comments"]["methods"];
        let analysis = Analysis::parse(&json!({
            "comment": {"text": "you idiot"},
            "requestedAttributes": {"INSULT": {}},
            "spanAnnotations": true,
            "clientToken": "t",
        }))
        .unwrap();
        let m = Match {
            start: 4,
            end: 9,
            category: Category::Insult,
            severity: Severity::Medium,
            rule: "test".into(),
            source: Source::Wordlist,
            kind: None,
            evasions: Vec::new(),
            score: None,
        };
        let verdict = test_verdict(&[(Category::Insult, 0.8)], vec![m]);
        let response = serde_json::to_value(analysis.respond(&verdict, &["en".into()])).unwrap();
        assert!(
            response["attributeScores"]["INSULT"]["spanScores"].is_array(),
            "{response}"
        );
        documented(&d, &methods["analyze"]["response"], &response, "").unwrap();

        let suggestion = Suggestion::parse(&json!({
            "comment": {"text": "x"}, "languages": ["en"], "clientToken": "t",
            "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
        }))
        .unwrap();
        let response = serde_json::to_value(suggestion.respond()).unwrap();
        assert_eq!(response.as_object().map(|o| o.len()), Some(2));
        documented(&d, &methods["suggestscore"]["response"], &response, "").unwrap();
    }
}
