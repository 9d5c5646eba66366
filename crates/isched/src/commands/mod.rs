//! One module per command.

mod api_client;
pub mod backup;
mod context;
mod credentials;
pub mod definitions;
pub mod health;
pub mod instances;
pub mod keys;
pub mod login;
pub mod migrate;
pub mod plan;
pub mod resources;
pub mod sandbox;
pub mod schedule;
mod scheduler_cli;
pub mod serve;
pub mod templates;
pub mod usage;
pub mod users;

/// Exit code for invalid configuration or usage, as clap uses for bad arguments.
pub const EXIT_USAGE: u8 = 2;

/// The configuration, or exit code 2 after printing every problem in it.
pub(crate) fn load_config(
    file: Option<&std::path::Path>,
) -> Result<crate::config::Config, std::process::ExitCode> {
    crate::config::Config::load(file).map_err(|e| {
        eprintln!("isched: invalid configuration:\n{e}");
        std::process::ExitCode::from(EXIT_USAGE)
    })
}

/// Runs an async command body; errors print as `isched: ...` with exit code 1.
pub(crate) fn block_on(
    body: impl std::future::Future<Output = anyhow::Result<std::process::ExitCode>>,
) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("isched: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(body).unwrap_or_else(|e| {
        eprintln!("isched: {e:#}");
        std::process::ExitCode::FAILURE
    })
}
