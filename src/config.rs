//! Configuration of `warden serve`: embedded defaults, overridden by a TOML file, then by
//! `WARDEN_*` environment variables, then by command-line flags, and validated as a whole
//! before anything starts, with errors that name the key or variable.
//!
//! ```
//! use warden::config::Config;
//!
//! let toml = "bind = \"0.0.0.0:9000\"\n[rate_limit]\nper_second = 50.0\nburst = 100\n";
//! let env = |name: &str| (name == "WARDEN_DATA_DIR").then(|| "/var/lib/warden".to_string());
//! let config = Config::from_sources(Some(toml), env).unwrap();
//! assert_eq!(config.bind.port(), 9000);
//! assert_eq!(config.data_dir.to_str(), Some("/var/lib/warden"));
//! assert_eq!(config.rate_limit.burst, 100);
//!
//! let err = Config::from_sources(Some("bind = 1\n"), |_| None).unwrap_err();
//! assert!(err.to_string().contains("bind"));
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::ModelOptions;

/// Everything `warden serve` can be told. See the README for each key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`WARDEN_BIND`).
    pub bind: SocketAddr,
    /// Directory of the sled store (`WARDEN_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Secret of the admin key created on first start (`WARDEN_ADMIN_KEY` only: secrets
    /// do not belong in files). Random and printed once when unset.
    #[serde(skip)]
    pub admin_key: Option<String>,
    pub http: HttpConfig,
    pub rate_limit: RateLimitConfig,
    pub queue: QueueConfig,
    pub engine: EngineConfig,
    pub store: StoreConfig,
    pub suppression: SuppressionConfig,
    pub privacy: PrivacyConfig,
    pub webhooks: WebhooksConfig,
}

/// Webhook delivery (see `domain::webhook`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Deliver to loopback, private, link-local and metadata addresses too
    /// (`WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS`). Off: such a
    /// destination is refused when the webhook is created and again at each delivery
    /// (the name may resolve elsewhere later), so a webhook cannot reach into the
    /// network Warden runs in. Tests turn it on to use 127.0.0.1.
    pub allow_private_destinations: bool,
    /// Seconds an attempt may take, connecting included; redirects are not followed.
    pub timeout_seconds: u64,
    /// How often the delivery worker looks for new events and due retries when idle.
    pub poll_millis: u64,
}

impl Default for WebhooksConfig {
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            allow_private_destinations: false,
            timeout_seconds: 10,
            poll_millis: 250,
        }
    }
}

/// The suppression-rule feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuppressionConfig {
    /// Most rules one feed page may hold.
    pub max_page: u32,
    /// Most subjects one `:check` may ask about.
    pub max_check: u32,
    /// How often an idle Server-Sent Events stream sends a keep-alive comment.
    pub keepalive_seconds: u32,
    /// How often rules past their `expires_at` get their `expired` entry (`:check` ignores
    /// them at once; this bounds how late the feed says so).
    pub sweep_interval_seconds: u32,
}

/// Retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// How often texts past their community's retention are dropped.
    pub retention_sweep_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest accepted request body (`WARDEN_MAX_BODY_BYTES`); larger gets 413.
    pub max_body_bytes: usize,
    /// HTTP worker threads; 0 means one per CPU (`WARDEN_HTTP_WORKERS`).
    pub workers: usize,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_timeout_seconds: u64,
    /// How long a request body may take to arrive, in all; slower gets 408. Without a
    /// bound, a client sending a byte now and then holds a connection (and a request's
    /// buffer) forever.
    pub body_timeout_seconds: u64,
    /// Believe `X-Forwarded-Proto` and `X-Forwarded-Host` when telling clients where
    /// Warden is (the discovery document's `rootUrl`): only behind a proxy that sets them,
    /// since otherwise any caller could point the clients elsewhere
    /// (`WARDEN_TRUST_FORWARDED_HEADERS`).
    pub trust_forwarded_headers: bool,
}

/// Per-key token bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Sustained requests per second per key; 0 turns limiting off
    /// (`WARDEN_RATE_LIMIT_PER_SECOND`).
    pub per_second: f64,
    /// Requests a key may make at once after being idle (`WARDEN_RATE_LIMIT_BURST`).
    pub burst: u32,
    /// What scoring costs: a request that scores text takes one token, plus one for
    /// every further `bytes_per_token` bytes of text (a 64 KiB text costs 64 by
    /// default), at most `burst`. 0 counts requests only
    /// (`WARDEN_RATE_LIMIT_BYTES_PER_TOKEN`).
    pub bytes_per_token: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// Lease length when a claim names none (`WARDEN_LEASE_SECONDS`).
    pub default_lease_seconds: u32,
    /// Longest lease a claim may ask for (`WARDEN_MAX_LEASE_SECONDS`).
    pub max_lease_seconds: u32,
    /// Most items one claim may lease.
    pub max_claim: u32,
    /// Most items one queue page may hold.
    pub max_page: u32,
    /// How often expired leases are swept back into their queues (reads and claims also
    /// sweep first, so this only bounds how stale `/metrics` and the event log get).
    pub sweep_interval_seconds: u32,
    /// How often one node samples every queue's depth and ages for the dashboard's
    /// "over time" (`WARDEN_QUEUE_SAMPLE_SECONDS`).
    pub sample_interval_seconds: u32,
    /// How long queue samples are kept.
    pub sample_retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Wordlist languages, or `["all"]` (`WARDEN_LANGUAGES`, comma-separated).
    pub languages: Vec<String>,
    /// Read wordlists from this directory instead of the embedded ones
    /// (`WARDEN_WORDLISTS`).
    pub wordlists: Option<PathBuf>,
    /// Scoring threads; 0 means one per CPU (`WARDEN_SCORING_WORKERS`).
    pub workers: usize,
    /// Most texts scored in one batch.
    pub max_batch: usize,
    /// Classifier directory (`WARDEN_MODEL`); unset means the shipped
    /// `models/warden-minilm`.
    pub model: Option<PathBuf>,
    /// Run without the classifier (`WARDEN_PATTERNS_ONLY=1`).
    pub patterns_only: bool,
    /// Classifier sessions; 0 means one per CPU (`WARDEN_MODEL_SESSIONS`).
    pub model_sessions: usize,
    /// Threads per classifier session (`WARDEN_MODEL_THREADS`).
    pub model_threads: usize,
    /// Most classifier windows (128 tokens) read of one text; a longer text is read in
    /// part, evenly spread, and its verdict says so in `model_coverage`
    /// (`WARDEN_MAX_MODEL_WINDOWS`).
    pub max_model_windows: usize,
    /// Most classifier windows for all the texts of one request together (at least one
    /// per text); over it, the longest texts are read in part
    /// (`WARDEN_MAX_REQUEST_MODEL_WINDOWS`).
    pub max_request_model_windows: usize,
}

impl EngineConfig {
    /// The classifier to load, or `None` with `patterns_only`.
    pub fn model_options(&self) -> Result<Option<ModelOptions>> {
        if self.patterns_only {
            return Ok(None);
        }
        let mut options = match &self.model {
            Some(dir) => ModelOptions::new(dir.clone()),
            None => ModelOptions::shipped()?,
        };
        if self.model_sessions > 0 {
            options.sessions = self.model_sessions;
        }
        options.threads_per_session = self.model_threads.max(1);
        options.max_windows = self.max_model_windows.max(1);
        Ok(Some(options))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// sled's page cache, in MiB (`WARDEN_CACHE_MB`).
    pub cache_mb: u64,
    /// A PostgreSQL URL (`postgres://user@host:port/db`, `WARDEN_STORE_URL`): store in
    /// that database, shared with every node given the same URL, instead of sled in
    /// `data_dir`. Unset: sled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            admin_key: None,
            http: HttpConfig::default(),
            rate_limit: RateLimitConfig::default(),
            queue: QueueConfig::default(),
            engine: EngineConfig::default(),
            store: StoreConfig::default(),
            suppression: SuppressionConfig::default(),
            privacy: PrivacyConfig::default(),
            webhooks: WebhooksConfig::default(),
        }
    }
}

impl Default for SuppressionConfig {
    fn default() -> SuppressionConfig {
        SuppressionConfig {
            max_page: 1000,
            max_check: 10_000,
            keepalive_seconds: 15,
            sweep_interval_seconds: 30,
        }
    }
}

impl Default for PrivacyConfig {
    fn default() -> PrivacyConfig {
        PrivacyConfig {
            retention_sweep_seconds: 60,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            max_body_bytes: 1 << 20,
            workers: 0,
            shutdown_timeout_seconds: 30,
            body_timeout_seconds: 30,
            trust_forwarded_headers: false,
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> RateLimitConfig {
        RateLimitConfig {
            per_second: 1000.0,
            burst: 2000,
            bytes_per_token: 1024,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            default_lease_seconds: 300,
            max_lease_seconds: 3600,
            max_claim: 100,
            max_page: 500,
            sweep_interval_seconds: 5,
            sample_interval_seconds: 60,
            sample_retention_days: 30,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            languages: vec!["en".to_string()],
            wordlists: None,
            workers: 0,
            max_batch: 32,
            model: None,
            patterns_only: false,
            model_sessions: 0,
            model_threads: 1,
            max_model_windows: crate::model::DEFAULT_MAX_WINDOWS,
            max_request_model_windows: 64,
        }
    }
}

impl Default for StoreConfig {
    fn default() -> StoreConfig {
        StoreConfig {
            cache_mb: 256,
            url: None,
        }
    }
}

fn parse_env<T: std::str::FromStr>(name: &str, value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| Error::config(format!("{name}={value:?}: {e}")))
}

impl Config {
    /// Defaults, then the file at `path` if any, then the process environment; validated.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let file = match path {
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.into()), e))?)
            }
            None => None,
        };
        Config::from_sources(file.as_deref(), |name| std::env::var(name).ok()).map_err(|e| {
            match path {
                Some(p) if e.code() == crate::Code::InvalidConfig => Error::config(format!(
                    "{}: {}",
                    p.display(),
                    e.to_string().trim_start_matches("configuration: ")
                )),
                _ => e,
            }
        })
    }

    /// Defaults, then `toml` if any, then the variables `env` returns; validated.
    pub fn from_sources(
        toml: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let mut config = match toml {
            Some(text) => toml::from_str::<Config>(text)
                .map_err(|e| Error::config(e.to_string().trim_end().to_string()))?,
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = var("WARDEN_BIND") {
            self.bind = parse_env("WARDEN_BIND", &v)?;
        }
        if let Some(v) = var("WARDEN_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("WARDEN_ADMIN_KEY") {
            self.admin_key = Some(v);
        }
        if let Some(v) = var("WARDEN_LANGUAGES") {
            self.engine.languages = v.split(',').map(|l| l.trim().to_string()).collect();
        }
        if let Some(v) = var("WARDEN_WORDLISTS") {
            self.engine.wordlists = Some(PathBuf::from(v));
        }
        if let Some(v) = var("WARDEN_MAX_BODY_BYTES") {
            self.http.max_body_bytes = parse_env("WARDEN_MAX_BODY_BYTES", &v)?;
        }
        if let Some(v) = var("WARDEN_HTTP_WORKERS") {
            self.http.workers = parse_env("WARDEN_HTTP_WORKERS", &v)?;
        }
        if let Some(v) = var("WARDEN_TRUST_FORWARDED_HEADERS") {
            self.http.trust_forwarded_headers = parse_env("WARDEN_TRUST_FORWARDED_HEADERS", &v)?;
        }
        if let Some(v) = var("WARDEN_RATE_LIMIT_PER_SECOND") {
            self.rate_limit.per_second = parse_env("WARDEN_RATE_LIMIT_PER_SECOND", &v)?;
        }
        if let Some(v) = var("WARDEN_RATE_LIMIT_BURST") {
            self.rate_limit.burst = parse_env("WARDEN_RATE_LIMIT_BURST", &v)?;
        }
        if let Some(v) = var("WARDEN_RATE_LIMIT_BYTES_PER_TOKEN") {
            self.rate_limit.bytes_per_token = parse_env("WARDEN_RATE_LIMIT_BYTES_PER_TOKEN", &v)?;
        }
        if let Some(v) = var("WARDEN_QUEUE_SAMPLE_SECONDS") {
            self.queue.sample_interval_seconds = parse_env("WARDEN_QUEUE_SAMPLE_SECONDS", &v)?;
        }
        if let Some(v) = var("WARDEN_LEASE_SECONDS") {
            self.queue.default_lease_seconds = parse_env("WARDEN_LEASE_SECONDS", &v)?;
        }
        if let Some(v) = var("WARDEN_MAX_LEASE_SECONDS") {
            self.queue.max_lease_seconds = parse_env("WARDEN_MAX_LEASE_SECONDS", &v)?;
        }
        if let Some(v) = var("WARDEN_MODEL") {
            self.engine.model = Some(PathBuf::from(v));
        }
        if let Some(v) = var("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS") {
            self.webhooks.allow_private_destinations =
                parse_env("WARDEN_WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS", &v)?;
        }
        if let Some(v) = var("WARDEN_PATTERNS_ONLY") {
            self.engine.patterns_only = parse_env("WARDEN_PATTERNS_ONLY", &v)?;
        }
        if let Some(v) = var("WARDEN_MODEL_SESSIONS") {
            self.engine.model_sessions = parse_env("WARDEN_MODEL_SESSIONS", &v)?;
        }
        if let Some(v) = var("WARDEN_MODEL_THREADS") {
            self.engine.model_threads = parse_env("WARDEN_MODEL_THREADS", &v)?;
        }
        if let Some(v) = var("WARDEN_MAX_MODEL_WINDOWS") {
            self.engine.max_model_windows = parse_env("WARDEN_MAX_MODEL_WINDOWS", &v)?;
        }
        if let Some(v) = var("WARDEN_MAX_REQUEST_MODEL_WINDOWS") {
            self.engine.max_request_model_windows =
                parse_env("WARDEN_MAX_REQUEST_MODEL_WINDOWS", &v)?;
        }
        if let Some(v) = var("WARDEN_SCORING_WORKERS") {
            self.engine.workers = parse_env("WARDEN_SCORING_WORKERS", &v)?;
        }
        if let Some(v) = var("WARDEN_STORE_URL") {
            self.store.url = Some(v);
        }
        if let Some(v) = var("WARDEN_CACHE_MB") {
            self.store.cache_mb = parse_env("WARDEN_CACHE_MB", &v)?;
        }
        Ok(())
    }

    /// Checks ranges and relations between keys.
    pub fn validate(&self) -> Result<()> {
        let fail = |key: &str, why: &str| Err(Error::config(format!("`{key}` {why}")));
        if !(1..=60).contains(&self.webhooks.timeout_seconds) {
            return fail("webhooks.timeout_seconds", "must be between 1 and 60");
        }
        if self.data_dir.as_os_str().is_empty() {
            return fail("data_dir", "must not be empty");
        }
        if !(1024..=64 << 20).contains(&self.http.max_body_bytes) {
            return fail("http.max_body_bytes", "must be between 1024 and 67108864");
        }
        if !(1..=3600).contains(&self.http.body_timeout_seconds) {
            return fail("http.body_timeout_seconds", "must be between 1 and 3600");
        }
        if self.http.workers > 1024 {
            return fail("http.workers", "must be at most 1024");
        }
        if !self.rate_limit.per_second.is_finite() || self.rate_limit.per_second < 0.0 {
            return fail(
                "rate_limit.per_second",
                "must be a number ≥ 0 (0 turns limiting off)",
            );
        }
        if self.rate_limit.per_second > 0.0 && self.rate_limit.burst == 0 {
            return fail(
                "rate_limit.burst",
                "must be at least 1 when rate limiting is on",
            );
        }
        let q = &self.queue;
        if q.max_lease_seconds == 0 || q.max_lease_seconds > 7 * 86_400 {
            return fail("queue.max_lease_seconds", "must be between 1 and 604800");
        }
        if q.default_lease_seconds == 0 || q.default_lease_seconds > q.max_lease_seconds {
            return fail(
                "queue.default_lease_seconds",
                "must be between 1 and `queue.max_lease_seconds`",
            );
        }
        if !(1..=1000).contains(&q.max_claim) {
            return fail("queue.max_claim", "must be between 1 and 1000");
        }
        if !(1..=10_000).contains(&q.max_page) {
            return fail("queue.max_page", "must be between 1 and 10000");
        }
        if q.sweep_interval_seconds == 0 {
            return fail("queue.sweep_interval_seconds", "must be at least 1");
        }
        if !(1..=86_400).contains(&q.sample_interval_seconds) {
            return fail(
                "queue.sample_interval_seconds",
                "must be between 1 and 86400",
            );
        }
        if !(1..=3650).contains(&q.sample_retention_days) {
            return fail("queue.sample_retention_days", "must be between 1 and 3650");
        }
        if self.engine.languages.is_empty() || self.engine.languages.iter().any(|l| l.is_empty()) {
            return fail(
                "engine.languages",
                "must name at least one language, or \"all\"",
            );
        }
        if self.engine.model_threads == 0 || self.engine.model_threads > 256 {
            return fail("engine.model_threads", "must be between 1 and 256");
        }
        if self.engine.model_sessions > 256 {
            return fail("engine.model_sessions", "must be at most 256");
        }
        if !(1..=4096).contains(&self.engine.max_batch) {
            return fail("engine.max_batch", "must be between 1 and 4096");
        }
        if !(1..=1024).contains(&self.engine.max_model_windows) {
            return fail("engine.max_model_windows", "must be between 1 and 1024");
        }
        if !(1..=1_000_000).contains(&self.engine.max_request_model_windows) {
            return fail(
                "engine.max_request_model_windows",
                "must be between 1 and 1000000",
            );
        }
        let sup = &self.suppression;
        if !(1..=10_000).contains(&sup.max_page) {
            return fail("suppression.max_page", "must be between 1 and 10000");
        }
        if !(1..=100_000).contains(&sup.max_check) {
            return fail("suppression.max_check", "must be between 1 and 100000");
        }
        if !(1..=3600).contains(&sup.keepalive_seconds) {
            return fail(
                "suppression.keepalive_seconds",
                "must be between 1 and 3600",
            );
        }
        if sup.sweep_interval_seconds == 0 {
            return fail("suppression.sweep_interval_seconds", "must be at least 1");
        }
        if self.privacy.retention_sweep_seconds == 0 {
            return fail("privacy.retention_sweep_seconds", "must be at least 1");
        }
        if let Some(key) = &self.admin_key {
            if key.len() < 20 || key.chars().any(char::is_whitespace) {
                return Err(Error::config(
                    "WARDEN_ADMIN_KEY must be at least 20 characters without spaces",
                ));
            }
        }
        Ok(())
    }

    /// Threads for a setting where 0 means "one per CPU".
    pub fn threads(setting: usize) -> usize {
        if setting > 0 {
            setting
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(Some(toml), move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_valid() {
        let c = load("", &[]).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn env_overrides_file() {
        let c = load(
            "[queue]\ndefault_lease_seconds = 60\n",
            &[("WARDEN_LEASE_SECONDS", "90")],
        )
        .unwrap();
        assert_eq!(c.queue.default_lease_seconds, 90);
        assert!(!c.http.trust_forwarded_headers);
        let c = load(
            "[http]\ntrust_forwarded_headers = false\n",
            &[("WARDEN_TRUST_FORWARDED_HEADERS", "true")],
        )
        .unwrap();
        assert!(c.http.trust_forwarded_headers);
    }

    #[test]
    fn errors_name_the_key() {
        let msg = |r: Result<Config>| r.unwrap_err().to_string();
        assert!(msg(load("[queue]\nlease = 1\n", &[])).contains("lease"));
        assert!(msg(load("[http]\nmax_body_bytes = 10\n", &[])).contains("http.max_body_bytes"));
        assert!(msg(load("[http]\nbody_timeout_seconds = 0\n", &[]))
            .contains("http.body_timeout_seconds"));
        assert!(msg(load("", &[("WARDEN_RATE_LIMIT_BURST", "lots")]))
            .contains("WARDEN_RATE_LIMIT_BURST"));
        assert!(msg(load("[queue]\ndefault_lease_seconds = 7200\n", &[]))
            .contains("queue.default_lease_seconds"));
        assert!(msg(load("", &[("WARDEN_ADMIN_KEY", "short")])).contains("WARDEN_ADMIN_KEY"));
        assert!(msg(load("[engine]\nmax_model_windows = 0\n", &[]))
            .contains("engine.max_model_windows"));
        assert!(msg(load("", &[("WARDEN_MAX_REQUEST_MODEL_WINDOWS", "0")]))
            .contains("engine.max_request_model_windows"));
    }
}
