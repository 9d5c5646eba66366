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
    let running = app::start(&config, listener, shutdown_signal()?).await?;
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

/// Registers for SIGINT and SIGTERM now, before the server answers its first request, and
/// returns the future that resolves on either. Registering inside the future would leave a
/// window after `/health` first answers in which SIGTERM still has its default action and kills
/// the process without a graceful stop (seen in CI).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt())
            .map_err(|e| anyhow::anyhow!("cannot listen for SIGINT: {e}"))?;
        let terminate = signal(SignalKind::terminate())
            .map_err(|e| anyhow::anyhow!("cannot listen for SIGTERM: {e}"))?;
        (interrupt, terminate)
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received; finishing requests in flight");
    })
}
