//! Test harness: start the real thing. Every test gets its own database (a temporary SQLite
//! file, or a freshly created Postgres database that is dropped afterwards), its own server
//! on a free loopback port, and, when it needs them, its own moto and SMTP servers.
//!
//! Tests that run on both backends are written once with [`backend_tests!`].

mod browser;
mod crash;
mod db;
mod fault_proxy;
mod http;
mod moto;
mod python;
mod serve_process;
pub use python::venv_bin;
mod smtp;
pub mod usage_data;
mod webhook;
mod wrk;
pub use wrk::{WrkFigures, rss_mib, wrk, wrk_latency};

pub use browser::Browser;
pub use crash::{crash_seed, sqlite_scalar};
pub use db::{Backend, TestDb};
pub use fault_proxy::{Fault, FaultProxy};
pub use http::Http;
pub use moto::{Moto, isched_on_aws, sdk_config_for};
pub use serve_process::{ServeProcess, exit_within};
pub use smtp::{Message, SmtpSink};
pub use webhook::{Hook, WebhookSink};

use isched::config::Config;
use secrecy::SecretString;
use std::net::SocketAddr;

/// The bootstrap admin every spawned app has.
pub const ADMIN_EMAIL: &str = "admin@isched.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// A running isched on a free port with a fresh database.
pub struct TestApp {
    /// Requests to it (`app.post(..)`, `app.base_url`, ... through `Deref`).
    pub http: Http,
    pub address: SocketAddr,
    pub store: isched_store::Store,
    /// The server's clock; `app.clock.advance(..)` moves time forward for the server.
    pub clock: isched_auth::clock::Clock,
    running: Option<isched::app::Running>,
    // Dropped last: the database outlives the server that uses it.
    pub db: TestDb,
}

impl std::ops::Deref for TestApp {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

impl TestApp {
    /// Stops the server gracefully (the database is dropped with the `TestApp`).
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("server stops cleanly");
        }
    }
}

/// Starts isched on `backend`, or returns `None` when that backend is unavailable here and
/// the test should be skipped (never under `CI=true`, where that fails instead).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// The `ISCHED_SECRET_KEY` of test apps.
pub const TEST_SECRET_KEY: &str = "test-secret-key-that-seals-the-signing-keys";

/// As [`spawn_app`], letting the test adjust the configuration first.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    spawn_app_on_clock(backend, isched_auth::clock::Clock::system(), adjust).await
}

/// As [`spawn_app_with`], on `clock` from its first instant (a restart after downtime is a
/// clock already moved on).
pub async fn spawn_app_on_clock(
    backend: Backend,
    clock: isched_auth::clock::Clock,
    adjust: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    init_test_logging();
    let db = TestDb::create(backend).await?;
    let mut config = Config::defaults();
    config.database_url = SecretString::from(db.url().to_owned());
    config.listen = "127.0.0.1:0".parse().expect("loopback");
    config.admin_email = isched_store::Email::parse(ADMIN_EMAIL).expect("valid email");
    config.admin_password = Some(SecretString::from(ADMIN_PASSWORD));
    // Tests drive passes themselves; the ones about the scheduler turn it on.
    config.scheduler_enabled = false;
    // Tests make the resources they count; the one about the demo turns it on.
    config.sandbox.demo = false;
    // As deployments run: the signing keys sealed.
    config.secret_keys.current = Some(SecretString::from(TEST_SECRET_KEY));
    adjust(&mut config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .expect("bind a free loopback port");
    let running =
        isched::app::start_with_clock(&config, listener, std::future::pending(), clock.clone())
            .await
            .expect("isched starts");
    let address = running.address;
    Some(TestApp {
        http: Http::new(format!("http://{address}")),
        address,
        store: running.store.clone(),
        clock,
        running: Some(running),
        db,
    })
}

/// `ISCHED_TEST_LOG=debug` shows the server's logs in test output.
fn init_test_logging() {
    if let Ok(filter) = std::env::var("ISCHED_TEST_LOG") {
        isched::logging::init(isched::config::LogFormat::Text, &filter);
    }
}

/// Writes each test twice, once per backend: `backend_tests!(name)` expects
/// `async fn name(backend: Backend)` in scope and generates `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )+
    };
}
