//! The `isched` binary's library half: command-line interface, configuration, and the
//! wiring that turns a [`config::Config`] into a running server. Tests start the same
//! wiring through `isched-testkit`.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod fuzz_entry;
pub mod logging;
pub mod migrate;
pub mod providers;
mod usage_export;
