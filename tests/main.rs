//! Integration tests, compiled as one binary to save link time.

mod common;

mod api;
mod cli;
mod dictionary;
mod evasion;
mod layers;
mod model;
mod properties;
mod store;
