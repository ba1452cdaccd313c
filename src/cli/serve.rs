//! `warden serve`: the moderation service on its embedded defaults, a TOML file,
//! `WARDEN_*` variables and flags (in increasing precedence).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::http::{serve, AppState};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A TOML configuration file (keys in the README).
    #[arg(long, value_name = "FILE", env = "WARDEN_CONFIG")]
    config: Option<PathBuf>,

    /// Address to listen on [default: 127.0.0.1:8080; env: WARDEN_BIND].
    #[arg(long, value_name = "ADDR")]
    bind: Option<SocketAddr>,

    /// Data directory of the store [default: ./data; env: WARDEN_DATA_DIR].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,

    /// Store in this PostgreSQL database (postgres://user@host/db) instead of sled in
    /// --data; every node given the same URL serves one deployment [env: WARDEN_STORE_URL].
    #[arg(long, value_name = "URL")]
    store: Option<String>,

    /// Wordlist languages, comma-separated, or `all` [default: en; env: WARDEN_LANGUAGES].
    #[arg(long, value_delimiter = ',')]
    languages: Option<Vec<String>>,

    /// Read wordlists from this directory [env: WARDEN_WORDLISTS].
    #[arg(long, value_name = "DIR")]
    wordlists: Option<PathBuf>,

    /// Classifier directory [default: the shipped models/warden-minilm; env: WARDEN_MODEL].
    #[arg(long, value_name = "DIR", conflicts_with = "patterns_only")]
    model: Option<PathBuf>,

    /// Run without the classifier [env: WARDEN_PATTERNS_ONLY=1].
    #[arg(long)]
    patterns_only: bool,
}

/// Logs go to standard error; `WARDEN_LOG` is a `tracing` filter (default `info`).
/// actix-http's errors for connections it refuses (malformed requests, 431, 408) are
/// counted in `/metrics` instead of logged (`http::protocol_log_layer`).
pub(crate) fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        // Whatever the filter, the rejections must reach the layer that counts them.
        .add_directive(
            "actix_http::h1::dispatcher=error"
                .parse()
                .expect("a valid directive"),
        );
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(crate::http::protocol_log_layer())
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr),
        )
        .try_init();
}

pub(crate) fn run(args: ServeArgs) -> Result<ExitCode> {
    init_logging();
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    if let Some(data) = args.data {
        config.data_dir = data;
    }
    if let Some(url) = args.store {
        config.store.url = Some(url);
    }
    if let Some(languages) = args.languages {
        config.engine.languages = languages;
    }
    if let Some(dir) = args.wordlists {
        config.engine.wordlists = Some(dir);
    }
    if let Some(dir) = args.model {
        config.engine.model = Some(dir);
    }
    if args.patterns_only {
        config.engine.patterns_only = true;
    }
    config.validate()?;
    let engine = Engine::builder()
        .languages(config.engine.languages.clone())
        .wordlist_dir(config.engine.wordlists.clone())
        .model(config.engine.model_options()?)
        .build()?;
    match engine.model() {
        Some(model) => {
            tracing::info!(model = %model.info().name, version = %model.info().version, "classifier loaded")
        }
        None => tracing::info!("patterns only: no classifier"),
    }
    let bind = config.bind;
    let (state, admin_key) = AppState::open(config, engine)?;
    if let Some(key) = admin_key {
        println!("warden: created the first admin API key; it is shown only this once:");
        println!("{}", key.expose());
    }
    actix_web::rt::System::new()
        .block_on(serve(state))
        .map_err(|e| Error::config(format!("cannot serve on {bind}: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
