//! `isched serve`: the API, the web UI and the scheduler in one process.

use crate::app;
use crate::config::Config;
use crate::logging;
use isched_auth::bootstrap::Bootstrap;
use secrecy::ExposeSecret;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>) -> ExitCode {
    let config = match super::load_config(config_file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let _telemetry = logging::init_with_traces(config.log_format, &config.log_level, true);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("isched: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "isched serve failed");
            eprintln!("isched: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let running = app::start(&config, listener, shutdown_signal()).await?;
    announce(&running);
    running.wait().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Tells the person at the terminal where to go, and the generated admin password once.
/// Printed directly, not logged, so the password never reaches a log pipeline.
fn announce(running: &app::Running) {
    let url = &running.url;
    match &running.bootstrap {
        Bootstrap::CreatedWithGeneratedPassword { email, password } => {
            eprintln!(
                "\n  isched is running at {url}\n\n  First sign-in: {email}\n  One-time password: {}\n  \
                 (shown only now; you will be asked to choose a new one)\n",
                password.expose_secret()
            );
        }
        Bootstrap::Created { email } => {
            eprintln!("\n  isched is running at {url} (admin: {email})\n")
        }
        Bootstrap::AdminExists => eprintln!("\n  isched is running at {url}\n"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
