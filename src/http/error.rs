//! The one table from failure codes to HTTP statuses, and the one error body:
//! `{"error": {"code": "…", "message": "…"}}`.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::failure::Failure;
use crate::Code;

/// The HTTP status of each code. Codes and statuses are API: never change a row. The
/// README's "Errors" table and `/openapi.json` list the same codes ([`Code::SERVICE`]);
/// `tests` below and the integration tests hold them to it.
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
        // The engine's own codes are never served: `Failure::from(Error)` makes them
        // `internal` (and `Failure::new` refuses them in debug builds).
        Code::LineTooLong
        | Code::EmptyLine
        | Code::InvalidWordlist
        | Code::IoError
        | Code::InvalidConfig
        | Code::ModelError => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error body of every Warden route: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct Body<'a> {
    #[schema(inline)]
    pub error: Detail<'a>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Detail<'a> {
    /// What went wrong, for programs: one of the codes of the README's "Errors" table.
    #[schema(schema_with = service_codes)]
    pub code: Code,
    /// What went wrong, for people. Never user text or a secret.
    pub message: &'a str,
}

/// The codes the API answers with, for the document: exactly [`Code::SERVICE`].
fn service_codes() -> utoipa::openapi::schema::Object {
    let codes: Vec<&str> = Code::SERVICE.iter().map(|c| c.as_str()).collect();
    crate::schema::one_of(&codes)
}

/// `GET /readyz` when a check fails: the error shape, and the checks by name.
#[derive(Serialize, ToSchema)]
pub(crate) struct NotReady<'a> {
    #[schema(inline)]
    pub error: Detail<'a>,
    pub checks: BTreeMap<&'static str, bool>,
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
                code: self.code(),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The README's "Errors" table: every code the API answers with, at its status.
    #[test]
    fn readme_error_table_is_the_status_table() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("\n### Errors\n")
            .nth(1)
            .expect("README has an Errors section");
        let documented: BTreeSet<(u16, &str)> = section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                Some((cells[1].parse::<u16>().ok()?, cells[2]))
            })
            .flat_map(|(status, codes)| {
                codes
                    .split(',')
                    .map(move |c| (status, c.trim().trim_matches('`')))
            })
            .collect();
        let ours: BTreeSet<(u16, &str)> = Code::SERVICE
            .iter()
            .map(|&c| (status(c).as_u16(), c.as_str()))
            .collect();
        assert_eq!(documented, ours);
    }

    #[test]
    fn only_service_codes_are_served() {
        for code in Code::ALL {
            assert_eq!(
                code.is_service(),
                code == Code::Internal || status(code) != StatusCode::INTERNAL_SERVER_ERROR,
                "{code}"
            );
        }
    }
}
