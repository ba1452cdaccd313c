//! Operations endpoints, unauthenticated: liveness, readiness, metrics, the API document.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::failure::Failure;
use crate::http::error::{Detail, NotReady};
use crate::http::metrics::STORE_FIGURES_FRESH_FOR;
use crate::http::openapi::openapi_json;
use crate::http::views::{Alive, Health, Ready, ReadyStatus};
use crate::http::{blocking, status, AppState};
use crate::moderation::operations;

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Operations",
    summary = "Liveness",
    description = "Answers while the process serves requests.",
    security(),
    responses((status = 200, description = "Alive", body = Health)),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: Alive::Ok })
}

/// 200 when every readiness check passes, else 503 with the error shape and the checks.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Operations",
    summary = "Readiness: the store accepts writes, the engine and the classifier are loaded",
    description = "The classifier check passes without a classifier when the configuration \
        runs on patterns only (`engine.patterns_only`).",
    security(),
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "Not ready: the error shape (`not_ready`) and the checks",
            body = NotReady),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // The store check asks the database (PostgreSQL): off the executor.
    let readiness = blocking(move || Ok(state.readiness()))
        .await
        .unwrap_or_else(|_| vec![("store", false)]);
    let ready = readiness.iter().all(|(_, ok)| *ok);
    let checks = readiness.into_iter().collect();
    if ready {
        HttpResponse::Ok().json(Ready {
            status: ReadyStatus::Ready,
            checks,
        })
    } else {
        let f = Failure::not_ready("not ready");
        HttpResponse::build(status(f.code())).json(NotReady {
            error: Detail {
                code: f.code(),
                message: f.message(),
            },
            checks,
        })
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Operations",
    summary = "Prometheus metrics",
    description = "Requests and latency by route, queue depth, decisions by action, scoring \
        (model) latency, flush latency, expired leases, the suppression log, connections \
        refused below the API. The figures read from the store (queue depths and ages, \
        the trailing day's operations) are read at most every 10 seconds per node.",
    security(),
    responses((status = 200, description = "Text exposition format 0.0.4", body = String,
        content_type = "text/plain; version=0.0.4")),
)]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, Failure> {
    let s = state.clone();
    let read = || {
        blocking(move || {
            let depths = QueueName::ALL
                .into_iter()
                .map(|q| Ok((q.as_str(), s.store.queue_depth(q)?)))
                .collect::<Result<Vec<_>, Failure>>()?;
            let now = Timestamp::now();
            let day_ago = Timestamp::from_millis(now.millis() - 86_400_000);
            let to = Timestamp::from_millis(now.millis() + 1);
            let report = operations::report(&*s.store, None, day_ago, to, now)?;
            Ok::<_, Failure>((depths, report))
        })
    };
    let figures = state
        .store_figures
        .get(STORE_FIGURES_FRESH_FOR, read)
        .await?;
    let (depths, operations) = &*figures;
    let mut body = state.metrics.render(depths);
    crate::http::metrics::render_operations(&mut body, operations);
    let (durable, active) = (state.suppressions.durable(), state.suppressions.active());
    body.push_str(&format!(
        "# HELP warden_suppression_log_seq The last durable suppression change-log seq.\n\
         # TYPE warden_suppression_log_seq gauge\nwarden_suppression_log_seq {durable}\n\
         # HELP warden_suppression_rules_active Suppression rules active now.\n\
         # TYPE warden_suppression_rules_active gauge\nwarden_suppression_rules_active {active}\n"
    ));
    crate::http::protocol::render(&mut body);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Operations",
    summary = "This document",
    description = "Generated from the server's types and handlers.",
    security(),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)),
)]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(openapi_json())
}
