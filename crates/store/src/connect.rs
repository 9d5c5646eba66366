//! Opening the database named by the URL: options, creation and migrations per backend.

use crate::{Pool, Store, StoreError, on_pool};
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// How long to wait for a connection before a request fails rather than hangs.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`:
    /// `sqlite://PATH` (WAL, foreign keys, busy timeout) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(open_sqlite(url).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(open_postgres(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            // Postgres migrations take an advisory lock, so replicas starting together are safe.
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database; returns how long it took.
    pub async fn ping(&self) -> Result<Duration, StoreError> {
        let start = Instant::now();
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(start.elapsed())
    }

    /// A write the size of a row, committed: answers whether the database can be written
    /// now (a full disk or a read-only file still answers `SELECT 1`).
    pub async fn probe_write(&self, now: jiff::Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO health_probe (id, checked_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"
        )
        .bind(crate::time::to_ms(now))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        on_pool!(self, |p| PoolStats {
            size: p.size(),
            idle: p.num_idle() as u32,
        })
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }
}

async fn open_sqlite(url: &str) -> Result<sqlx::SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    // An in-memory database exists per connection, so it must have exactly one.
    let max = if url.contains(":memory:") || url.contains("mode=memory") {
        1
    } else {
        8
    };
    let file = options.get_filename().to_owned();
    SqlitePoolOptions::new()
        .max_connections(max)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| match read_only(&file) {
            Some(why) => StoreError::ReadOnly(why),
            None => e.into(),
        })
}

/// Why SQLite cannot write at `file`, when the cause is a read-only file or file system
/// (SQLite itself only says it is "unable to open database file"). SQLite writes the file
/// and, beside it, its `-wal` and `-shm` files.
fn read_only(file: &std::path::Path) -> Option<String> {
    let denied = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        )
    };
    if file.exists()
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(file)
    {
        return denied(&e).then(|| format!("{} cannot be written: {e}", file.display()));
    }
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty())?;
    // Opened for writing only to ask; never written, removed at once.
    let probe = dir.join(format!(".isched-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) if denied(&e) => Some(format!(
            "{} (which must hold the database's -wal and -shm files) cannot be written: {e}",
            dir.display()
        )),
        Err(_) => None,
    }
}

async fn open_postgres(url: &str) -> Result<sqlx::PgPool, StoreError> {
    create_postgres_database(url).await?;
    connect_postgres(url).await
}

/// Creates the Postgres database `url` names, unless it exists.
pub(crate) async fn create_postgres_database(url: &str) -> Result<(), StoreError> {
    if !sqlx::Postgres::database_exists(url).await? {
        match sqlx::Postgres::create_database(url).await {
            Ok(()) => tracing::info!(url = %redact_url(url), "created database"),
            // Another replica created it first.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub(crate) async fn connect_postgres(url: &str) -> Result<sqlx::PgPool, StoreError> {
    Ok(PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await?)
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
