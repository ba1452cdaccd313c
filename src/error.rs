//! Warden's error type: one opaque [`Error`] with a stable machine-readable [`code`] and
//! a human message. The variants stay private so they can grow without breaking callers.
//!
//! [`code`]: Error::code

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error from any part of Warden. Match on [`Error::code`], not on the message.
pub struct Error {
    kind: Kind,
}

enum Kind {
    InvalidJson(String),
    InvalidUtf8,
    MissingField(String),
    InvalidField {
        field: String,
        reason: String,
    },
    UnknownField(String),
    LineTooLong(usize),
    EmptyLine,
    Wordlist {
        source: String,
        line: usize,
        reason: String,
    },
    Io {
        path: Option<PathBuf>,
        err: io::Error,
    },
    Config(String),
    Model(String),
}

/// Stable, machine-readable reasons, one enum for the whole crate: the engine's
/// [`Error::code`], the moderation service's `Failure::code` and the JSON API's
/// `{"error": {"code": …}}` all speak it. The string forms ([`Code::as_str`]) are API.
///
/// The HTTP API answers with the codes in [`Code::SERVICE`] only (the README's "Errors"
/// table, `openapi.json` and `http::error::status` list exactly those); the others are the
/// engine's own (the CLI prints them) and reach an HTTP client as `internal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    InvalidJson,
    InvalidUtf8,
    MissingField,
    UnknownField,
    InvalidField,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The item is leased by someone else, or the caller's lease is gone.
    LeaseConflict,
    /// The item is not in a state that allows the operation.
    InvalidState,
    /// A re-submission names another author without saying the content changed hands.
    AuthorConflict,
    PayloadTooLarge,
    /// The request body did not arrive within `http.body_timeout_seconds`.
    RequestTimeout,
    UnsupportedMediaType,
    /// Well-formed but semantically invalid (a policy whose thresholds are out of order).
    Unprocessable,
    RateLimited,
    NotReady,
    Internal,
    /// A `warden score` input line over the line limit.
    LineTooLong,
    /// A blank `warden score` input line.
    EmptyLine,
    InvalidWordlist,
    IoError,
    InvalidConfig,
    ModelError,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 25] = [
        Code::InvalidJson,
        Code::InvalidUtf8,
        Code::MissingField,
        Code::UnknownField,
        Code::InvalidField,
        Code::Unauthorized,
        Code::Forbidden,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::LeaseConflict,
        Code::InvalidState,
        Code::AuthorConflict,
        Code::PayloadTooLarge,
        Code::RequestTimeout,
        Code::UnsupportedMediaType,
        Code::Unprocessable,
        Code::RateLimited,
        Code::NotReady,
        Code::Internal,
        Code::LineTooLong,
        Code::EmptyLine,
        Code::InvalidWordlist,
        Code::IoError,
        Code::InvalidConfig,
        Code::ModelError,
    ];

    /// The codes a moderation-service `Failure` carries, so the ones the HTTP API answers
    /// with: the first 19 of [`Code::ALL`].
    pub const SERVICE: &'static [Code] = Code::ALL.as_slice().split_at(19).0;

    /// The machine-readable form (`invalid_json`, `lease_conflict`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJson => "invalid_json",
            Code::InvalidUtf8 => "invalid_utf8",
            Code::MissingField => "missing_field",
            Code::UnknownField => "unknown_field",
            Code::InvalidField => "invalid_field",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::LeaseConflict => "lease_conflict",
            Code::InvalidState => "invalid_state",
            Code::AuthorConflict => "author_conflict",
            Code::PayloadTooLarge => "payload_too_large",
            Code::RequestTimeout => "request_timeout",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::Unprocessable => "unprocessable",
            Code::RateLimited => "rate_limited",
            Code::NotReady => "not_ready",
            Code::Internal => "internal",
            Code::LineTooLong => "line_too_long",
            Code::EmptyLine => "empty_line",
            Code::InvalidWordlist => "invalid_wordlist",
            Code::IoError => "io_error",
            Code::InvalidConfig => "invalid_config",
            Code::ModelError => "model_error",
        }
    }

    /// Whether the code is one the HTTP API answers with ([`Code::SERVICE`]).
    pub fn is_service(self) -> bool {
        Code::SERVICE.contains(&self)
    }

    /// Whether the request itself is malformed (bad JSON, a bad or missing field): the
    /// engine's errors the service passes on with their code and message.
    pub fn is_bad_request(self) -> bool {
        matches!(
            self,
            Code::InvalidJson
                | Code::InvalidUtf8
                | Code::MissingField
                | Code::UnknownField
                | Code::InvalidField
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The standard `Result` of Warden.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A stable, machine-readable code (`invalid_json`, `missing_field`, …).
    pub fn code(&self) -> Code {
        match &self.kind {
            Kind::InvalidJson(_) => Code::InvalidJson,
            Kind::InvalidUtf8 => Code::InvalidUtf8,
            Kind::MissingField(_) => Code::MissingField,
            Kind::InvalidField { .. } => Code::InvalidField,
            Kind::UnknownField(_) => Code::UnknownField,
            Kind::LineTooLong(_) => Code::LineTooLong,
            Kind::EmptyLine => Code::EmptyLine,
            Kind::Wordlist { .. } => Code::InvalidWordlist,
            Kind::Io { .. } => Code::IoError,
            Kind::Config(_) => Code::InvalidConfig,
            Kind::Model(_) => Code::ModelError,
        }
    }

    /// Classifies a JSON error at `path` (as `serde_path_to_error` reports it) so clients
    /// get `unknown_field`, `missing_field` or `invalid_field` with the field named.
    pub(crate) fn from_json(path: &str, err: &serde_json::Error) -> Error {
        let msg = err.to_string();
        let msg = msg.split(" at line ").next().unwrap_or_default();
        let kind = if let Some(field) = between(msg, "unknown field `", "`") {
            // The path of an unknown field already ends with the field itself.
            Kind::UnknownField(if path.is_empty() || path == "." {
                field.to_string()
            } else {
                path.to_string()
            })
        } else if let Some(field) = between(msg, "missing field `", "`") {
            Kind::MissingField(join_path(path, field))
        } else if err.is_data() {
            Kind::InvalidField {
                field: if path.is_empty() || path == "." {
                    "body".into()
                } else {
                    path.into()
                },
                reason: msg.to_string(),
            }
        } else {
            Kind::InvalidJson(err.to_string())
        };
        Error { kind }
    }

    pub(crate) fn invalid_utf8() -> Error {
        Error {
            kind: Kind::InvalidUtf8,
        }
    }

    pub(crate) fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error {
            kind: Kind::InvalidField {
                field: field.into(),
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn line_too_long(limit: usize) -> Error {
        Error {
            kind: Kind::LineTooLong(limit),
        }
    }

    pub(crate) fn empty_line() -> Error {
        Error {
            kind: Kind::EmptyLine,
        }
    }

    pub(crate) fn wordlist(
        source: impl Into<String>,
        line: usize,
        reason: impl Into<String>,
    ) -> Error {
        Error {
            kind: Kind::Wordlist {
                source: source.into(),
                line,
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn io(path: Option<PathBuf>, err: io::Error) -> Error {
        Error {
            kind: Kind::Io { path, err },
        }
    }

    pub(crate) fn model(msg: impl Into<String>) -> Error {
        Error {
            kind: Kind::Model(msg.into()),
        }
    }

    pub(crate) fn config(msg: impl Into<String>) -> Error {
        Error {
            kind: Kind::Config(msg.into()),
        }
    }
}

/// Parses a JSON document, naming the offending field in errors.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    // Tracking the path costs on every element of a large body (a 1,000-subject
    // `:check`); only a failed parse needs it, so parse plainly first.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    // A body that is not UTF-8 is not JSON either, but the caller's fix differs (the
    // encoding, not the syntax), so it gets its own documented code.
    if std::str::from_utf8(bytes).is_err() {
        return Err(Error::invalid_utf8());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| Error::from_json(&err.path().to_string(), err.inner()))?;
    de.end().map_err(|err| Error::from_json("", &err))?;
    Ok(value)
}

fn join_path(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::InvalidJson(msg) => write!(f, "invalid JSON: {msg}"),
            Kind::InvalidUtf8 => write!(f, "input is not valid UTF-8"),
            Kind::MissingField(field) => write!(f, "missing required field `{field}`"),
            Kind::InvalidField { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            Kind::UnknownField(field) => write!(f, "unknown field `{field}`"),
            Kind::LineTooLong(limit) => write!(f, "line longer than {limit} bytes"),
            Kind::EmptyLine => write!(f, "empty line"),
            Kind::Wordlist {
                source,
                line,
                reason,
            } => write!(f, "wordlist {source}, line {line}: {reason}"),
            Kind::Io {
                path: Some(path),
                err,
            } => write!(f, "{}: {err}", path.display()),
            Kind::Io { path: None, err } => write!(f, "{err}"),
            Kind::Config(msg) => write!(f, "configuration: {msg}"),
            Kind::Model(msg) => write!(f, "model: {msg}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {self})", self.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Io { err, .. } => Some(err),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::io(None, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        text: String,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    macro_rules! t {
        ($name:ident, $input:expr, $code:expr, $message:expr) => {
            #[test]
            fn $name() {
                let err = parse_json::<Input>($input.as_bytes()).unwrap_err();
                assert_eq!(
                    (err.code().as_str(), err.to_string().as_str()),
                    ($code, $message)
                );
            }
        };
    }

    t!(
        syntax,
        "{",
        "invalid_json",
        "invalid JSON: EOF while parsing an object at line 1 column 1"
    );
    t!(
        trailing,
        r#"{"text":"a"} x"#,
        "invalid_json",
        "invalid JSON: trailing characters at line 1 column 14"
    );
    t!(
        unknown,
        r#"{"text":"a","x":1}"#,
        "unknown_field",
        "unknown field `x`"
    );
    t!(
        missing,
        r#"{}"#,
        "missing_field",
        "missing required field `text`"
    );
    t!(
        wrong_type,
        r#"{"text":1}"#,
        "invalid_field",
        "invalid `text`: invalid type: integer `1`, expected a string"
    );
    t!(
        nested,
        r#"{"text":"a","inner":{"n":-1}}"#,
        "invalid_field",
        "invalid `inner.n`: invalid value: integer `-1`, expected u32"
    );
    #[test]
    fn not_utf8() {
        let err = parse_json::<Input>(b"{\"text\":\"\xff\"}").unwrap_err();
        assert_eq!(err.code(), Code::InvalidUtf8);
    }

    t!(
        nested_missing,
        r#"{"text":"a","inner":{}}"#,
        "missing_field",
        "missing required field `inner.n`"
    );
}
