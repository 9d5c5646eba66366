//! Wiring: from a configuration to a running server. `isched serve` and the test harness
//! both start isched through [`start`].

use crate::config::Config;
use isched_auth::bootstrap::{Bootstrap, ensure_admin};
use isched_auth::clock::Clock;
use isched_engine::reconcile::Acting;
use isched_server::AppState;
use isched_store::{Store, redact_url};
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server that is running; dropping it does not stop it, [`Running::shutdown`] does.
pub struct Running {
    pub address: SocketAddr,
    /// `https://ADDRESS` when isched serves TLS itself, else `http://ADDRESS`.
    pub url: String,
    pub store: Store,
    pub bootstrap: Bootstrap,
    pub clock: Clock,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, finishes requests in flight, closes the database.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let result = self
            .task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.store.close().await;
        result
    }

    /// Waits until the server stops by itself (after `stop` resolved).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let result = (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.store.close().await;
        result
    }
}

/// Opens the database (creating and migrating it), ensures an admin exists, and serves on
/// `listener` until [`Running::shutdown`] or until `stop` resolves.
pub async fn start(
    config: &Config,
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    start_with_clock(config, listener, stop, Clock::system()).await
}

/// As [`start`], on `clock` (tests move it forward).
pub async fn start_with_clock(
    config: &Config,
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    clock: Clock,
) -> anyhow::Result<Running> {
    let url = config.database_url.expose_secret();
    let store = Store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", redact_url(url)))?;
    tracing::info!(backend = store.backend().as_str(), database = %redact_url(url), "database ready");
    let bootstrap = ensure_admin(
        &store,
        &config.admin_email,
        config.admin_password.as_ref(),
        clock.now(),
    )
    .await?;
    let address = listener.local_addr()?;
    // Read before anything starts, so a bad certificate stops `serve` with its file named.
    let tls = match &config.tls {
        Some(files) => Some(isched_server::tls_server_config(&files.cert, &files.key)?),
        None => None,
    };
    let url = match tls {
        Some(_) => format!("https://{address}"),
        None => format!("http://{address}"),
    };
    let issuer = config.public_url.clone().unwrap_or_else(|| url.clone());
    let auth = build_auth(config, &store, &issuer, clock.now()).await?;
    let provider = crate::providers::build(config, &store).await;
    tracing::info!(provider = config.provider.as_str(), "cloud provider ready");
    let provider_for_scheduler: std::sync::Arc<dyn isched_cloud::Provider> = provider.clone();
    let scheduler_handle = isched_engine::scheduler::SchedulerHandle::default();
    let notifier = isched_engine::notify::Notifier::new(
        Some((auth.mailer().clone(), store.clone())),
        config
            .webhook_url
            .as_ref()
            .map(|url| isched_engine::notify::Webhook {
                url: url.expose_secret().to_owned(),
                secret: config.webhook_secret.clone(),
            }),
    )
    .with_outbox(store.clone());
    let engine = isched_engine::Engine::new(
        provider_for_scheduler.clone(),
        store.clone(),
        config.schedule_tag.clone(),
        clock.clone(),
        notifier.clone(),
        Some(scheduler_handle.clone()),
        config.usage.settings.clone(),
    );
    if config.provider == crate::config::Provider::Sandbox && config.sandbox.demo {
        let sandbox = isched_cloud::sandbox::SandboxProvider::new(
            store.clone(),
            crate::providers::sandbox_options(config),
        );
        if let Err(e) = crate::demo::seed_first_run(&engine, &sandbox).await {
            tracing::warn!(error = %e, "the first-run demo was not made");
        }
    }
    let reminders = isched_engine::reminders::ReminderSettings {
        lead: jiff::SignedDuration::from_mins(config.reminder_minutes as i64),
        snooze: jiff::SignedDuration::from_mins(config.snooze_minutes as i64),
        public_url: issuer.clone(),
        owner_tag: config.owner_tag.clone(),
        sealer: auth.sealer().clone(),
    };
    let jobs = isched_engine::jobs::JobRunner {
        engine: engine.clone(),
        worker: format!("{address}/{}", uuid::Uuid::new_v4()),
        lease: jiff::SignedDuration::from_secs(config.job_lease_secs as i64),
        poll: std::time::Duration::from_secs(1),
        concurrency: 16,
        reminders: Some(reminders.clone()),
        dry_run: config.dry_run,
    };
    let state = AppState::new(
        engine,
        provider,
        std::sync::Arc::new(auth),
        clock.clone(),
        isched_server::install_metrics_recorder(),
        scheduler_handle.clone(),
    );
    let app = isched_server::router_with(
        state.clone(),
        &config.server,
        isched_web::routes(&state, config.settings_summary()),
    );
    let scheduler = config.scheduler_enabled.then(|| {
        let s = isched_engine::scheduler::Scheduler {
            provider: provider_for_scheduler,
            store: store.clone(),
            schedule_tag: config.schedule_tag.clone(),
            clock: clock.clone(),
            resync: jiff::SignedDuration::from_secs(config.resync_secs as i64),
            lease: jiff::SignedDuration::from_secs(config.lease_secs as i64),
            // Unique per process even when replicas share a host name, port and pid.
            holder: format!("{address}/{}", uuid::Uuid::new_v4()),
            notifier,
            reminders,
            acting: if config.dry_run {
                Acting::DryRun
            } else {
                Acting::Act
            },
            action_tags: config.action_tags.clone(),
        };
        (s, scheduler_handle)
    });
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            _ = rx => {}
            _ = stop => {}
        }
    };
    let scheduler = scheduler.map(|(s, handle)| {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        (tokio::spawn(s.run(handle, stop_rx)), stop_tx)
    });
    // Provisioning jobs run in every replica: each claims its own.
    let (jobs_stop, jobs_stop_rx) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(jobs.run(jobs_stop_rx.clone()));
    let exports = config.usage.export_to.clone().map(|to| {
        tokio::spawn(crate::usage_export::run(
            state.engine().clone(),
            to,
            jobs_stop_rx,
        ))
    });
    // The scheduler and the job runner stop with the server, after the requests in flight.
    let task = tokio::spawn(async move {
        let result = match tls {
            Some(tls) => isched_server::serve_tls(listener, tls, app, shutdown).await,
            None => isched_server::serve(listener, app, shutdown).await,
        };
        let _ = jobs_stop.send(true);
        let _ = jobs.await;
        if let Some(exports) = exports {
            let _ = exports.await;
        }
        if let Some((task, stop)) = scheduler {
            let _ = stop.send(true);
            let _ = task.await;
        }
        result
    });
    tracing::info!(%address, %url, "listening");
    Ok(Running {
        address,
        url,
        store,
        bootstrap,
        clock,
        shutdown: Some(tx),
        task,
    })
}

/// The sign-in service: settings from configuration, email when SMTP is configured.
async fn build_auth(
    config: &Config,
    store: &Store,
    issuer: &str,
    now: jiff::Timestamp,
) -> anyhow::Result<isched_auth::service::AuthService> {
    use isched_auth::mail::Mailer;
    use isched_auth::service::{AuthService, AuthSettings};
    let identity = &config.identity;
    let mut settings = AuthSettings::new(issuer);
    settings.policy = identity.password_policy.clone();
    settings.self_signup = identity.self_signup;
    settings.require_admin_mfa = identity.require_admin_mfa;
    let mailer = match &config.smtp_url {
        Some(url) => Mailer::from_url(url, &identity.smtp_from)
            .map_err(|e| anyhow::anyhow!("ISCHED_SMTP_URL: {e}"))?,
        None => Mailer::disabled(),
    };
    let sealer = std::sync::Arc::new(sealer(config)?);
    if !sealer.seals() {
        tracing::warn!(
            "ISCHED_SECRET_KEY is not set: the token and snooze-link signing keys are stored in the database unsealed; set it (see docs/configuration.md)"
        );
    }
    AuthService::new(
        store.clone(),
        settings,
        mailer,
        identity.external_issuers.clone(),
        sealer,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot load token signing keys: {e}"))
}

/// What seals the token signing keys: the configured secret keys, or nothing.
pub fn sealer(config: &Config) -> anyhow::Result<isched_auth::sealing::Sealer> {
    use isched_auth::sealing::Sealer;
    let keys = &config.secret_keys;
    match &keys.current {
        Some(current) => Sealer::new(current, &keys.previous)
            .map_err(|e| anyhow::anyhow!("ISCHED_SECRET_KEY: {e}")),
        None => Ok(Sealer::none()),
    }
}
