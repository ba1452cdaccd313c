//! The responses many operations share, for `#[utoipa::path]`: Warden's error responses
//! (components of the document, each the one error body), and the sets of them a kind of
//! route may answer with ([`KeyErrors`], [`BodyErrors`], [`VendorErrors`]), so each
//! handler lists only what is particular to it.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema, ToResponse, ToSchema};

use crate::compat::openai::OpenAiErrorBody;
use crate::compat::perspective::GoogleError;
use crate::http::error::Body;

// Warden's own error responses. The types are never built (hence `dead_code`): each only
// says, for `#[utoipa::path]`, what its response carries.

/// Malformed JSON, or a missing, unknown or invalid field (named in the message).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct BadRequest(Body<'static>);

/// Missing, invalid or revoked key.
#[derive(ToResponse)]
#[allow(dead_code)]
#[response(headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"warden\"`")))]
pub(crate) struct Unauthorized(Body<'static>);

/// The key's role may not do this.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Forbidden(Body<'static>);

/// No such item, key or community, or outside the key's scope (existence does not leak).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct NotFound(Body<'static>);

/// Lease, state or author conflict (`lease_conflict`, `invalid_state`, `author_conflict`).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Conflict(Body<'static>);

/// The body did not arrive within `http.body_timeout_seconds`.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct RequestTimeout(Body<'static>);

/// Body over the limit (`http.max_body_bytes`, 1 MiB by default).
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct PayloadTooLarge(Body<'static>);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct UnsupportedMediaType(Body<'static>);

/// Well-formed but semantically invalid.
#[derive(ToResponse)]
#[allow(dead_code)]
pub(crate) struct Unprocessable(Body<'static>);

/// The key's token bucket does not hold the request's cost: one token, plus one for every
/// further started `rate_limit.bytes_per_token` (1,024) bytes of text the request scores
/// (at most a full bucket). Retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[allow(dead_code)]
#[response(headers(("Retry-After" = u64, description = "Seconds until the request would fit")))]
pub(crate) struct RateLimited(Body<'static>);

/// For `#[utoipa::path]`: what every route that takes a key and admits only some roles
/// may answer before it does anything: 401 (no valid key), 403 (the role), 429 (the
/// key's rate limit).
pub(crate) struct KeyErrors;

impl IntoResponses for KeyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            named::<Unauthorized>(401),
            named::<Forbidden>(403),
            named::<RateLimited>(429),
        ])
    }
}

/// For `#[utoipa::path]`: what every route that reads a JSON body may answer about it:
/// 400 (malformed, or a field missing, unknown or invalid), 408 (too slow), 413 (too
/// large), 415 (not JSON).
pub(crate) struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            named::<BadRequest>(400),
            named::<RequestTimeout>(408),
            named::<PayloadTooLarge>(413),
            named::<UnsupportedMediaType>(415),
        ])
    }
}

/// `status`, answered with the shared response `R` (a reference to it).
fn named<'r, R: ToResponse<'r>>(status: u16) -> (String, RefOr<Response>) {
    let (name, _) = R::response();
    (status.to_string(), Ref::from_response_name(name).into())
}

/// For `#[utoipa::path]` on the drop-in routes: the failures raised before the vendor's
/// translation (the key, its role and rate limit, the body's transport, the community's
/// scope), each in the vendor's error shape `B`, with the vendor's words for it.
pub(crate) struct VendorErrors<B>(std::marker::PhantomData<B>);

impl<B: ToSchema + Vendor> IntoResponses for VendorErrors<B> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let body = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(B::name())))
                .build()
        };
        B::TRANSPORT
            .iter()
            .map(|&(status, description)| {
                let mut response = ResponseBuilder::new()
                    .description(description)
                    .content("application/json", body());
                if status == 429 {
                    response = response.header(
                        "Retry-After",
                        HeaderBuilder::new()
                            .schema(u64::schema())
                            .description(Some("Seconds until the request would fit"))
                            .build(),
                    );
                }
                (status.to_string(), response.build().into())
            })
            .collect()
    }
}

/// A vendor's error body, and what each transport failure is called in its words.
pub(crate) trait Vendor {
    const TRANSPORT: &'static [(u16, &'static str)];
}

impl Vendor for GoogleError {
    const TRANSPORT: &'static [(u16, &'static str)] = &[
        (401, "UNAUTHENTICATED: missing, invalid or revoked key"),
        (403, "PERMISSION_DENIED: the key's role may not score"),
        (404, "NOT_FOUND: `communityId` outside the key's scope"),
        (408, "DEADLINE_EXCEEDED: the body did not arrive in time"),
        (413, "INVALID_ARGUMENT: body over the limit"),
        (415, "INVALID_ARGUMENT: body is not `application/json`"),
        (
            429,
            "RESOURCE_EXHAUSTED: per-key rate limit; see `Retry-After`",
        ),
    ];
}

impl Vendor for OpenAiErrorBody {
    const TRANSPORT: &'static [(u16, &'static str)] = &[
        (401, "`invalid_api_key`: missing, invalid or revoked key"),
        (403, "The key's role may not score"),
        (408, "The body did not arrive in time"),
        (413, "Body over the limit"),
        (415, "Body is not `application/json`"),
        (
            429,
            "`rate_limit_exceeded`: per-key rate limit; see `Retry-After`",
        ),
    ];
}
