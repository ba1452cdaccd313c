//! Request extractors: who is calling and what they sent.
//!
//! * [`Auth<R>`]: the bearer key, authenticated (401), rate-limited (429) and checked
//!   against the roles `R` admits (403), in that order. A handler's signature says who may
//!   call it: `Auth<Moderator>`. The Perspective-compatible route also takes the key as
//!   `?key=` ([`Auth::from_header_or_query`]).
//! * [`Json<T>`]: a JSON body (415 unless `application/json`, 413 over the size limit,
//!   408 when it takes longer than `http.body_timeout_seconds` to arrive, 400 naming the
//!   field for malformed input; unknown fields are rejected).
//! * [`QueryParams`]: query-string parameters, each parsed by name, unknown names rejected.

use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{BytesMut, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::{ApiKey, Roles};
use crate::failure::Failure;
use crate::ids::{CommunityId, KeyId};
use crate::Code;

/// An authenticated caller whose role is one of `R::ROLES`.
pub struct Auth<R: Roles> {
    pub key: Arc<ApiKey>,
    _roles: PhantomData<R>,
}

impl<R: Roles> Auth<R> {
    pub fn id(&self) -> &KeyId {
        &self.key.id
    }

    pub fn is_admin(&self) -> bool {
        self.key.is_admin()
    }

    /// `not_found` unless the key's scope includes `community`.
    pub fn require(&self, community: &CommunityId, what: &str) -> Result<(), Failure> {
        self.key.require(community, what)
    }

    /// The communities a listing covers: the one the request names (`not_found` unless
    /// it is in the key's scope), else all of the key's (`None`: every community).
    pub fn communities(
        &self,
        named: Option<CommunityId>,
    ) -> Result<Option<Vec<CommunityId>>, Failure> {
        match named {
            Some(c) => {
                self.require(&c, "community")?;
                Ok(Some(vec![c]))
            }
            None => Ok(self.key.scope.communities()),
        }
    }
}

pub(crate) fn state(req: &HttpRequest) -> Result<&Data<AppState>, Failure> {
    req.app_data::<Data<AppState>>()
        .ok_or_else(|| Failure::internal("application state missing"))
}

fn authenticate<R: Roles>(req: &HttpRequest) -> Result<Auth<R>, Failure> {
    let token = bearer(req)?
        .ok_or_else(|| Failure::unauthorized("missing `Authorization: Bearer <key>` header"))?;
    authenticate_token(req, token)
}

/// The bearer token of the `Authorization` header, if there is one.
fn bearer(req: &HttpRequest) -> Result<Option<&str>, Failure> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .map(Some)
        .ok_or_else(|| Failure::unauthorized("expected `Authorization: Bearer <key>`"))
}

fn authenticate_token<R: Roles>(req: &HttpRequest, token: &str) -> Result<Auth<R>, Failure> {
    let state = state(req)?;
    let key = state
        .keys
        .authenticate(token)
        .ok_or_else(|| Failure::unauthorized("invalid or revoked API key"))?;
    // For the request log: which key, never the secret.
    req.extensions_mut().insert(key.id.clone());
    state.limiter.check(&key.id)?;
    if !R::ROLES.contains(&key.role) {
        return Err(Failure::forbidden(format!(
            "the `{}` role may not do this",
            key.role
        )));
    }
    Ok(Auth {
        key,
        _roles: PhantomData,
    })
}

impl<R: Roles> Auth<R> {
    /// Authenticates with the bearer key, or, when the request has no `Authorization`
    /// header, with `query_key`: the `?key=` that Perspective's clients send. Only the
    /// Perspective route accepts it; Warden's request log never records query strings, so
    /// the key does not end up there. Both at once is refused rather than guessed between.
    pub(crate) fn from_header_or_query(
        req: &HttpRequest,
        query_key: Option<&str>,
    ) -> Result<Auth<R>, Failure> {
        match (bearer(req)?, query_key) {
            (Some(_), Some(_)) => Err(Failure::invalid_field(
                "key",
                "give the key either in the `Authorization` header or as `?key=`, not both",
            )),
            (Some(token), None) | (None, Some(token)) => authenticate_token(req, token),
            (None, None) => Err(Failure::unauthorized(
                "missing key: send `Authorization: Bearer <key>` or `?key=<key>`",
            )),
        }
    }
}

impl<R: Roles> FromRequest for Auth<R> {
    type Error = Failure;
    type Future = Ready<Result<Self, Failure>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// A JSON request body, parsed with the field named in any error.
pub struct Json<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let mime = v.split(';').next().unwrap_or_default().trim();
            mime.eq_ignore_ascii_case("application/json")
                || mime.to_ascii_lowercase().ends_with("+json")
        })
        .unwrap_or(false)
}

fn too_large(limit: usize) -> Failure {
    Failure::new(
        Code::PayloadTooLarge,
        format!("request body larger than {limit} bytes"),
    )
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = Failure;
    type Future = LocalBoxFuture<'static, Result<Self, Failure>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (limit, timeout) = match state(req) {
            Ok(state) => (
                state.config.http.max_body_bytes,
                std::time::Duration::from_secs(state.config.http.body_timeout_seconds),
            ),
            Err(f) => return Box::pin(ready(Err(f))),
        };
        if !is_json(req) {
            return Box::pin(ready(Err(Failure::new(
                Code::UnsupportedMediaType,
                "the body must be JSON (`Content-Type: application/json`)",
            ))));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Box::pin(ready(Err(too_large(limit))));
        }
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = BytesMut::with_capacity(declared.unwrap_or(1024).min(1 << 16) as usize);
            let read = async {
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|_| {
                        Failure::new(Code::InvalidJson, "could not read the request body")
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(())
            };
            // The whole body, not each chunk: a byte every few seconds must not hold the
            // connection open indefinitely.
            tokio::time::timeout(timeout, read).await.map_err(|_| {
                Failure::new(
                    Code::RequestTimeout,
                    format!(
                        "the request body did not arrive within {} seconds",
                        timeout.as_secs()
                    ),
                )
            })??;
            crate::error::parse_json::<T>(&body)
                .map(Json)
                .map_err(Failure::from)
        })
    }
}

/// Query-string parameters by name. Call [`QueryParams::finish`] after taking the known
/// ones, so an unknown parameter is an error rather than silently ignored.
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    pub fn parse(req: &HttpRequest) -> Result<QueryParams, Failure> {
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|_| Failure::new(Code::InvalidField, "malformed query string"))?
            .into_inner();
        Ok(QueryParams { pairs })
    }

    /// The value of `name`, parsed; `None` when absent or empty.
    pub fn take<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>, Failure>
    where
        T::Err: std::fmt::Display,
    {
        let mut value = None;
        let mut i = 0;
        while i < self.pairs.len() {
            if self.pairs[i].0 == name {
                let (_, v) = self.pairs.remove(i);
                if value.is_some() {
                    return Err(Failure::invalid_field(name, "given more than once"));
                }
                value = Some(v);
            } else {
                i += 1;
            }
        }
        match value.filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e| Failure::invalid_field(name, e)),
        }
    }

    pub fn finish(self) -> Result<(), Failure> {
        match self.pairs.first() {
            Some((name, _)) => Err(Failure::new(
                Code::UnknownField,
                format!("unknown field `{name}`"),
            )),
            None => Ok(()),
        }
    }
}
