//! Operations endpoints, unauthenticated: liveness, readiness, metrics, the API document.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::clock::Timestamp;
use crate::domain::item::QueueName;
use crate::failure::Failure;
use crate::http::openapi::OPENAPI;
use crate::http::{blocking, status, AppState};
use crate::moderation::operations;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 when every readiness check passes, else 503 with the error shape and the checks.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // The store check asks the database: off the executor.
    let checks = blocking(move || Ok(state.readiness()))
        .await
        .unwrap_or_else(|_| vec![("store", false)]);
    let map: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(name, ok)| (name.to_string(), json!(ok)))
        .collect();
    if checks.iter().all(|(_, ok)| *ok) {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": map}))
    } else {
        let f = Failure::not_ready("not ready");
        HttpResponse::build(status(f.code())).json(json!({
            "error": {"code": f.code().as_str(), "message": f.message()},
            "checks": map,
        }))
    }
}

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, Failure> {
    let s = state.clone();
    let (depths, operations) = blocking(move || {
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
    .await?;
    let mut body = state.metrics.render(&depths);
    crate::http::metrics::render_operations(&mut body, &operations);
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

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(OPENAPI)
}
