//! The `warden` command line: argument parsing and the subcommands' entry points.

mod keys;
mod labels;
mod migrate;
mod score;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::engine::{Engine, EngineBuilder};
use crate::error::Result;
use crate::model::ModelOptions;

/// Warden: a self-hosted trust-and-safety engine.
///
/// Scores user-generated text with evasion-resistant pattern matching (and a classifier
/// when one is configured) and says which characters are the problem and why.
#[derive(Debug, Parser)]
#[command(name = "warden", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score text and print verdicts: one text from the command line, or JSON Lines.
    ///
    /// With TEXT (or text on standard input), prints a human-readable report with the
    /// offending spans marked. With --jsonl, reads {"id", "text"} objects one per line and
    /// writes exactly one verdict (or error object) per input line, in order.
    Score(score::ScoreArgs),

    /// Run the moderation service: the HTTP API, the queues and the store.
    ///
    /// On first start with an empty store, creates an admin API key and prints it once
    /// (or uses WARDEN_ADMIN_KEY). Stops gracefully on SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),

    /// Manage API keys in the store directly (while the server is stopped).
    Keys(keys::KeysArgs),

    /// Export a community's moderator-decided items as JSON lines, for retraining.
    ///
    /// Text, verdict scores, the standing outcome and the moderator's reason of each item
    /// decided since --since whose text is still held (never an erased author's). This
    /// is personal data: you need a lawful basis to use it. Reads the store directly
    /// (while the server is stopped); audited.
    ExportLabels(labels::ExportLabelsArgs),

    /// Apply the PostgreSQL store's pending schema migrations, and nothing else
    /// (`warden serve --store` applies them too).
    Migrate(migrate::MigrateArgs),

    /// Copy a sled deployment (--from its data directory) into an empty PostgreSQL
    /// store (--to), in one transaction, and verify the copy. Stop the server first.
    MigrateStore(migrate::MigrateStoreArgs),
}

/// Options shared by every command that builds an engine.
#[derive(Debug, Clone, Args)]
pub(crate) struct EngineArgs {
    /// Wordlist languages to load, comma-separated, or `all`.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "en",
        env = "WARDEN_LANGUAGES"
    )]
    languages: Vec<String>,

    /// Read wordlists from this directory instead of the lists built into the binary.
    #[arg(long, value_name = "DIR", env = "WARDEN_WORDLISTS")]
    wordlists: Option<PathBuf>,

    /// Classifier directory (model.onnx, tokenizer.json, labels.json); default: the shipped
    /// models/warden-minilm.
    #[arg(
        long,
        value_name = "DIR",
        env = "WARDEN_MODEL",
        conflicts_with = "patterns_only"
    )]
    model: Option<PathBuf>,

    /// Skip the classifier: wordlists and personal-data detectors only (the fast path).
    #[arg(long, env = "WARDEN_PATTERNS_ONLY")]
    patterns_only: bool,

    /// Classifier sessions run in parallel (default: one per core).
    #[arg(long, value_name = "N", env = "WARDEN_MODEL_SESSIONS")]
    model_sessions: Option<usize>,

    /// Threads per classifier session.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        env = "WARDEN_MODEL_THREADS"
    )]
    model_threads: usize,

    /// Most classifier windows (128 tokens each) read of one text; a longer text is read
    /// in part, evenly spread, and its verdict has `model_coverage`.
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::model::DEFAULT_MAX_WINDOWS as u16,
        value_parser = clap::value_parser!(u16).range(1..=1024),
        env = "WARDEN_MAX_MODEL_WINDOWS"
    )]
    max_model_windows: u16,
}

impl EngineArgs {
    pub(crate) fn builder(&self) -> Result<EngineBuilder> {
        let model = if self.patterns_only {
            None
        } else {
            let mut options = match &self.model {
                Some(dir) => ModelOptions::new(dir.clone()),
                None => ModelOptions::shipped()?,
            };
            if let Some(n) = self.model_sessions {
                options.sessions = n;
            }
            options.threads_per_session = self.model_threads;
            options.max_windows = usize::from(self.max_model_windows);
            Some(options)
        };
        Ok(Engine::builder()
            .languages(self.languages.clone())
            .wordlist_dir(self.wordlists.clone())
            .model(model))
    }
}

/// Parses the command line and runs the command; the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<ExitCode> = match cli.command {
        Command::Score(args) => score::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Keys(args) => keys::run(args),
        Command::ExportLabels(args) => labels::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::MigrateStore(args) => migrate::run_copy(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("warden: {err} [{}]", err.code());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
