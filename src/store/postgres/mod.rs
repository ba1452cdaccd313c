//! The PostgreSQL backend: one database shared by any number of Warden nodes.
//!
//! **Blocking over async.** [`Store`] is a blocking interface (handlers call it off the
//! async executor). The store owns a small multi-threaded tokio runtime that drives its
//! connections (`tokio-postgres`, pooled by `deadpool-postgres`); each blocking method
//! runs its statements with `Runtime::block_on` on the caller's own thread. A
//! transaction is therefore an ordinary value on the calling thread across statements,
//! and the item change (`Change`, a plain closure) and `domain::consequences` run between
//! statements exactly as they do in the sled backend's transaction (`tx.rs`). Calling a
//! method from inside an async task would panic: like every `Store`, call it from a
//! blocking thread.
//!
//! **Layout.** The schema is `migrations/*.sql`, applied at start (or by
//! `warden migrate`) and recorded in `warden_schema`. Records are the JSON documents the
//! sled backend stores, personal data sealed the same way; the columns beside them are
//! what queries select and order by (queue and rank, lease expiry, retention date).
//!
//! **Durability.** Every connection runs with `synchronous_commit = on`: a transaction's
//! commit returns once its WAL is flushed, so [`Store::flush`] has nothing left to do and
//! a 2xx (sent after the commit) means durable.
//!
//! **Keys.** The master key (pseudonyms, the rule log's key) is one row of
//! `vault_master`; subject keys are rows of `subject_keys`, created in the transaction
//! that first seals data with them and deleted by the erasure's own transaction, so an
//! erasure removes the key and the texts atomically (what PostgreSQL still holds after
//! that, and what the operator must do, is in the README).
//!
//! **Several nodes.** Item rows are locked while they change, claims skip rows other
//! nodes hold (`FOR UPDATE SKIP LOCKED`), and the change log's seqs are allocated under
//! a row lock (see `tx.rs` for why that makes the feed gap-free in commit order).
//! Transactions that change rules, keys or community settings send a `NOTIFY` on
//! commit; every node's listener (`listen.rs`) passes it on through
//! [`Store::subscribe`], so feeds and caches follow within moments, and the tables stay
//! the truth.

mod claim;
mod import;
mod listen;
mod notices;
mod ops;
mod pipeline;
mod privacy;
mod rows;
mod rules;
mod samples;
mod schema;
mod submit;
mod tally;
mod tx;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;

pub use self::import::{copy_from_sled, Copied};
pub use self::schema::{Migrated, SCHEMA_VERSION};
use self::tx::PgTx;
use super::vault::MasterKeys;
use super::{Change, Changed, Store};
use crate::auth::ApiKey;
use crate::clock::Timestamp;
use crate::domain::audit::AuditRecord;
use crate::domain::community::{CommunityPolicy, CommunityWordlist};
use crate::domain::event::Event;
use crate::domain::feedback::ScoreFeedback;
use crate::domain::item::{Item, QueueName, Revision, Submission, Submitted};
use crate::domain::privacy::{ExportItem, Key, Receipt, SubjectId};
use crate::domain::queue::{CommunityFilter, Cursor, QueueEntry};
use crate::domain::suppress::{Rule, RuleState};
use crate::domain::transparency::{DecisionCursor, DecisionRecord};
use crate::error::Error;
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId, ItemId, KeyId};
use crate::store::record::{decode, encode, internal, RULE_SUBJECT};

/// How many times a transaction that hit a deadlock or a unique-key race is rerun.
const MAX_ATTEMPTS: u32 = 32;

/// The PostgreSQL store. Cheap to share behind an `Arc`.
pub struct PgStore {
    /// `Some` until dropped: a runtime must be shut down without blocking when the last
    /// handle goes inside an async context.
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    master: MasterKeys,
    /// The newest change-log seq this process saw committed.
    rule_seq: AtomicU64,
    /// Where notifications go (see [`Store::subscribe`]).
    subscribers: Arc<Mutex<Vec<mpsc::Sender<Changed>>>>,
    /// Operations deltas this process appended, and whether it folded them yet
    /// (`tally.rs`).
    tallies: AtomicU64,
    folded: AtomicBool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`), applies pending migrations,
    /// checks privileges, and starts the change listener.
    pub fn open(url: &str) -> Result<PgStore, Error> {
        PgStore::connect(url, true)
    }

    /// Applies pending migrations only (`warden migrate`).
    pub fn migrate(url: &str) -> Result<Migrated, Error> {
        let (rt, pool, target) = PgStore::pool(url)?;
        let mut client = rt
            .block_on(pool.get())
            .map_err(|e| unreachable_error(&target, &e))?;
        let migrated = rt.block_on(schema::migrate(&mut client, true));
        drop(client);
        rt.shutdown_background();
        migrated
    }

    fn pool(url: &str) -> Result<(tokio::runtime::Runtime, Pool, String), Error> {
        // Never echo the URL: it may hold a password.
        let mut config: tokio_postgres::Config = url.parse().map_err(|_| {
            Error::config("store.url is not a valid PostgreSQL URL (postgres://user@host/db)")
        })?;
        let options = match config.get_options() {
            Some(o) => format!("{o} -c synchronous_commit=on"),
            None => "-c synchronous_commit=on".to_string(),
        };
        config.options(&options);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("warden");
        let target = describe_target(&config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("warden-pg")
            .enable_all()
            .build()
            .map_err(|e| Error::io(None, e))?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::config(format!("PostgreSQL store: {e}")))?;
        Ok((rt, pool, target))
    }

    fn connect(url: &str, apply: bool) -> Result<PgStore, Error> {
        let (rt, pool, target) = PgStore::pool(url)?;
        let mut client = rt
            .block_on(pool.get())
            .map_err(|e| unreachable_error(&target, &e))?;
        rt.block_on(schema::migrate(&mut client, apply))?;
        let startup = |what: &str, e: tokio_postgres::Error| {
            Error::config(format!(
                "PostgreSQL store: {what}: {}",
                schema::describe(&e)
            ))
        };
        // The master key: made once, by whichever node gets there first.
        let master = rt.block_on(async {
            client
                .execute(
                    "INSERT INTO vault_master (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                    &[&Key::random().expose().as_slice()],
                )
                .await?;
            client
                .query_one("SELECT key FROM vault_master WHERE id = 1", &[])
                .await
        });
        let master = master.map_err(|e| startup("cannot read the master key", e))?;
        let bytes: [u8; crate::domain::privacy::crypto::KEY_LEN] = master
            .try_get::<_, &[u8]>(0)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::config("PostgreSQL store: malformed master key"))?;
        drop(client);
        let subscribers = Arc::new(Mutex::new(Vec::new()));
        let store = PgStore {
            master: MasterKeys::derive(&Key::from_bytes(bytes)),
            rule_seq: AtomicU64::new(0),
            subscribers: subscribers.clone(),
            tallies: AtomicU64::new(0),
            folded: AtomicBool::new(false),
            pool,
            rt: Some(rt),
        };
        store.rule_seq();
        if let Ok(config) = url.parse::<tokio_postgres::Config>() {
            store
                .runtime()
                .spawn(listen::run(config, target, subscribers));
        }
        Ok(store)
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Only `Drop` takes it.
        self.rt
            .as_ref()
            .unwrap_or_else(|| unreachable!("runtime taken before drop"))
    }

    /// Runs `f` to completion on the store's runtime, blocking this thread.
    fn block<F: Future>(&self, f: F) -> F::Output {
        self.runtime().block_on(f)
    }

    fn client(&self) -> Result<deadpool_postgres::Object, Failure> {
        self.block(self.pool.get())
            .map_err(|e| internal(format_args!("PostgreSQL unavailable: {e}")))
    }

    /// Whether the database answers (readiness).
    pub fn ping(&self) -> Result<(), Failure> {
        let client = self.client()?;
        self.block(client.simple_query("SELECT 1"))
            .map(|_| ())
            .map_err(|e| failure(&e))
    }

    /// Runs `f` in one transaction and commits it; reruns it after a deadlock or a
    /// unique-key race (see `tx.rs`). `BEGIN` goes out with the transaction's first
    /// statement and `COMMIT` with its last writes (see `pipeline.rs`).
    fn transact<T>(&self, f: impl Fn(&PgTx<'_>) -> Result<T, Failure>) -> Result<T, Failure> {
        let mut client = InTransaction(Some(self.client()?));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let connection = client.connection()?;
            let (result, conflict, last_rule, notices) = {
                let ptx = PgTx {
                    tx: connection,
                    store: self,
                    last_rule: std::cell::Cell::new(None),
                    conflict: std::cell::Cell::new(false),
                    notices: std::cell::RefCell::new(Vec::new()),
                    keys: Default::default(),
                    locked: Default::default(),
                    policies: Default::default(),
                    rules: Default::default(),
                    removals: Default::default(),
                    pending: Default::default(),
                    outbox: Default::default(),
                    ops: Default::default(),
                    pending_rules: Default::default(),
                    fresh_rules: Default::default(),
                };
                ptx.defer("BEGIN", Vec::new());
                let result = f(&ptx).and_then(|v| {
                    ptx.commit()?;
                    Ok(v)
                });
                (
                    result,
                    ptx.conflict.get(),
                    ptx.last_rule.get(),
                    ptx.notices.take(),
                )
            };
            let result = match result {
                Ok(v) => Ok(v),
                Err(f) => {
                    // Ends the transaction whichever statement failed (after a failed
                    // COMMIT there is none: PostgreSQL only warns).
                    if self.block(connection.batch_execute("ROLLBACK")).is_err() {
                        // A connection in an unknown state never goes back to the pool.
                        client.discard();
                        return Err(f);
                    }
                    if conflict && attempt < MAX_ATTEMPTS {
                        continue;
                    }
                    Err(f)
                }
            };
            client.done();
            if result.is_ok() {
                if let Some(seq) = last_rule {
                    self.rule_seq.fetch_max(seq, Ordering::SeqCst);
                }
                // This node learns of its own changes at once, not by the round trip.
                for notice in &notices {
                    listen::publish(&self.subscribers, listen::parse(notice));
                }
            }
            return result;
        }
    }

    /// Runs a read statement on a pooled connection.
    fn rows(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, Failure> {
        let client = self.client()?;
        self.block(async {
            let stmt = client.prepare_cached(sql).await?;
            client.query(&stmt, params).await
        })
        .map_err(|e| failure(&e))
    }

    /// The documents in the first column of a read's rows.
    fn docs<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<T>, Failure> {
        self.rows(sql, params)?
            .iter()
            .map(|r| decode(r.try_get::<_, &[u8]>(0).map_err(internal)?))
            .collect()
    }

    fn doc<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<T>, Failure> {
        Ok(self.docs(sql, params)?.into_iter().next())
    }

    /// The subject's key, if it still has one.
    fn key(&self, subject: &SubjectId) -> Result<Option<Key>, Failure> {
        let rows = self.rows(
            "SELECT key FROM subject_keys WHERE subject = $1",
            &[&subject.as_bytes().as_slice()],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let bytes: [u8; crate::domain::privacy::crypto::KEY_LEN] = row
            .try_get::<_, &[u8]>(0)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| internal("malformed subject key"))?;
        Ok(Some(Key::from_bytes(bytes)))
    }

    fn open_rule(&self, stored: crate::store::record::StoredRule) -> Result<Rule, Failure> {
        stored.open(self.master.log_key())
    }

    fn put_config(
        &self,
        sql: &'static str,
        id: &str,
        doc: Vec<u8>,
        audit: &AuditRecord,
        notice: String,
    ) -> Result<(), Failure> {
        self.transact(|tx| {
            tx.exec(sql, &[&id, &doc])?;
            tx.audit(audit)?;
            tx.notify(notice.clone());
            Ok(())
        })
    }
}

/// A pooled connection while a transaction may be open on it: if it is dropped before
/// [`InTransaction::done`] (a panic in the change), it leaves the pool for good, so no
/// later user inherits a half-done transaction.
struct InTransaction(Option<deadpool_postgres::Object>);

impl InTransaction {
    fn connection(&self) -> Result<&deadpool_postgres::ClientWrapper, Failure> {
        self.0
            .as_deref()
            .ok_or_else(|| internal("PostgreSQL connection already discarded"))
    }

    fn discard(&mut self) {
        if let Some(object) = self.0.take() {
            drop(deadpool_postgres::Object::take(object));
        }
    }

    /// The transaction ended (committed or rolled back): the connection may be reused.
    fn done(mut self) {
        drop(self.0.take());
    }
}

impl Drop for InTransaction {
    fn drop(&mut self) {
        self.discard();
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn describe_target(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{db}")
}

fn unreachable_error(target: &str, e: &deadpool_postgres::PoolError) -> Error {
    let why = match e {
        deadpool_postgres::PoolError::Backend(e) => schema::describe(e),
        other => other.to_string(),
    };
    Error::config(format!("PostgreSQL store: cannot reach {target}: {why}"))
}

/// A database error as a failure: its SQLSTATE and message go to the log, never its
/// detail (which can quote row values), and never to a client.
pub(super) fn failure(e: &tokio_postgres::Error) -> Failure {
    internal(format_args!("PostgreSQL: {}", schema::describe(e)))
}

/// Errors a rerun of the transaction can fix.
pub(super) fn is_retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        c == &SqlState::T_R_DEADLOCK_DETECTED
            || c == &SqlState::T_R_SERIALIZATION_FAILURE
            || c == &SqlState::UNIQUE_VIOLATION
    })
}

pub(super) fn to_i64(n: u64) -> Result<i64, Failure> {
    i64::try_from(n).map_err(|_| internal("a number beyond bigint"))
}

/// A queue rank (u64) as a bigint in the same order: the top bit flipped.
pub(super) fn rank_to_i64(rank: u64) -> i64 {
    (rank ^ (1 << 63)) as i64
}

pub(super) fn rank_from_i64(rank: i64) -> u64 {
    (rank as u64) ^ (1 << 63)
}

pub(super) fn item_id(bytes: &[u8]) -> Result<ItemId, Failure> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| internal("malformed item id"))?;
    Ok(ItemId::from_bytes(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_keep_their_order_as_bigints() {
        let ranks = [
            0,
            1,
            1 << 62,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
        ];
        for pair in ranks.windows(2) {
            assert!(rank_to_i64(pair[0]) < rank_to_i64(pair[1]), "{pair:?}");
        }
        for rank in ranks {
            assert_eq!(rank_from_i64(rank_to_i64(rank)), rank);
        }
    }

    #[test]
    fn a_url_is_never_echoed() {
        let err = PgStore::open("postgres://user:s3cret@[bad")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("not a valid PostgreSQL URL"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}
