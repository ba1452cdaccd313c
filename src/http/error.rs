//! The one table from failure codes to HTTP statuses, and the one error body:
//! `{"error": {"code": "…", "message": "…"}}`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::failure::{Code, Failure};

/// The HTTP status of each code. Codes and statuses are API: never change a row.
pub fn status(code: Code) -> StatusCode {
    match code {
        Code::InvalidJson
        | Code::InvalidUtf8
        | Code::MissingField
        | Code::UnknownField
        | Code::InvalidField => StatusCode::BAD_REQUEST,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::LeaseConflict | Code::InvalidState | Code::AuthorConflict => StatusCode::CONFLICT,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::NotReady => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

/// The challenge on every 401. RFC 6750's scheme with a realm: a bare `Bearer` is valid
/// HTTP, but httplib2 (under google-api-python-client) refuses to parse it and raises
/// `MalformedHeader` instead of the `HttpError` its callers handle.
pub(crate) const BEARER_CHALLENGE: &str = "Bearer realm=\"warden\"";

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        status(self.code())
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.code() == Code::Unauthorized {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BEARER_CHALLENGE),
            ));
        }
        response.json(Body {
            error: Detail {
                code: self.code().as_str(),
                message: self.message(),
            },
        })
    }
}

/// For routes that match no resource.
pub async fn not_found() -> Result<HttpResponse, Failure> {
    Err(Failure::not_found("route"))
}

/// For a known path with the wrong method.
pub async fn method_not_allowed() -> Result<HttpResponse, Failure> {
    Err(Failure::new(
        Code::MethodNotAllowed,
        "method not allowed on this path",
    ))
}
