//! `warden migrate`: brings a PostgreSQL store's schema to this version, and nothing
//! else. `warden serve --store` applies pending migrations too; this is for deployments
//! that migrate as a separate step, before starting nodes of a new version.
//!
//! `warden migrate-store`: moves a sled deployment into PostgreSQL (see
//! `store::copy_from_sled`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::Result;
use crate::store::{copy_from_sled, PgStore};

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// The PostgreSQL store (postgres://user@host/db).
    #[arg(long, value_name = "URL", env = "WARDEN_STORE_URL")]
    store: String,
}

pub(crate) fn run(args: MigrateArgs) -> Result<ExitCode> {
    super::serve::init_logging();
    let migrated = PgStore::migrate(&args.store)?;
    if migrated.from == migrated.to {
        println!("schema version {}: up to date", migrated.to);
    } else {
        println!(
            "schema version {} -> {}: migrated",
            migrated.from, migrated.to
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(crate) struct MigrateStoreArgs {
    /// The sled data directory to copy (the server must be stopped).
    #[arg(long, value_name = "DIR")]
    from: PathBuf,

    /// The PostgreSQL store to copy into; it must hold no data yet.
    #[arg(long, value_name = "URL")]
    to: String,
}

pub(crate) fn run_copy(args: MigrateStoreArgs) -> Result<ExitCode> {
    super::serve::init_logging();
    let copied = copy_from_sled(&args.from, &args.to)?;
    for (table, n) in &copied.counts {
        println!("{table}: {n}");
    }
    println!(
        "copied and verified: the change log ends at seq {}",
        copied.rule_seq
    );
    Ok(ExitCode::SUCCESS)
}
