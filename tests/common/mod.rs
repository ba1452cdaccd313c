//! Shared fixtures for the integration tests.

use std::sync::OnceLock;

use warden::Engine;

/// The default engine (embedded English lists, default policy), built once.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().build().expect("default engine builds"))
}

/// The `warden` binary built for these tests.
pub fn warden_bin() -> &'static str {
    env!("CARGO_BIN_EXE_warden")
}
