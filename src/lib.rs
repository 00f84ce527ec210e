//! imconform: a contract conformance harness for the Tencent Cloud Chat REST API.
//!
//! Data flows one way: `contract` (the files: a directory or the copy built into the binary) →
//! `spec` (load, resolve, validate) → `runner` (plan, fixtures, pacing,
//! requests through `http` with `auth` signing) → `check` → plain `result` data → `report`.
//! `emulator` is a reference target; it depends on `auth` and never on the runner.
//! `pipeline` is one whole run (plan → results → verdicts → report data), shared by the CLI,
//! the `cargo test` harness and selftest.

pub mod auth;
pub mod baseline;
pub mod check;
pub mod config;
pub mod contract;
pub mod coverage;
pub mod diff;
pub mod emulator;
pub mod exit;
pub mod export;
pub mod http;
pub mod known;
pub mod matrix;
pub mod pipeline;
pub mod report;
pub mod require;
pub mod result;
pub mod runner;
pub mod selftest;
pub mod spec;
pub mod target;
