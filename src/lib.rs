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
//! ```
//! use warden::{Action, Engine};
//!
//! let engine = Engine::builder().build()?;
//! let verdict = engine.score("you are a f.u.c.k.i.n.g idiot");
//! assert!(verdict.flagged);
//! assert_eq!(verdict.matches[0].start, 10);
//! # Ok::<(), warden::Error>(())
//! ```

pub mod cli;
pub mod engine;
mod error;
pub mod model;
pub mod patterns;
pub mod policy;
pub mod text;
pub mod verdict;

pub use engine::{Engine, EngineBuilder};
pub use error::{Error, Result};
pub use patterns::{MatchMode, PatternSet, Term, Wordlists};
pub use policy::{Policy, Thresholds};
pub use verdict::{
    Action, Category, EngineInfo, Match, ModelInfo, PiiKind, Severity, Source, Verdict,
};
