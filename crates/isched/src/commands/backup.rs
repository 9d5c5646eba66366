//! `isched backup FILE` and `isched restore FILE`.
//!
//! SQLite: the backup is a consistent snapshot (`VACUUM INTO`, safe while the server runs);
//! the restore checks the file and puts it in place of the database. Postgres: the backup is
//! a `pg_dump` custom-format archive; the restore reads the archive's schema version first,
//! then runs `pg_restore` in one transaction. Either way a backup from a newer isched is
//! refused, and an older one is migrated forward after the restore.

use crate::config::Config;
use isched_store::backup::{BackupSummary, inspect_sqlite_backup, known_schema_version};
use isched_store::{Backend, Store, redact_url};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

pub fn run_backup(config_file: Option<&Path>, file: PathBuf) -> ExitCode {
    with_config(config_file, |config| async move {
        let url = config.database_url.expose_secret().to_owned();
        if file.exists() {
            anyhow::bail!(
                "{} already exists; a backup never writes over a file",
                file.display()
            );
        }
        let store = Store::open_unmigrated(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", redact_url(&url)))?;
        let result = backup(&store, &url, &file).await;
        store.close().await;
        let summary = result?;
        println!(
            "Backed up {} to {}: {}",
            redact_url(&url),
            file.display(),
            describe(&summary)
        );
        Ok(ExitCode::SUCCESS)
    })
}

async fn backup(store: &Store, url: &str, file: &Path) -> anyhow::Result<BackupSummary> {
    let summary = store.summary().await?;
    refuse_newer(summary.schema_version, store.backend(), "the database")?;
    match store.backend() {
        Backend::Sqlite => store.snapshot_sqlite(file).await?,
        Backend::Postgres => {
            let target = PgTarget::from_url(url)?;
            target.run(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    &format!("--file={}", file.display()),
                ],
            )?;
        }
    }
    Ok(summary)
}

pub fn run_restore(config_file: Option<&Path>, file: PathBuf, force: bool) -> ExitCode {
    with_config(config_file, |config| async move {
        let url = config.database_url.expose_secret().to_owned();
        if !file.is_file() {
            anyhow::bail!("{} is not a file", file.display());
        }
        if url.starts_with("sqlite:") {
            restore_sqlite(&url, &file, force).await?;
        } else {
            restore_postgres(&url, &file, force).await?;
        }
        // A backup from an older isched is brought up to this one's schema.
        let store = Store::connect(&url).await.map_err(|e| {
            anyhow::anyhow!("restored, but opening {} failed: {e}", redact_url(&url))
        })?;
        let summary = store.summary().await;
        store.close().await;
        println!(
            "Restored {} into {}: {}",
            file.display(),
            redact_url(&url),
            describe(&summary?)
        );
        Ok(ExitCode::SUCCESS)
    })
}

async fn restore_sqlite(url: &str, file: &Path, force: bool) -> anyhow::Result<()> {
    let backup = inspect_sqlite_backup(file).await?;
    refuse_newer(backup.schema_version, Backend::Sqlite, "the backup")?;
    let target = sqlx_sqlite_path(url)?;
    if target.metadata().is_ok_and(|m| m.len() > 0) && !force {
        anyhow::bail!(
            "{} already holds a database; stop every isched server using it, then pass \
             --force to replace it",
            target.display()
        );
    }
    // Copy next to the target and rename over it, so the database is never half-written;
    // the old database's WAL files would not belong to the new one.
    let temporary = target.with_extension("restoring");
    std::fs::copy(file, &temporary)
        .and_then(|_| std::fs::File::open(&temporary)?.sync_all())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", temporary.display()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot remove {}: {e}", Path::new(&side).display()),
        }
    }
    std::fs::rename(&temporary, &target)
        .map_err(|e| anyhow::anyhow!("cannot move the restored file into place: {e}"))?;
    Ok(())
}

async fn restore_postgres(url: &str, file: &Path, force: bool) -> anyhow::Result<()> {
    let target = PgTarget::from_url(url)?;
    let version = archive_schema_version(file)?;
    refuse_newer(version, Backend::Postgres, "the backup")?;
    // A restore may go into a database that does not exist yet; nothing is migrated.
    let opened = match Store::create_postgres_database(url).await {
        Ok(()) => Store::open_unmigrated(url).await,
        Err(e) => Err(e),
    };
    let store = opened.map_err(|e| anyhow::anyhow!("cannot open {}: {e}", redact_url(url)))?;
    let holds_isched = store.has_isched_tables().await;
    let cleared = match holds_isched {
        Ok(false) => Ok(()),
        Ok(true) if force => store.clear_postgres_schema().await.map_err(Into::into),
        Ok(true) => Err(anyhow::anyhow!(
            "{} already holds an isched database; stop every isched server using it, then \
             pass --force to replace it",
            redact_url(url)
        )),
        Err(e) => Err(e.into()),
    };
    store.close().await;
    cleared?;
    target.run(
        "pg_restore",
        &[
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            &file.display().to_string(),
        ],
    )?;
    Ok(())
}

/// The newest successful migration recorded in a `pg_dump` archive, read with
/// `pg_restore` (which prints the table's rows as COPY text).
fn archive_schema_version(file: &Path) -> anyhow::Result<i64> {
    // Without --dbname, pg_restore prints the archive as SQL instead of restoring it.
    let mut command = std::process::Command::new("pg_restore");
    command
        .args(["--data-only", "--table=_sqlx_migrations", "--file=-"])
        .arg(file);
    let listing = output_of("pg_restore", command).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a Postgres backup made by `isched backup`: {e}",
            file.display()
        )
    })?;
    parse_migrations_copy(&listing).ok_or_else(|| {
        anyhow::anyhow!(
            "{} is a pg_dump archive but holds no isched schema version",
            file.display()
        )
    })
}

/// From `COPY public._sqlx_migrations (version, ..., success, ...) FROM stdin;` and the
/// tab-separated rows after it, the highest version whose `success` is `t`.
fn parse_migrations_copy(text: &str) -> Option<i64> {
    let mut lines = text.lines();
    let header = lines.find(|l| l.starts_with("COPY ") && l.contains("_sqlx_migrations"))?;
    let columns: Vec<&str> = header
        .split_once('(')?
        .1
        .split_once(')')?
        .0
        .split(',')
        .map(str::trim)
        .collect();
    let version_at = columns.iter().position(|c| *c == "version")?;
    let success_at = columns.iter().position(|c| *c == "success")?;
    lines
        .take_while(|l| *l != "\\.")
        .filter_map(|row| {
            let fields: Vec<&str> = row.split('\t').collect();
            (fields.get(success_at) == Some(&"t"))
                .then(|| fields.get(version_at)?.parse::<i64>().ok())
                .flatten()
        })
        .max()
}

fn refuse_newer(version: i64, backend: Backend, what: &str) -> anyhow::Result<()> {
    let known = known_schema_version(backend);
    if version > known {
        anyhow::bail!(
            "{what} is at schema version {version}, newer than this isched knows ({known}); \
             use the isched release that wrote it, or a newer one"
        );
    }
    Ok(())
}

fn describe(s: &BackupSummary) -> String {
    format!(
        "schema version {}, {} users, {} schedules, {} history entries",
        s.schema_version, s.users, s.schedules, s.history
    )
}

fn sqlx_sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    if path.is_empty() || path.contains(":memory:") {
        anyhow::bail!("{url:?} is not a SQLite file to restore into");
    }
    Ok(PathBuf::from(path))
}

/// A Postgres database for libpq's tools: the URL without its password, which travels in
/// `PGPASSWORD` instead so that it never shows in the process list.
struct PgTarget {
    url: String,
    password: Option<String>,
}

impl PgTarget {
    fn from_url(url: &str) -> anyhow::Result<PgTarget> {
        let mut parsed = url::Url::from_str(url)
            .map_err(|e| anyhow::anyhow!("{} is not a URL: {e}", redact_url(url)))?;
        let password = parsed.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        let _ = parsed.set_password(None);
        Ok(PgTarget {
            url: parsed.to_string(),
            password,
        })
    }

    /// Runs `tool` with `args` against this database.
    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let mut command = std::process::Command::new(tool);
        command.args(args).arg(format!("--dbname={}", self.url));
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        output_of(tool, command).map(|_| ())
    }
}

/// What `tool` printed, or why it failed (its own message: libpq's tools name no secrets).
fn output_of(tool: &str, mut command: std::process::Command) -> anyhow::Result<String> {
    let output = command.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run {tool} ({e}); install the PostgreSQL client tools \
             (Debian: postgresql-client) matching your server's version"
        )
    })?;
    if !output.status.success() {
        anyhow::bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Loads the configuration (exit 2 when invalid) and runs `body` on a runtime.
fn with_config<F, Fut>(config_file: Option<&Path>, body: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    let config = match super::load_config(config_file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    crate::logging::init(config.log_format, "warn");
    super::block_on(body(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_from_pg_restore_output() {
        let text = "--\n-- Data for Name: _sqlx_migrations\n--\n\n\
            COPY public._sqlx_migrations (version, description, installed_on, success, checksum, execution_time) FROM stdin;\n\
            1\tinitial\t2026-01-01 00:00:00+00\tt\t\\\\x00\t5\n\
            16\tusage rollups\t2026-01-01 00:00:00+00\tt\t\\\\x00\t5\n\
            17\tbroken\t2026-01-01 00:00:00+00\tf\t\\\\x00\t5\n\
            \\.\n\n";
        assert_eq!(parse_migrations_copy(text), Some(16));
        assert_eq!(parse_migrations_copy("-- nothing here\n"), None);
    }

    #[test]
    fn the_password_leaves_the_url() {
        let t = PgTarget::from_url("postgres://isched:p%40ss%2Bw@db.internal:5432/isched")
            .expect("works");
        assert_eq!(t.url, "postgres://isched@db.internal:5432/isched");
        assert_eq!(t.password.as_deref(), Some("p@ss+w"));
    }

    #[test]
    fn sqlite_paths_come_from_urls() {
        assert_eq!(
            sqlx_sqlite_path("sqlite://data/isched.db?mode=rwc").expect("works"),
            PathBuf::from("data/isched.db")
        );
        assert!(sqlx_sqlite_path("sqlite::memory:").is_err());
    }
}
