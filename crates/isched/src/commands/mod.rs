//! One module per command.

mod context;
pub mod resources;
pub mod sandbox;
pub mod schedule;
pub mod serve;

/// Exit code for invalid configuration or usage, as clap uses for bad arguments.
pub const EXIT_USAGE: u8 = 2;
