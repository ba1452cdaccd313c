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

/// The errors that are the caller's request's fault, for `Failure`'s codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestError {
    InvalidJson,
    InvalidUtf8,
    MissingField,
    UnknownField,
    InvalidField,
}

/// The standard `Result` of Warden.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A stable, machine-readable code (`invalid_json`, `missing_field`, …).
    pub fn code(&self) -> &'static str {
        match &self.kind {
            Kind::InvalidJson(_) => "invalid_json",
            Kind::InvalidUtf8 => "invalid_utf8",
            Kind::MissingField(_) => "missing_field",
            Kind::InvalidField { .. } => "invalid_field",
            Kind::UnknownField(_) => "unknown_field",
            Kind::LineTooLong(_) => "line_too_long",
            Kind::EmptyLine => "empty_line",
            Kind::Wordlist { .. } => "invalid_wordlist",
            Kind::Io { .. } => "io_error",
            Kind::Config(_) => "invalid_config",
            Kind::Model(_) => "model_error",
        }
    }

    /// What kind of bad request this is, if it is one (the API passes these on with
    /// their message; everything else is internal to it).
    pub(crate) fn request_error(&self) -> Option<RequestError> {
        match &self.kind {
            Kind::InvalidJson(_) => Some(RequestError::InvalidJson),
            Kind::InvalidUtf8 => Some(RequestError::InvalidUtf8),
            Kind::MissingField(_) => Some(RequestError::MissingField),
            Kind::UnknownField(_) => Some(RequestError::UnknownField),
            Kind::InvalidField { .. } => Some(RequestError::InvalidField),
            _ => None,
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
                assert_eq!((err.code(), err.to_string().as_str()), ($code, $message));
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
        assert_eq!(err.code(), "invalid_utf8");
    }

    t!(
        nested_missing,
        r#"{"text":"a","inner":{}}"#,
        "missing_field",
        "missing required field `inner.n`"
    );
}
