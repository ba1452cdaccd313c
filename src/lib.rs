//! Warden: a self-hosted trust-and-safety engine.
//!
//! Text goes in, a [`Verdict`] comes out: which characters are the problem, in which
//! [`Category`], how severe, and what a [`Policy`] says to do about it.
//!
//! * [`text`] undoes evasions (homoglyphs, leetspeak, separators, masks, elongation) while
//!   keeping a map back to the original characters.
//! * [`patterns`] matches wordlists and personal-data detectors over the normalized text.
//! * [`engine`] combines the detectors into a verdict; [`policy`] decides the action.
//!
//! The moderation service (`warden serve`) is built on top:
//!
//! * [`domain`]: the moderation rules as pure types and functions: items and their
//!   lifecycle, events, priority, suppression policy, community policies, privacy types,
//!   decision records;
//! * [`store`]: durable state behind a narrow interface (sled today);
//! * `moderation`: the application layer, one module per use case;
//! * [`auth`]: API keys, roles and community scopes;
//! * [`http`]: the authenticated JSON API; [`config`]: its configuration;
//! * `compat`: drop-in Perspective and OpenAI moderation APIs on top of it.
//!
//! ```
//! use warden::{Action, Engine};
//!
//! let engine = Engine::builder().build()?;
//! let verdict = engine.score("you are a f.u.c.k.i.n.g idiot");
//! assert!(verdict.flagged);
//! assert_eq!(verdict.matches[0].start, 10);
//! # Ok::<(), warden::Error>(())
//! ```
//!
//! # What is API
//!
//! The library's API is the engine half: [`Engine`] and what it takes and returns
//! ([`text`], [`patterns`], [`model`], [`policy`], [`verdict`], [`engine`]), and [`Error`]
//! with its [`Code`]. The service's modules are public only where something outside the
//! library must reach them, and are not a stable API:
//!
//! * [`http`] and [`config`]: the API tests build the app in-process
//!   (`http::create_app` over a `Config`);
//! * [`store`], [`domain`], [`ids`], [`clock`], [`auth`], [`failure`]: the store contract
//!   suite (`tests/store/`) drives `Store` directly with the domain's types, and the API
//!   tests check what the store holds afterwards;
//! * `run_cli` (hidden from the docs): `src/main.rs` is this one call.
//!
//! The rest (`cli`, `moderation`, `compat`, `scorer`) is private to the crate.

pub mod auth;
mod cli;
pub mod clock;
mod compat;
pub mod config;
pub mod domain;
pub mod engine;
mod error;
pub mod failure;
pub mod http;
pub mod ids;
pub mod model;
mod moderation;
pub mod patterns;
pub mod policy;
mod schema;
mod scorer;
pub mod store;
pub mod text;
pub mod verdict;

#[doc(hidden)]
pub use cli::run as run_cli;
pub use engine::{Engine, EngineBuilder};
pub use error::{Code, Error, Result};
pub use patterns::{MatchMode, PatternSet, Term, Wordlists};
pub use policy::{Guards, Policy, Thresholds};
pub use verdict::{
    Action, Category, EngineInfo, Guard, GuardEffect, GuardKind, Match, ModelInfo, PiiKind,
    SensitiveCategory, SensitiveSpan, Severity, Source, Verdict,
};
