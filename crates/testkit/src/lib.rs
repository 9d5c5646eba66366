//! Test harness: start the real thing. Every test gets its own database (a temporary SQLite
//! file, or a freshly created Postgres database that is dropped afterwards), its own server
//! on a free loopback port, and, when it needs them, its own moto and SMTP servers.
//!
//! Tests that run on both backends are written once with [`backend_tests!`].

mod browser;
mod db;
mod fault_proxy;
mod moto;
mod python;
pub use python::venv_bin;
mod smtp;
mod webhook;

pub use browser::Browser;
pub use db::{Backend, TestDb};
pub use fault_proxy::FaultProxy;
pub use moto::{Moto, isched_on_aws, sdk_config_for};
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
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub store: isched_store::Store,
    /// The server's clock; `app.clock.advance(..)` moves time forward for the server.
    pub clock: isched_auth::clock::Clock,
    running: Option<isched::app::Running>,
    // Dropped last: the database outlives the server that uses it.
    pub db: TestDb,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the test server")
    }

    /// POSTs `body` as JSON, with `token` as bearer when given.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request reaches the test server")
    }

    /// Sends `method path` with `token` as bearer and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request reaches the test server")
    }

    /// Signs in and returns the token response; panics unless it is tokens.
    pub async fn login(&self, email: &str, password: &str) -> serde_json::Value {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {email}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert!(
            body["access_token"].is_string(),
            "tokens expected, got {body}"
        );
        body
    }

    /// An access token of the bootstrap admin.
    pub async fn admin_token(&self) -> String {
        let tokens = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        tokens["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Creates a user (as `admin`) who signs in with the temporary password, sets
    /// `password`, and returns their access token.
    pub async fn user_token(&self, admin: &str, email: &str, password: &str) -> String {
        let created: serde_json::Value = self
            .post(
                "/api/v1/users",
                Some(admin),
                &serde_json::json!({ "email": email }),
            )
            .await
            .json()
            .await
            .expect("json");
        let temporary = created["temporary_password"]
            .as_str()
            .unwrap_or_else(|| panic!("user created with a temporary password: {created}"));
        let challenge: serde_json::Value = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": email, "password": temporary }),
            )
            .await
            .json()
            .await
            .expect("json");
        let tokens: serde_json::Value = self
            .post(
                "/api/v1/auth/challenge",
                None,
                &serde_json::json!({
                    "challenge": "NEW_PASSWORD_REQUIRED",
                    "session": challenge["session"],
                    "new_password": password,
                }),
            )
            .await
            .json()
            .await
            .expect("json");
        tokens["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("tokens after the new password: {tokens}"))
            .to_owned()
    }

    /// Stores the period and schedule `office` (09:00-17:00, Monday to Friday, Berlin), as
    /// `admin`.
    pub async fn office_schedule(&self, admin: &str) {
        let period = serde_json::json!({ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
        let schedule = serde_json::json!({ "name": "office", "timezone": "Europe/Berlin", "periods": ["office"] });
        for (path, body) in [("/api/v1/periods", period), ("/api/v1/schedules", schedule)] {
            let res = self.post(path, Some(admin), &body).await;
            assert_eq!(res.status(), 201, "{path}");
        }
    }

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
        base_url: format!("http://{address}"),
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
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
