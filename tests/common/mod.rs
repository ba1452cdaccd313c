//! Shared fixtures for the integration tests.

use std::sync::OnceLock;

use warden::model::ModelOptions;
use warden::Engine;

/// The patterns-only engine (embedded English lists, default policy), built once.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().build().expect("default engine builds"))
}

/// The engine as `warden serve` runs it: wordlists plus the shipped classifier, built once.
pub fn model_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = ModelOptions::shipped().expect("models/warden-minilm is in the checkout");
        Engine::builder()
            .model(Some(options))
            .build()
            .expect("the shipped model loads (run `make setup` for ONNX Runtime)")
    })
}

/// The `warden` binary built for these tests.
pub fn warden_bin() -> &'static str {
    env!("CARGO_BIN_EXE_warden")
}

/// The throwaway PostgreSQL cluster `tests/with-postgres.sh` started (`make test` runs
/// the tests inside it), as a URL without a database; `None` outside it, where the
/// PostgreSQL variants of the tests say so and pass.
pub fn postgres() -> Option<String> {
    std::env::var("WARDEN_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The URL of the database `name` in the test cluster, created if missing.
pub fn postgres_database(name: &str) -> String {
    let base = postgres().expect("WARDEN_TEST_PG_URL is set (tests/with-postgres.sh)");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, connection) =
            tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
                .await
                .expect("the test cluster answers");
        let conn = tokio::spawn(connection);
        let exists = !client
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .expect("query")
            .is_empty();
        if !exists {
            // Names are ours (letters, digits, underscores): no quoting needed.
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
        }
        drop(client);
        let _ = conn.await;
    });
    format!("{base}/{name}")
}

/// A fresh database's URL, named after `key` (a path, a test name): the same key gives
/// the same database, so a test can reopen what it wrote.
pub fn postgres_for(key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    postgres_database(&format!("warden_t_{}", &hex::encode(digest)[..20]))
}

/// Runs `sql` (statements separated by `;`) in the database at `url`.
pub fn postgres_exec(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("the test cluster answers");
        let conn = tokio::spawn(connection);
        client.batch_execute(sql).await.expect("statements run");
        drop(client);
        let _ = conn.await;
    });
}
