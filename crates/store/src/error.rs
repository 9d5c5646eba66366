use thiserror::Error;

/// Storage failures. `Conflict` and `NotFound` are the caller's to explain; the others are
/// internal and must not be shown to clients verbatim (they may contain SQL).
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database file, or the directory it is in, is on a read-only file system or not
    /// writable by this process.
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
}

/// Why the database cannot be used at the moment: a condition of the machine or the
/// network, not a fault of the request or of isched. Callers answer 503 and keep what is
/// stored; the message is safe to show (it names the condition, not the SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// SQLite's SQLITE_FULL, Postgres's `53100 disk_full`.
    DiskFull,
    /// A read-only file or file system (SQLITE_READONLY), or a Postgres standby or
    /// read-only transaction (`25006`).
    ReadOnly,
    /// The file cannot be opened, or an I/O error on it (SQLITE_CANTOPEN, SQLITE_IOERR).
    Io,
    /// No connection: the server is down, restarting or out of connections.
    Unreachable,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unavailable::DiskFull => "the disk holding the database is full",
            Unavailable::ReadOnly => "the database is read-only",
            Unavailable::Io => "the database file cannot be read or written (I/O error)",
            Unavailable::Unreachable => "the database does not answer",
        })
    }
}

impl StoreError {
    /// Whether this is the database being unavailable rather than a fault, and why.
    pub fn unavailable(&self) -> Option<Unavailable> {
        let e = match self {
            StoreError::Database(e) => e,
            StoreError::ReadOnly(_) => return Some(Unavailable::ReadOnly),
            _ => return None,
        };
        match e {
            sqlx::Error::Database(d) => {
                if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // Extended result codes carry the primary code in their low byte.
                    let primary = d
                        .code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .map(|c| c & 0xff);
                    return match primary {
                        Some(13) => Some(Unavailable::DiskFull),
                        Some(8) => Some(Unavailable::ReadOnly),
                        Some(10) | Some(14) => Some(Unavailable::Io),
                        _ => None,
                    };
                }
                match d.code().as_deref() {
                    Some("53100") => Some(Unavailable::DiskFull),
                    Some("25006") => Some(Unavailable::ReadOnly),
                    // Connection exceptions, and a server shutting down or starting.
                    Some(c) if c.starts_with("08") || c.starts_with("57P") => {
                        Some(Unavailable::Unreachable)
                    }
                    _ => None,
                }
            }
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                Some(Unavailable::Unreachable)
            }
            _ => None,
        }
    }

    /// Maps a unique-constraint violation to `Conflict(what)`.
    pub(crate) fn unique(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
        move |e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}
