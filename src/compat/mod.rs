//! Drop-in APIs: Warden behind the request and response shapes of two hosted services, so
//! their existing clients work against Warden by changing only the base URL and the key.
//!
//! * [`perspective`]: Google's Perspective API (`POST /v1alpha1/comments:analyze`,
//!   `POST /v1alpha1/comments:suggestscore`, and the discovery document its client
//!   libraries build from).
//! * [`openai`]: OpenAI's moderation endpoint (`POST /v1/moderations`).
//!
//! This module owns the translation, and nothing else: the vendors' request types and how
//! they are validated, the tables from Warden's categories to the vendors' attributes and
//! categories, the response shapes, and the vendors' error shapes (every error on these
//! routes, including authentication and rate limiting, comes back in the vendor's shape,
//! because that is what the clients parse). Scoring is Warden's own, through the same
//! scorer as `POST /v1/moderate`. Only `suggestscore` leads to anything stored: the
//! score feedback record it translates to (`crate::domain::feedback`), which holds no text. The
//! HTTP handlers live in `http::routes::compat` and stay thin.

pub mod openai;
pub mod perspective;

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use serde_path_to_error::Segment;

use crate::failure::Failure;
use crate::Code;

/// A score as the vendors report it: in 0..1, never NaN, rounded to six decimals so that
/// arithmetic noise does not show (`f32` serializes to its shortest decimal form, so 0.6
/// goes out as `0.6`, not 0.6000000238).
fn clamp_score(score: f32) -> f32 {
    if !score.is_finite() {
        return 0.0;
    }
    let rounded = (f64::from(score.clamp(0.0, 1.0)) * 1e6).round() / 1e6;
    rounded as f32
}

/// The UTF-16 offset of every code-point offset of `text` (one entry per code point, plus
/// one for the end). Warden's matches count code points; Perspective's spans count UTF-16
/// code units, as JavaScript and Java strings do.
fn utf16_offsets(text: &str) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(text.len() + 1);
    let mut at = 0u32;
    offsets.push(at);
    for c in text.chars() {
        at = at.saturating_add(c.len_utf16() as u32);
        offsets.push(at);
    }
    offsets
}

/// A drop-in request body: any JSON value, except that no object may give a key twice.
///
/// `serde_json::Value` keeps the last of duplicate keys, so `{"input": "hi", "input":
/// "<abuse>"}` would be scored on one text while a proxy or log that reads the first saw
/// another. Native routes refuse duplicates through their derived request types; the
/// drop-in requests are parsed from a `Value`, so the refusal happens here, while it is
/// read (the error names the object: `invalid `comment`: duplicate field `text``).
pub struct UniqueKeys(pub Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UniqueKeys, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so the fallback is unreachable from a parsed body.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        UniqueKeys::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(UniqueKeys(value)) = seq.next_element()? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// What the vendor error shapes need from a [`Failure`] raised before the translation
/// (authentication, rate limiting, a body that is not JSON).
#[derive(Debug, Clone, PartialEq)]
struct Transport {
    code: Code,
    message: String,
    retry_after: Option<u64>,
}

impl From<Failure> for Transport {
    fn from(f: Failure) -> Transport {
        Transport {
            code: f.code(),
            message: f.message().to_string(),
            retry_after: f.retry_after(),
        }
    }
}

/// The JSON type of a value, as error messages name it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Why a request body did not fit its type.
#[derive(Debug, Clone, PartialEq)]
enum Mismatch {
    /// A field the type does not have: its name and the path of the object it is in
    /// (empty for the body itself).
    Unknown { parent: String, name: String },
    /// A field of the wrong type or value: its path and serde's reason.
    Invalid { path: String, reason: String },
}

/// Deserializes a parsed body into a request type, keeping the path of a field that does
/// not fit, so each vendor can word the error its own way.
fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Mismatch> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let reason = err.inner().to_string();
        let mut segments: Vec<&Segment> = err.path().iter().collect();
        let unknown = reason
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next());
        match unknown {
            Some(name) => {
                // The path of an unknown field ends with the field itself.
                if matches!(segments.last(), Some(Segment::Map { key }) if key == name) {
                    segments.pop();
                }
                Mismatch::Unknown {
                    parent: join_path(&segments),
                    name: name.to_string(),
                }
            }
            None => Mismatch::Invalid {
                path: join_path(&segments),
                reason,
            },
        }
    })
}

/// `a.b[2].c`, the way both vendors name nested fields.
fn join_path(segments: &[&Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    path
}

/// A verdict with the given harm scores (0 for the others) and matches, for the mapping
/// tests of both APIs.
#[cfg(test)]
fn test_verdict(
    categories: &[(crate::verdict::Category, f32)],
    matches: Vec<crate::verdict::Match>,
) -> crate::verdict::Verdict {
    use crate::verdict::{Action, Category, EngineInfo, Verdict};
    Verdict {
        id: None,
        flagged: false,
        score: 0.0,
        categories: Category::HARM
            .into_iter()
            .map(|c| {
                let score = categories
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map_or(0.0, |p| p.1);
                (c, score)
            })
            .collect(),
        matches,
        action: Action::Allow,
        engine: EngineInfo {
            version: "0.1.0".into(),
            wordlists: "sha256:0".into(),
            languages: vec!["en".into()],
        },
        model: None,
        sensitive: Vec::new(),
        guards: Vec::new(),
        model_coverage: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        #[serde(default)]
        list: Vec<Inner>,
        #[serde(default)]
        n: Option<u8>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        text: String,
    }

    #[test]
    fn mismatches_name_the_field() {
        let cases = [
            (
                serde_json::json!({"x": 1}),
                Mismatch::Unknown {
                    parent: String::new(),
                    name: "x".into(),
                },
            ),
            (
                serde_json::json!({"list": [{"text": "a"}, {"text": "b", "y": 2}]}),
                Mismatch::Unknown {
                    parent: "list[1]".into(),
                    name: "y".into(),
                },
            ),
            (
                serde_json::json!({"list": [{"text": 5}]}),
                Mismatch::Invalid {
                    path: "list[0].text".into(),
                    reason: "invalid type: integer `5`, expected a string".into(),
                },
            ),
            (
                serde_json::json!({"n": 300}),
                Mismatch::Invalid {
                    path: "n".into(),
                    reason: "invalid value: integer `300`, expected u8".into(),
                },
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(from_value::<Outer>(&body).unwrap_err(), expected, "{body}");
        }
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs_twice() {
        // a, é (one unit), 😀 (two units), b
        assert_eq!(utf16_offsets("aé😀b"), vec![0, 1, 2, 4, 5]);
        assert_eq!(utf16_offsets(""), vec![0]);
    }

    #[test]
    fn scores_are_clamped_and_keep_their_short_form() {
        for (score, json) in [
            (0.6f32, "0.6"),
            (0.95, "0.95"),
            (0.0, "0.0"),
            (1.0, "1.0"),
            (f32::NAN, "0.0"),
            (1.5, "1.0"),
            (-0.1, "0.0"),
            (0.929_539_9, "0.92954"),
            ((0.8f32 - 0.6) / 0.4, "0.5"),
        ] {
            assert_eq!(serde_json::to_string(&clamp_score(score)).unwrap(), json);
        }
    }
}
