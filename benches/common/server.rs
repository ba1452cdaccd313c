//! `warden serve` as a child process for the black-box benchmarks: port 0, a temporary data
//! directory, the admin key from the environment, no rate limit. Shared by `load.rs` and
//! `adversarial.rs` through `#[path]` (each bench is its own crate).

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
        let mut server = Server::start_in(binary, admin_key, &dir.path().join("data"));
        server._dir = Some(dir);
        server
    }

    /// Starts `binary` over an existing data directory (kept when it stops).
    #[allow(dead_code)]
    pub fn start_in(binary: &Path, admin_key: &str, data: &Path) -> Server {
        let mut child = Command::new(binary)
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

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
