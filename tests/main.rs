//! Integration tests, compiled as one binary to save link time.

mod common;

mod cli;
mod dictionary;
mod evasion;
mod model;
mod properties;
