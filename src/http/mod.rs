//! The HTTP API (actix-web): application state, [`create_app`] (used by `warden serve`
//! and by the integration tests alike), and [`serve`].
//!
//! Handlers are thin: they authenticate through their extractor types, check community
//! scope, run storage and scoring off the async executor, wait for the group commit
//! before any 2xx that changed something, and render views. The lifecycle rules live in
//! `domain`, the use cases in `moderation`, storage in `store`.
//!
//! ```no_run
//! use warden::config::Config;
//! use warden::http::{serve, AppState};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load(None)?;
//! let engine = warden::Engine::builder().build()?;
//! let (state, admin_key) = AppState::open(config, engine)?;
//! if let Some(key) = admin_key {
//!     println!("admin key: {}", key.expose());
//! }
//! actix_web::rt::System::new().block_on(serve(state))?;
//! # Ok(())
//! # }
//! ```

mod cluster;
mod console;
mod error;
mod extract;
mod metrics;
mod openapi;
mod origin;
mod protocol;
mod ratelimit;
mod routes;
mod views;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{web, App, HttpMessage, HttpServer};

pub use self::error::status;
pub use self::extract::{Auth, Json};
pub use self::metrics::Metrics;
pub use self::openapi::openapi_json;
pub use self::protocol::layer as protocol_log_layer;
pub use self::routes::ROUTES;

use self::metrics::CoalescedBy;
use self::ratelimit::RateLimiter;
use crate::auth::{KeyRing, Secret};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::engine::Engine;
use crate::error::Error;
use crate::failure::Failure;
use crate::ids::KeyId;
use crate::moderation::changes::{self, Changes};
use crate::moderation::claims::{ClaimTurn, Claims};
use crate::moderation::coalesce::{Coalescer, Turn};
use crate::moderation::communities::Communities;
use crate::moderation::feed::Suppressions;
use crate::moderation::keys;
use crate::moderation::webhooks;
use crate::scorer::Scorer;
use crate::store::{GroupCommit, PgStore, SledStore, Store};

/// Everything the handlers share. One per server, behind `web::Data`.
pub struct AppState {
    pub(crate) config: Config,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) commit: GroupCommit,
    pub(crate) keys: KeyRing,
    pub(crate) communities: Communities,
    pub(crate) scorer: Scorer,
    /// Stores concurrent submissions together (see `moderation::coalesce`).
    pub(crate) submissions: Coalescer,
    /// Writes concurrent changes of single items together (see `moderation::changes`).
    pub(crate) changes: Changes,
    pub(crate) limiter: RateLimiter,
    pub(crate) metrics: Arc<Metrics>,
    /// The suppression change log's durable watermark and active-rule index.
    pub(crate) suppressions: Arc<Suppressions>,
    /// Set when the server stops: ends the Server-Sent Events streams, which would
    /// otherwise hold a graceful shutdown open.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
    /// Makes concurrent claims of one queue and scope together (see
    /// `moderation::claims::Claims`).
    pub(crate) claims: Claims,
    /// Per-reporter report counts for the communities' rate limits.
    pub(crate) reports: crate::moderation::notices::ReportLimiter,
    /// When this node last looked for expired leases before a claim or a queue read.
    pub(crate) lease_checks: crate::moderation::claims::LeaseChecks,
    /// What `/metrics` last read from the store (see `metrics::STORE_FIGURES_FRESH_FOR`).
    pub(crate) store_figures: self::metrics::Recent<self::metrics::Figures>,
}

impl AppState {
    /// Opens the store in `config.data_dir` and builds the state. On first start with no
    /// keys, creates an admin key: from `config.admin_key`, or a random one that is
    /// returned so the caller can show it once.
    pub fn open(
        config: Config,
        engine: Engine,
    ) -> Result<(web::Data<AppState>, Option<Secret>), Error> {
        let store: Arc<dyn Store> = match &config.store.url {
            Some(url) => Arc::new(PgStore::open(url)?),
            None => Arc::new(SledStore::open(
                &config.data_dir,
                config.store.cache_mb << 20,
            )?),
        };
        AppState::with_store(config, engine, store)
    }

    /// As [`AppState::open`], with a store already opened.
    pub fn with_store(
        config: Config,
        engine: Engine,
        store: Arc<dyn Store>,
    ) -> Result<(web::Data<AppState>, Option<Secret>), Error> {
        let startup = |f: Failure| Error::config(format!("store: {}", f.message()));
        let (keys, shown) = keys::bootstrap(&*store, config.admin_key.as_deref(), Timestamp::now())
            .map_err(|f| Error::config(f.message().to_string()))?;
        let metrics = Arc::new(Metrics::default());
        let on_flush = {
            let metrics = metrics.clone();
            move |took: Duration| metrics.flush(took)
        };
        let suppressions = Arc::new(Suppressions::load(&*store).map_err(startup)?);
        let on_durable = {
            let (suppressions, store) = (suppressions.clone(), store.clone());
            move |mark: u64| {
                if let Err(e) = suppressions.advance(&*store, mark) {
                    tracing::error!(error = %e, "suppression index did not advance");
                }
            }
        };
        let on_batch = {
            let metrics = metrics.clone();
            move |n: usize, took: Duration| metrics.scoring_batch(n, took)
        };
        let on_turn = {
            let metrics = metrics.clone();
            move |turn: Turn, took: Duration| {
                metrics.coalesced(CoalescedBy::Submissions, turn.requests, turn.split, took);
            }
        };
        let on_change_turn = {
            let metrics = metrics.clone();
            move |turn: changes::Turn, took: Duration| {
                metrics.coalesced(CoalescedBy::Changes, turn.changes, turn.split, took);
            }
        };
        let on_claim_turn = {
            let metrics = metrics.clone();
            move |turn: ClaimTurn, took: Duration| {
                metrics.coalesced(CoalescedBy::Claims, turn.claims, turn.split, took);
            }
        };
        let state = AppState {
            commit: GroupCommit::start(store.clone(), on_flush, on_durable),
            submissions: Coalescer::start(store.clone(), on_turn),
            changes: Changes::start(store.clone(), on_change_turn),
            keys: KeyRing::new(keys),
            communities: Communities::new(engine.clone(), store.clone()),
            scorer: Scorer::new(
                engine,
                Config::threads(config.engine.workers),
                config.engine.max_batch,
                (
                    config.engine.max_model_windows,
                    config.engine.max_request_model_windows,
                ),
                on_batch,
            ),
            limiter: RateLimiter::new(&config.rate_limit),
            metrics,
            suppressions,
            closing: tokio::sync::watch::channel(false).0,
            claims: Claims::start(store.clone(), on_claim_turn),
            reports: Default::default(),
            lease_checks: Default::default(),
            store_figures: Default::default(),
            store,
            config,
        };
        let state = web::Data::new(state);
        cluster::follow(&state);
        Ok((state, shown))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Readiness checks by name: the store accepts writes (and, for a database, answers
    /// now), and the classifier is loaded unless the configuration runs without one.
    /// Blocking.
    pub fn readiness(&self) -> Vec<(&'static str, bool)> {
        let model = self.config.engine.patterns_only || self.scorer.engine().model().is_some();
        let store = self.commit.healthy() && self.store.ping().is_ok();
        vec![("store", store), ("engine", true), ("model", model)]
    }

    /// Returns expired leases to their queues (see `moderation::claims::expire_due`). Blocking.
    pub fn expire_leases(&self) -> Result<usize, Failure> {
        let n = crate::moderation::claims::expire_due(&*self.store, Timestamp::now())?;
        self.metrics.leases_expired(n);
        Ok(n)
    }

    /// [`AppState::expire_leases`] before a claim or a queue read, unless this node
    /// looked moments ago (see `moderation::claims::LeaseChecks`). Blocking.
    pub fn expire_leases_before_read(&self) -> Result<usize, Failure> {
        if !self.lease_checks.due(Timestamp::now()) {
            return Ok(0);
        }
        self.expire_leases()
    }

    /// Samples queue depth and age for the dashboard, on one node at a time (see
    /// `moderation::operations::sample_queues`). Blocking.
    pub fn sample_queues(&self) -> Result<usize, Failure> {
        let q = &self.config.queue;
        let mut pass = || {
            crate::moderation::operations::sample_queues(
                &*self.store,
                Timestamp::now(),
                q.sample_interval_seconds,
                q.sample_retention_days,
            )
        };
        Ok(self
            .store
            .exclusively(crate::store::Worker::QueueSampler, &mut pass)?
            .unwrap_or(0))
    }

    /// Writes the `expired` entries of rules past their `expires_at`. Blocking.
    pub fn expire_rules(&self) -> Result<usize, Failure> {
        self.store.expire_rules(Timestamp::now(), 1000)
    }

    /// Drops texts whose community's retention ran out. Blocking.
    pub fn sweep_retention(&self) -> Result<usize, Failure> {
        self.store.sweep_retention(Timestamp::now(), 1000)
    }

    /// Score feedback of `community` (`None`: records that named none) after `after`,
    /// oldest first: what a threshold calibration reads (see `feedback`). Blocking.
    pub fn score_feedback(
        &self,
        community: Option<&crate::ids::CommunityId>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, crate::domain::feedback::ScoreFeedback)>, Failure> {
        crate::moderation::feedback::list(&*self.store, community, after, limit)
    }

    /// Makes every write so far durable, blocking (tools, tests, shutdown).
    pub fn flush(&self) -> Result<(), Failure> {
        self.commit.flush_now()
    }

    /// Ends the Server-Sent Events streams (before a graceful stop).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }
}

/// The actix application: routes, the error shape for unknown routes, request metrics
/// and logging.
pub fn create_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .wrap_fn(|req, srv| {
            let started = Instant::now();
            let method = req.method().clone();
            let api = is_api_path(req.path());
            let call = srv.call(req);
            async move {
                let mut res = call.await?;
                if api {
                    // API responses carry secrets (a new key), user text (items, exports,
                    // verdicts, error messages naming input) or depend on the caller's
                    // key: no shared or browser cache may keep them.
                    res.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static("no-store"),
                    );
                }
                let took = started.elapsed();
                let request = res.request();
                let route = request
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".to_string());
                let status = res.status().as_u16();
                if let Some(state) = request.app_data::<web::Data<AppState>>() {
                    state.metrics.request(method.as_str(), &route, status, took);
                }
                let key = request.extensions().get::<KeyId>().cloned();
                let key = key.as_ref().map_or("-", KeyId::as_str);
                let ms = took.as_secs_f64() * 1000.0;
                if status >= 500 {
                    tracing::warn!(%method, %route, status, ms, key, "request failed");
                } else {
                    tracing::debug!(%method, %route, status, ms, key, "request");
                }
                Ok(res)
            }
        })
        .configure(routes::configure)
        .default_service(web::to(error::not_found))
}

/// The API's paths (`/v1/…`, and the Perspective drop-in's `/v1alpha1/…`), as opposed to
/// the public operational ones and the console's static files.
fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/") || path.starts_with("/v1alpha1/")
}

/// Runs the server on `state.config().bind` until SIGTERM or SIGINT, then finishes the
/// requests in flight, flushes the store and returns. Must run inside an actix system.
///
/// Prints `warden: listening on http://ADDR` once the signal handlers are installed, so a
/// supervisor (or a test) that sends SIGTERM after that line always gets a graceful stop.
pub async fn serve(state: web::Data<AppState>) -> std::io::Result<()> {
    let config = state.config.clone();
    let app_state = state.clone();
    let server = HttpServer::new(move || create_app(app_state.clone()))
        .workers(Config::threads(config.http.workers))
        .shutdown_timeout(config.http.shutdown_timeout_seconds)
        .disable_signals()
        // Small writes go out at once: without it, Nagle's algorithm holds a suppression
        // event on an idle stream until the client's delayed ACK (up to 40 ms).
        .tcp_nodelay(true)
        .bind(config.bind)?;
    let addrs = server.addrs();
    let server = server.run();
    let stop = shutdown_signal()?;
    let handle = server.handle();
    let closing = state.clone();
    actix_web::rt::spawn(async move {
        stop.await;
        tracing::info!("shutting down: finishing requests in flight");
        closing.close_streams();
        handle.stop(true).await;
    });
    for addr in &addrs {
        println!("warden: listening on http://{addr}");
    }
    tracing::info!(?addrs, "listening");
    let mut sweepers = spawn_sweepers(&state);
    sweepers.push(actix_web::rt::spawn(summarize_protocol_rejections()));
    let result = server.await;
    for sweeper in sweepers {
        sweeper.abort();
    }
    match state.commit.flush_now() {
        Ok(()) => tracing::info!("stopped; store flushed"),
        Err(e) => tracing::error!(error = %e, "final flush failed"),
    }
    result
}

/// Logs, at info and at most once a minute, how many connections actix-http refused
/// below the API (see `protocol`): visible to operators, but no client can flood the log.
async fn summarize_protocol_rejections() {
    let mut seen = Default::default();
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Some(counts) = protocol::summary(&mut seen) {
            tracing::info!(%counts, "connections refused below the API in the last minute");
        }
    }
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed before this returns.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// The periodic jobs: expired leases back to their queues, expired rules, retention.
/// `create_app` users that do not call [`serve`] (tests) start them with this too.
pub fn spawn_sweepers(state: &web::Data<AppState>) -> Vec<actix_web::rt::task::JoinHandle<()>> {
    let seconds = |s: u32| Duration::from_secs(u64::from(s));
    let c = &state.config;
    vec![
        actix_web::rt::spawn(sweep(
            state.clone(),
            seconds(c.queue.sweep_interval_seconds),
            "lease",
            AppState::expire_leases,
        )),
        actix_web::rt::spawn(sweep(
            state.clone(),
            seconds(c.suppression.sweep_interval_seconds),
            "rule expiry",
            AppState::expire_rules,
        )),
        actix_web::rt::spawn(sweep(
            state.clone(),
            seconds(c.privacy.retention_sweep_seconds),
            "retention",
            AppState::sweep_retention,
        )),
        actix_web::rt::spawn(sweep(
            state.clone(),
            seconds(c.queue.sample_interval_seconds),
            "queue samples",
            AppState::sample_queues,
        )),
        actix_web::rt::spawn(deliver_webhooks(state.clone())),
    ]
}

/// The webhook delivery worker (see `moderation::webhooks`): fans new outbox events out
/// and attempts due deliveries, off the request path; polls while idle.
async fn deliver_webhooks(state: web::Data<AppState>) {
    let sender = Arc::new(webhooks::HttpSender::new(&state.config.webhooks));
    let idle = Duration::from_millis(state.config.webhooks.poll_millis.max(10));
    loop {
        let (s, sender) = (state.clone(), sender.clone());
        let busy = web::block(move || -> Result<usize, Failure> {
            let now = Timestamp::now();
            // One node at a time on a shared store: two would send a delivery twice.
            let mut pass = || -> Result<usize, Failure> {
                Ok(webhooks::fan_out(&*s.store, now)?
                    + webhooks::deliver_due(&*s.store, &*sender, now)?)
            };
            Ok(s.store
                .exclusively(crate::store::Worker::WebhookDelivery, &mut pass)?
                .unwrap_or(0))
        })
        .await;
        match busy {
            Ok(Ok(n)) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "webhook delivery failed"),
            Err(e) => tracing::error!(error = %e, "webhook delivery did not run"),
        }
        actix_web::rt::time::sleep(idle).await;
    }
}

/// Runs `job` every `every`; when it changed something, waits for the group commit so
/// the change (and any rule entries it wrote) becomes durable and visible in the feed.
async fn sweep(
    state: web::Data<AppState>,
    every: Duration,
    what: &'static str,
    job: fn(&AppState) -> Result<usize, Failure>,
) {
    let mut tick = actix_web::rt::time::interval(every);
    loop {
        tick.tick().await;
        let s = state.clone();
        match web::block(move || job(&s)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => {
                tracing::info!(sweep = what, changed = n, "sweep");
                if let Err(e) = state.commit.durable().await {
                    tracing::error!(sweep = what, error = %e, "sweep not made durable");
                }
            }
            Ok(Err(e)) => tracing::error!(sweep = what, error = %e, "sweep failed"),
            Err(e) => tracing::error!(sweep = what, error = %e, "sweep did not run"),
        }
    }
}

/// Runs `f` on the blocking thread pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    web::block(f)
        .await
        .map_err(|e| Failure::internal(format!("blocking task: {e}")))?
}
