//! The route table. Each path is one resource with its methods; other methods on a known
//! path get 405 (in the vendor's shape on the drop-in routes). The same table produces [`ROUTES`], which the OpenAPI test checks
//! against `/openapi.json`, so an undocumented route cannot be added by accident.

mod audit;
mod communities;
mod compat;
pub(super) mod content;
mod history;
pub(crate) mod items;
mod keys;
mod notices;
mod operations;
mod ops;
mod queue;
mod subjects;
mod suppressions;
pub(crate) mod transparency;
mod webhooks;

use actix_web::web;

use super::console;
use super::error::method_not_allowed;

/// The handler for other methods on a path: the one given after `else`, or Warden's 405.
macro_rules! other_methods {
    () => {
        method_not_allowed
    };
    ($handler:path) => {
        $handler
    };
}

macro_rules! routes {
    ($($path:literal => { $($method:ident: $handler:path),+ $(,)? } $(else $other:path)?),+ $(,)?) => {
        /// Every `(method, path)` the API serves, paths in actix/OpenAPI template syntax.
        pub const ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)+];

        pub(super) fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $(.route(web::$method().to($handler)))+
                        .default_service(web::to(other_methods!($($other)?))),
                );
            )+
        }
    };
}

routes! {
    "/healthz" => { get: ops::healthz },
    "/readyz" => { get: ops::readyz },
    "/metrics" => { get: ops::metrics },
    "/openapi.json" => { get: ops::openapi },
    "/v1/moderate" => { post: content::moderate },
    // The drop-in routes answer every error in their vendor's shape, 405 included.
    "/v1alpha1/comments:analyze" => { post: compat::perspective_analyze }
        else compat::perspective_method_not_allowed,
    "/v1alpha1/comments:suggestscore" => { post: compat::perspective_suggest }
        else compat::perspective_method_not_allowed,
    // Perspective's discovery document, at both addresses Google's clients know.
    "/$discovery/rest" => { get: compat::perspective_discovery }
        else compat::perspective_discovery_method_not_allowed,
    "/discovery/v1/apis/commentanalyzer/v1alpha1/rest" => { get: compat::perspective_discovery }
        else compat::perspective_discovery_method_not_allowed,
    "/v1/moderations" => { post: compat::openai_moderations }
        else compat::openai_method_not_allowed,
    "/v1/content" => { post: content::submit },
    "/v1/content:batch" => { post: content::submit_batch },
    "/v1/queue" => { get: queue::list },
    "/v1/queue/claim" => { post: queue::claim },
    "/v1/items:bulk" => { post: operations::bulk },
    "/v1/items/{id}" => { get: items::get },
    "/v1/items/{id}/events" => { get: items::events },
    "/v1/items/{id}/decision" => { post: items::decide },
    "/v1/items/{id}/release" => { post: items::release },
    "/v1/items/{id}/appeal" => { post: items::appeal },
    "/v1/items/{id}/undo" => { post: items::undo },
    "/v1/items/{id}/author-history" => { get: history::author_history },
    "/v1/items/{id}/suppressions" => { get: suppressions::item_rules },
    "/v1/communities/{id}/policy" => { get: communities::get_policy, put: communities::put_policy },
    "/v1/communities/{id}/policy:suggest" => { get: operations::suggest },
    "/v1/communities/{id}/labels" => { get: operations::labels },
    "/v1/communities/{id}/wordlist" => { get: communities::get_wordlist, put: communities::put_wordlist },
    "/v1/keys" => { get: keys::list, post: keys::create },
    // Before `/v1/keys/{id}`, which would otherwise match it.
    "/v1/keys/self" => { get: keys::whoami },
    "/v1/keys/{id}" => { delete: keys::revoke },
    "/v1/audit" => { get: audit::list },
    "/v1/suppressions" => { get: suppressions::list },
    "/v1/suppressions/stream" => { get: suppressions::stream },
    "/v1/suppressions:check" => { post: suppressions::check },
    "/v1/subjects/{id}" => { delete: subjects::erase },
    "/v1/subjects/{id}/export" => { get: subjects::export },
    "/v1/items/{id}/statement" => { get: transparency::item_statement },
    "/v1/statements" => { get: transparency::statements },
    "/v1/reports/transparency" => { get: transparency::report },
    "/v1/reports" => { post: notices::create },
    "/v1/communities/{id}/trusted-flaggers/{reporter_id}" => { put: notices::trust, delete: notices::distrust },
    "/v1/communities/{id}/webhooks" => { get: webhooks::list, post: webhooks::create },
    "/v1/communities/{id}/webhooks/{webhook_id}" => { delete: webhooks::delete },
    "/v1/communities/{id}/webhooks/{webhook_id}/deliveries" => { get: webhooks::deliveries },
    "/v1/communities/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}:retry" => { post: webhooks::retry },
    "/v1/reports/operations" => { get: operations::report },
    "/v1/reports/precision" => { get: operations::precision },
    "/console" => { get: console::index },
    "/console/{asset}" => { get: console::asset },
}
