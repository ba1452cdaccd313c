//! `warden export-labels --community C --since DATE`: the items moderators decided in a
//! community since a date, as JSON lines on standard output, for retraining (see
//! `moderation::labels`). Reads the store directly, so the server must be stopped (sled
//! allows one process; while it runs, use `GET /v1/communities/{id}/labels`).
//!
//! The output holds personal data (texts, moderators' reasons): the operator must have
//! a lawful basis for processing it to train a model, and keep it accordingly. Texts
//! past their retention and erased authors' are never included; each export is recorded
//! in the audit log.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::clock::Timestamp;
use crate::domain::audit::AuditActor;
use crate::error::{Error, Result};
use crate::ids::CommunityId;
use crate::moderation::labels;
use crate::store::{PgStore, SledStore, Store};

#[derive(Debug, Args)]
pub(crate) struct ExportLabelsArgs {
    /// Data directory of the store.
    #[arg(
        long,
        value_name = "DIR",
        env = "WARDEN_DATA_DIR",
        default_value = "./data"
    )]
    data: PathBuf,

    /// A PostgreSQL store instead (postgres://user@host/db); it may be in use by
    /// running nodes (reading it does not disturb them).
    #[arg(long, value_name = "URL", env = "WARDEN_STORE_URL")]
    store: Option<String>,

    /// The community whose decided items to export.
    #[arg(long)]
    community: CommunityId,

    /// Items decided since this date: `YYYY-MM-DD` (UTC midnight) or RFC 3339.
    #[arg(long, value_parser = parse_since)]
    since: Timestamp,
}

fn parse_since(s: &str) -> std::result::Result<Timestamp, String> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    full.parse::<Timestamp>()
        .map_err(|e| format!("expected YYYY-MM-DD or RFC 3339: {e}"))
}

pub(crate) fn run(args: ExportLabelsArgs) -> Result<ExitCode> {
    let store: Box<dyn Store> = match &args.store {
        Some(url) => Box::new(PgStore::open(url)?),
        None => Box::new(SledStore::open(&args.data, 64 << 20)?),
    };
    let store = &*store;
    let fail = |f: crate::failure::Failure| Error::config(format!("store: {}", f.message()));
    let records = labels::export(
        store,
        &args.community,
        args.since,
        Timestamp::now(),
        AuditActor::Cli,
    )
    .map_err(fail)?;
    store.flush().map_err(fail)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for r in &records {
        let line = serde_json::to_string(r).map_err(|e| Error::config(e.to_string()))?;
        writeln!(out, "{line}").map_err(|e| Error::config(format!("stdout: {e}")))?;
    }
    eprintln!("{} items exported", records.len());
    Ok(ExitCode::SUCCESS)
}
