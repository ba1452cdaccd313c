//! Why a moderation-service operation did not happen: a stable [`Code`] (one of
//! [`Code::SERVICE`]) and a message that is safe to show the caller (it never contains
//! user text or secrets).
//!
//! The codes are transport-independent; `http::error` maps each one to an HTTP status in a
//! single table, so the store and the queue can refuse things without knowing about HTTP.

use std::fmt;

use crate::Code;

/// A refused or failed operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    code: Code,
    message: String,
    retry_after: Option<u64>,
}

impl Failure {
    /// A failure with `code`, one of [`Code::SERVICE`].
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        debug_assert!(code.is_service(), "{code} is not a service code");
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
        match err.code() {
            code if code.is_bad_request() => Failure::new(code, err.to_string()),
            _ => Failure::internal(err),
        }
    }
}
