//! One module per command.

pub mod schedule;
pub mod serve;

/// Exit code for invalid configuration or usage, as clap uses for bad arguments.
pub const EXIT_USAGE: u8 = 2;
