//! `warden serve` as a child process for the black-box benchmarks: port 0, a temporary data
//! directory, the admin key from the environment, no rate limit. Shared by `load.rs` and
//! `adversarial.rs` through `#[path]` (each bench is its own crate).
//!
//! With `WARDEN_BENCH_PG_URL` (a PostgreSQL cluster's URL without a database, as
//! `tests/with-postgres.sh` sets `WARDEN_TEST_PG_URL`), each server stores in a fresh
//! database of that cluster instead of sled (`benches/load-postgres.sh`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub base: String,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `binary` and waits for the line that names the port it bound.
    pub fn start(binary: &Path, admin_key: &str) -> Server {
        Server::start_with(binary, admin_key, &[])
    }

    /// As [`Server::start`], with more environment variables.
    pub fn start_with(binary: &Path, admin_key: &str, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = postgres_database();
        let mut server = Server::launch(binary, admin_key, &dir.path().join("data"), env, url);
        server._dir = Some(dir);
        server
    }

    /// `nodes` servers sharing one fresh PostgreSQL database of `WARDEN_BENCH_PG_URL`
    /// (several Warden nodes of one deployment), each with its own data directory; one
    /// server on sled when that is unset (sled is one process's store).
    #[allow(dead_code)]
    pub fn start_nodes(binary: &Path, admin_key: &str, nodes: usize) -> Vec<Server> {
        let Some(url) = postgres_database() else {
            return vec![Server::start(binary, admin_key)];
        };
        (0..nodes.max(1))
            .map(|_| {
                let dir = tempfile::tempdir().expect("temporary directory");
                let data = dir.path().join("data");
                let mut server = Server::launch(binary, admin_key, &data, &[], Some(url.clone()));
                server._dir = Some(dir);
                server
            })
            .collect()
    }

    /// Starts `binary` over an existing data directory (kept when it stops). Always on
    /// sled: a restart over the same data needs the same store, and a PostgreSQL database
    /// made by `start_with` is not kept with the directory.
    #[allow(dead_code)]
    pub fn start_in(binary: &Path, admin_key: &str, data: &Path) -> Server {
        Server::launch(binary, admin_key, data, &[], None)
    }

    fn launch(
        binary: &Path,
        admin_key: &str,
        data: &Path,
        env: &[(&str, &str)],
        store_url: Option<String>,
    ) -> Server {
        let mut command = Command::new(binary);
        if let Some(url) = store_url {
            command.env("WARDEN_STORE_URL", url);
        }
        let mut child = command
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("WARDEN_ADMIN_KEY", admin_key)
            .env("WARDEN_RATE_LIMIT_PER_SECOND", "0")
            .env("WARDEN_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn warden serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("warden: listening on ") {
                        break addr.trim().to_string();
                    }
                }
                _ => panic!("warden serve did not start"),
            }
        };
        Server {
            child,
            base,
            _dir: None,
        }
    }
}

/// A new database in the cluster of `WARDEN_BENCH_PG_URL`, if set (made with `psql`).
fn postgres_database() -> Option<String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::var("WARDEN_BENCH_PG_URL").ok()?;
    let name = format!(
        "warden_bench_{}_{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::SeqCst)
    );
    let made = Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(made.success(), "CREATE DATABASE {name}");
    Some(format!("{base}/{name}"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
