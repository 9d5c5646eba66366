//! What commands that touch the database share: configuration (exit 2 when invalid), quiet
//! logging, a runtime, and the opened store.

use crate::config::Config;
use isched_auth::clock::Clock;
use isched_engine::Engine;
use isched_engine::notify::{Notifier, Webhook};
use isched_store::{Store, redact_url};
use jiff::Timestamp;
use secrecy::ExposeSecret;
use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

/// Runs `body` with the configuration and store; errors print as `isched: ...`.
pub fn with_store<F, Fut>(config_file: Option<&Path>, body: F) -> ExitCode
where
    F: FnOnce(Config, Store) -> Fut,
    Fut: Future<Output = Result<ExitCode, anyhow::Error>>,
{
    let config = match super::load_config(config_file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    // Commands print data on standard output; only warnings and errors are logged.
    crate::logging::init(config.log_format, "warn");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("isched: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let url = config.database_url.expose_secret().to_owned();
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("isched: cannot open the database {}: {e}", redact_url(&url));
                return ExitCode::FAILURE;
            }
        };
        let result = body(config, store.clone()).await;
        store.close().await;
        result.unwrap_or_else(|e| {
            eprintln!("isched: {e:#}");
            ExitCode::FAILURE
        })
    })
}

/// As [`with_store`], with the engine every change goes through (audited as `cli`). Its
/// clock reads `at` now when given (`--at`), else the time.
pub fn with_engine<F, Fut>(config_file: Option<&Path>, at: Option<Timestamp>, body: F) -> ExitCode
where
    F: FnOnce(Config, Engine) -> Fut,
    Fut: Future<Output = Result<ExitCode, anyhow::Error>>,
{
    with_store(config_file, move |config, store| async move {
        let provider = crate::providers::build(&config, &store).await;
        let clock = at.map_or_else(Clock::system, Clock::starting_at);
        // What the CLI notifies goes through the outbox, so a failed webhook is retried by
        // `isched serve`.
        let notifier = Notifier::new(
            None,
            config.webhook_url.as_ref().map(|url| Webhook {
                url: url.expose_secret().to_owned(),
                secret: config.webhook_secret.clone(),
            }),
        )
        .with_outbox(store.clone());
        let engine = Engine::new(
            provider,
            store,
            config.schedule_tag.clone(),
            clock,
            notifier,
            None,
            config.usage.settings.clone(),
        );
        body(config, engine).await
    })
}
