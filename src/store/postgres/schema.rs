//! Opening a PostgreSQL store: connecting, applying the versioned migrations in
//! `migrations/`, and checking that the role may do what the store does. Each refusal
//! names the problem: the server cannot be reached, the schema is newer than this
//! Warden, or a privilege is missing.

use tokio_postgres::Client;

use crate::error::Error;

/// The migrations, in order: (version, file name, SQL). Applied ones are never edited.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "0001_init.sql",
        include_str!("../../../migrations/0001_init.sql"),
    ),
    (
        2,
        "0002_reports_ops.sql",
        include_str!("../../../migrations/0002_reports_ops.sql"),
    ),
    (
        3,
        "0003_queue_samples.sql",
        include_str!("../../../migrations/0003_queue_samples.sql"),
    ),
    (
        4,
        "0004_queue_samples_hourly.sql",
        include_str!("../../../migrations/0004_queue_samples_hourly.sql"),
    ),
    (
        5,
        "0005_subjects_by_item.sql",
        include_str!("../../../migrations/0005_subjects_by_item.sql"),
    ),
    (
        6,
        "0006_operations_deltas.sql",
        include_str!("../../../migrations/0006_operations_deltas.sql"),
    ),
];

/// The schema version this Warden reads and writes.
pub const SCHEMA_VERSION: i32 = 6;

/// Serializes migrations between nodes starting at once (an arbitrary constant).
const MIGRATION_LOCK: i64 = 0x7761_7264_656e_0001;

/// The tables the store writes, checked for privileges at start.
const TABLES: &[&str] = &[
    "warden_counters",
    "vault_master",
    "subject_keys",
    "items",
    "revisions",
    "events",
    "subjects",
    "authors",
    "rule_log",
    "rules_active",
    "removals",
    "decisions",
    "api_keys",
    "policies",
    "wordlists",
    "audit",
    "score_feedback",
    "queue_samples",
    "queue_samples_hourly",
];

/// A PostgreSQL error for an operator: its SQLSTATE and message, never its detail
/// (which can quote row values).
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn refused(what: &str, e: &tokio_postgres::Error) -> Error {
    let denied = e
        .as_db_error()
        .is_some_and(|d| d.code() == &tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE);
    let missing = if denied { "missing privilege: " } else { "" };
    Error::config(format!(
        "PostgreSQL store: {missing}{what}: {}",
        describe(e)
    ))
}

/// What a migration did ([`PgStore::migrate`](super::PgStore::migrate)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The schema version found (0: an empty database).
    pub from: i32,
    pub to: i32,
}

/// Brings the schema to [`SCHEMA_VERSION`], or refuses: a newer schema than this
/// Warden knows, or `apply` false and migrations pending. Then checks privileges.
pub(super) async fn migrate(client: &mut Client, apply: bool) -> Result<Migrated, Error> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| refused("cannot take the migration lock", &e))?;
    let result = migrate_locked(client, apply).await;
    // Best effort: the lock also ends with the session.
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    let migrated = result?;
    check_privileges(client).await?;
    Ok(migrated)
}

async fn migrate_locked(client: &mut Client, apply: bool) -> Result<Migrated, Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass('warden_schema') IS NOT NULL", &[])
        .await
        .map_err(|e| refused("cannot read the schema version", &e))?
        .get(0);
    let from: i32 = if exists {
        client
            .query_one("SELECT coalesce(max(version), 0) FROM warden_schema", &[])
            .await
            .map_err(|e| refused("cannot read the schema version", &e))?
            .get(0)
    } else {
        0
    };
    if from > SCHEMA_VERSION {
        return Err(Error::config(format!(
            "PostgreSQL store: the database's schema is version {from}, this Warden knows \
             up to {SCHEMA_VERSION}: upgrade Warden"
        )));
    }
    if from < SCHEMA_VERSION && !apply {
        return Err(Error::config(format!(
            "PostgreSQL store: the database's schema is version {from}, this Warden needs \
             {SCHEMA_VERSION}: run `warden migrate`"
        )));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > from) {
        let tx = client
            .transaction()
            .await
            .map_err(|e| refused("cannot begin a migration", &e))?;
        if *version == 1 {
            tx.batch_execute(
                "CREATE TABLE warden_schema (
                     version    int PRIMARY KEY,
                     name       text NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )",
            )
            .await
            .map_err(|e| refused("cannot create tables", &e))?;
        }
        tx.batch_execute(sql)
            .await
            .map_err(|e| refused(&format!("migration {name} failed"), &e))?;
        tx.execute(
            "INSERT INTO warden_schema (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(|e| refused("cannot record a migration", &e))?;
        tx.commit()
            .await
            .map_err(|e| refused(&format!("migration {name} did not commit"), &e))?;
        tracing::info!(version, name, "applied a PostgreSQL migration");
    }
    Ok(Migrated {
        from,
        to: SCHEMA_VERSION,
    })
}

async fn check_privileges(client: &Client) -> Result<(), Error> {
    // `has_table_privilege` with a list is true when any one is held: ask one at a time.
    for table in TABLES {
        for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            let row = client
                .query_one(
                    "SELECT has_table_privilege(current_user, $1::text::regclass, $2)",
                    &[table, &privilege],
                )
                .await
                .map_err(|e| refused("cannot check privileges", &e))?;
            if !row.get::<_, bool>(0) {
                return Err(Error::config(format!(
                    "PostgreSQL store: missing privilege: the role needs {privilege} on \
                     table {table}"
                )));
            }
        }
    }
    Ok(())
}
