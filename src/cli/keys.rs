//! `warden keys create|list|revoke`: API keys managed directly in the store, for
//! bootstrapping and recovery while the server is stopped (sled allows one process; while
//! it runs, use `/v1/keys`). Output is JSON, one object per line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::auth::{ApiKey, Role, Scope};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::failure::Failure;
use crate::ids::KeyId;
use crate::moderation::keys::{self, KeyManager, NewKey};
use crate::store::{PgStore, SledStore, Store};
use crate::Code;

#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    /// Data directory of the store.
    #[arg(
        long,
        value_name = "DIR",
        env = "WARDEN_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    data: PathBuf,

    /// A PostgreSQL store instead (postgres://user@host/db); it may be in use by
    /// running nodes, which pick the change up within a second.
    #[arg(long, value_name = "URL", env = "WARDEN_STORE_URL", global = true)]
    store: Option<String>,

    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it (its secret is shown only this once).
    Create {
        /// admin, moderator, ingest or feed.
        #[arg(long)]
        role: Role,
        /// Communities the key covers, comma-separated, or `*` for all.
        #[arg(long)]
        communities: Scope,
        /// A label for people.
        #[arg(long)]
        name: Option<String>,
    },
    /// List keys (never secrets).
    List,
    /// Revoke a key by id; it stops working at once.
    Revoke {
        /// The key id (`key_…`).
        id: KeyId,
    },
}

fn failure(f: Failure) -> Error {
    Error::config(format!("store: {}", f.message()))
}

fn view(key: &ApiKey) -> serde_json::Value {
    json!({
        "id": key.id,
        "role": key.role,
        "communities": key.scope,
        "name": key.name,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    })
}

pub(crate) fn run(args: KeysArgs) -> Result<ExitCode> {
    let store: Box<dyn Store> = match &args.store {
        Some(url) => Box::new(PgStore::open(url)?),
        None => Box::new(SledStore::open(&args.data, 64 << 20)?),
    };
    let store = &*store;
    let now = Timestamp::now();
    let by = KeyManager::cli();
    match args.command {
        KeysCommand::Create {
            role,
            communities,
            name,
        } => {
            let new = NewKey {
                role,
                scope: communities,
                name,
            };
            let (key, secret) = keys::create(store, &by, new, now).map_err(failure)?;
            store.flush().map_err(failure)?;
            let mut out = view(&key);
            out["key"] = json!(secret.expose());
            println!("{out}");
        }
        KeysCommand::List => {
            for key in keys::list(store, &by).map_err(failure)? {
                println!("{}", view(&key));
            }
        }
        KeysCommand::Revoke { id } => {
            let key = keys::revoke(store, &by, &id, now).map_err(|f| match f.code() {
                Code::NotFound => Error::config(format!("no key `{id}`")),
                _ => failure(f),
            })?;
            store.flush().map_err(failure)?;
            println!("{}", view(&key));
        }
    }
    Ok(ExitCode::SUCCESS)
}
