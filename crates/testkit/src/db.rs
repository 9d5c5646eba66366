//! A fresh database per test.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test: a SQLite file in a temporary directory, or a
/// Postgres database created for the test and dropped (with its connections) afterwards.
pub struct TestDb {
    url: String,
    postgres: Option<(String, String)>, // (server URL, database name)
    _dir: Option<tempfile::TempDir>,
}

/// The Postgres server tests use; `scripts/test` sets it.
pub fn postgres_server_url() -> String {
    std::env::var("ISCHED_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

impl TestDb {
    /// `None` means: Postgres is unavailable here and this test is skipped (said loudly).
    /// Under `CI=true` an unavailable Postgres panics instead.
    pub async fn create(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("isched.db").display());
                Some(TestDb {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => Self::create_postgres().await,
        }
    }

    async fn create_postgres() -> Option<TestDb> {
        let server = postgres_server_url();
        let skip = |why: String| {
            assert!(!in_ci(), "Postgres is required under CI=true, but {why}");
            eprintln!(
                "SKIPPED (Postgres unavailable: {why}); set ISCHED_TEST_POSTGRES_URL or start Postgres"
            );
            None
        };
        if std::env::var("ISCHED_TEST_SKIP_POSTGRES").is_ok() {
            return skip("ISCHED_TEST_SKIP_POSTGRES is set".into());
        }
        let admin = match tokio::time::timeout(
            Duration::from_secs(5),
            sqlx::PgPool::connect(&server),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return skip(format!("cannot connect to {server}: {e}")),
            Err(_) => return skip(format!("connecting to {server} timed out")),
        };
        let name = format!("isched_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create the test database");
        admin.close().await;
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        Some(TestDb {
            url: format!("{base}/{name}"),
            postgres: Some((server.clone(), name)),
            _dir: None,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; use a small runtime on its own thread.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = sqlx::PgPool::connect(&server).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&admin)
                    .await
                    .ok();
                admin.close().await;
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!(
                "warning: could not drop a test database on {}",
                isched_store::redact_url(&postgres_server_url())
            );
        }
    }
}
