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
