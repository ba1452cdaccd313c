//! Why a moderation-service operation did not happen: a stable [`Code`] and a message that
//! is safe to show the caller (it never contains user text or secrets).
//!
//! The codes are transport-independent; `http::error` maps each one to an HTTP status in a
//! single table, so the store and the queue can refuse things without knowing about HTTP.

use std::fmt;

/// Stable, machine-readable reasons. The string forms are API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

impl Code {
    pub const ALL: [Code; 19] = [
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
    ];

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
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused or failed operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    code: Code,
    message: String,
    retry_after: Option<u64>,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn code(&self) -> Code {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Seconds after which retrying makes sense (for `rate_limited`).
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn not_found(what: &str) -> Failure {
        Failure::new(Code::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Failure {
        Failure::new(Code::Forbidden, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Failure {
        Failure::new(Code::Unauthorized, message)
    }

    pub fn lease_conflict(message: impl Into<String>) -> Failure {
        Failure::new(Code::LeaseConflict, message)
    }

    pub fn invalid_state(message: impl Into<String>) -> Failure {
        Failure::new(Code::InvalidState, message)
    }

    pub fn invalid_field(field: &str, reason: impl fmt::Display) -> Failure {
        Failure::new(Code::InvalidField, format!("invalid `{field}`: {reason}"))
    }

    pub fn unprocessable(message: impl Into<String>) -> Failure {
        Failure::new(Code::Unprocessable, message)
    }

    pub fn rate_limited(retry_after: u64) -> Failure {
        Failure {
            code: Code::RateLimited,
            message: "rate limit exceeded for this key".into(),
            retry_after: Some(retry_after.max(1)),
        }
    }

    pub fn not_ready(message: impl Into<String>) -> Failure {
        Failure::new(Code::NotReady, message)
    }

    /// A storage or runtime failure. `detail` goes to the log, never to the client.
    pub fn internal(detail: impl fmt::Display) -> Failure {
        tracing::error!(%detail, "internal error");
        Failure::new(Code::Internal, "internal error")
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl std::error::Error for Failure {}

/// Parse errors keep their code and message (they name the field); everything else is
/// internal.
impl From<crate::Error> for Failure {
    fn from(err: crate::Error) -> Failure {
        use crate::error::RequestError;
        let code = match err.request_error() {
            Some(RequestError::InvalidJson) => Code::InvalidJson,
            Some(RequestError::InvalidUtf8) => Code::InvalidUtf8,
            Some(RequestError::MissingField) => Code::MissingField,
            Some(RequestError::UnknownField) => Code::UnknownField,
            Some(RequestError::InvalidField) => Code::InvalidField,
            None => return Failure::internal(err),
        };
        Failure::new(code, err.to_string())
    }
}
