//! What backups need from storage: the schema version a database is at, a consistent SQLite
//! snapshot of a live database, and a look inside a SQLite backup file without changing it.
//! (Postgres backups are `pg_dump` archives; `isched backup` runs the tools.)

use crate::{Backend, Pool, Store, StoreError, on_pool, redact_url};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;
use std::str::FromStr;

/// The newest migration this build of isched knows for `backend`: a database or backup at a
/// higher version was written by a newer isched.
pub fn known_schema_version(backend: Backend) -> i64 {
    let migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// What a SQLite backup file holds, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub schema_version: i64,
    pub users: i64,
    pub schedules: i64,
    pub history: i64,
}

impl Store {
    /// Opens an existing database without creating or migrating it: a backup must not
    /// change what it copies, and a restore must not write tables first.
    pub async fn open_unmigrated(url: &str) -> Result<Store, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?.create_if_missing(false);
            Pool::Sqlite(SqlitePool::connect_with(options).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(crate::connect::connect_postgres(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        Ok(Store { pool })
    }

    /// The newest migration applied to this database (0 when it has none).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        if !self.has_isched_tables().await? {
            return Ok(0);
        }
        let version: Option<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success"
        )
        .fetch_one(p)
        .await)?;
        Ok(version.unwrap_or(0))
    }

    /// Creates the empty Postgres database `url` names when it is missing, for a restore
    /// into a new database.
    pub async fn create_postgres_database(url: &str) -> Result<(), StoreError> {
        crate::connect::create_postgres_database(url).await
    }

    /// Whether isched's migrations have ever run here.
    pub async fn has_isched_tables(&self) -> Result<bool, StoreError> {
        let found: i64 = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master \
                     WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
            }
        };
        Ok(found > 0)
    }

    /// The schema version and a few counts, to show what a backup or restore carried.
    pub async fn summary(&self) -> Result<BackupSummary, StoreError> {
        let schema_version = self.schema_version().await?;
        if schema_version == 0 {
            return Err(StoreError::Corrupt("not an isched database".into()));
        }
        let count = |sql: &'static str| async move {
            on_pool!(self, |p| sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(p)
                .await)
        };
        Ok(BackupSummary {
            schema_version,
            users: count("SELECT COUNT(*) FROM users").await?,
            schedules: count("SELECT COUNT(*) FROM definitions WHERE kind = 'schedule'").await?,
            history: count("SELECT COUNT(*) FROM resource_history").await?,
        })
    }

    /// Writes a consistent snapshot of this SQLite database to `to`, a file that must not
    /// exist yet. It reads one transaction, so the server may keep running meanwhile.
    pub async fn snapshot_sqlite(&self, to: &Path) -> Result<(), StoreError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Corrupt(
                "a SQLite snapshot of a Postgres database was asked for".into(),
            ));
        };
        let to = to.to_str().ok_or_else(|| {
            StoreError::Corrupt(format!("the path {} is not valid UTF-8", to.display()))
        })?;
        sqlx::query("VACUUM INTO $1").bind(to).execute(pool).await?;
        Ok(())
    }

    /// Empties this Postgres database's schema, for a restore that replaces its contents.
    pub async fn clear_postgres_schema(&self) -> Result<(), StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::Corrupt(
                "clearing a Postgres schema was asked of SQLite".into(),
            ));
        };
        let mut tx = pool.begin().await?;
        sqlx::query("DROP SCHEMA public CASCADE")
            .execute(&mut *tx)
            .await?;
        sqlx::query("CREATE SCHEMA public")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Opens the SQLite file at `path` read-only, checks its integrity, and tells its schema
/// version and what it holds.
pub async fn inspect_sqlite_backup(path: &Path) -> Result<BackupSummary, StoreError> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let integrity: Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await;
    let store = Store {
        pool: Pool::Sqlite(pool),
    };
    let summary = match integrity {
        Ok(ok) if ok == "ok" => store.summary().await.map_err(|e| match e {
            StoreError::Corrupt(_) => StoreError::Corrupt(format!(
                "{} is a SQLite file but not an isched database",
                path.display()
            )),
            e => e,
        }),
        Ok(problem) => Err(StoreError::Corrupt(format!(
            "{} fails SQLite's integrity check: {problem}",
            path.display()
        ))),
        Err(e) => Err(StoreError::Corrupt(format!(
            "{} is not a SQLite database ({e})",
            path.display()
        ))),
    };
    store.close().await;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn snapshot_is_a_database_at_the_current_version() {
        let dir = tempfile::tempdir().expect("works");
        let url = format!("sqlite://{}", dir.path().join("live.db").display());
        let store = Store::connect(&url).await.expect("works");
        assert_eq!(
            store.schema_version().await.expect("works"),
            known_schema_version(Backend::Sqlite)
        );
        let copy = dir.path().join("copy.db");
        store.snapshot_sqlite(&copy).await.expect("works");
        // A second snapshot onto the same file is refused, not a silent overwrite.
        assert!(store.snapshot_sqlite(&copy).await.is_err());
        let summary = inspect_sqlite_backup(&copy).await.expect("works");
        assert_eq!(
            summary.schema_version,
            known_schema_version(Backend::Sqlite)
        );
        assert_eq!(
            (summary.users, summary.schedules, summary.history),
            (0, 0, 0)
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().expect("works");
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "not a database, just words that go on for a while").expect("works");
        assert!(inspect_sqlite_backup(&path).await.is_err());
    }
}
