//! `warden migrate`: brings a PostgreSQL store's schema to this version, and nothing
//! else. `warden serve --store` applies pending migrations too; this is for deployments
//! that migrate as a separate step, before starting nodes of a new version.

use std::process::ExitCode;

use clap::Args;

use crate::error::Result;
use crate::store::PgStore;

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
