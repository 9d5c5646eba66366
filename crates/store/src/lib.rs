//! Storage: one [`Store`] over SQLite or Postgres, chosen once from the database URL.
//!
//! Each query is written once (`$N` placeholders work on both backends) and run on the
//! backend's native pool through [`on_pool!`], so each backend keeps its own connection
//! options and migrations while the rest of isched sees a single type.

mod changes;
mod connect;
mod email;
mod error;
mod grouped;
mod time;

pub mod assignments;
pub mod audit;
pub mod backup;
pub mod definitions;
pub mod identity;
pub mod instances;
pub mod intervals;
pub mod inventory;
pub mod jobs;
pub mod leases;
pub mod outbox;
pub mod overrides;
pub mod plan_groups;
pub mod quotas;
pub mod reminders;
pub mod sandbox;
pub mod scheduling;
pub mod settings;
pub mod start_failures;
pub mod templates;
pub mod tokens;
pub mod usage;
pub mod usage_instances;
pub mod usage_inventory;
pub mod usage_rollups;
pub mod users;

pub use connect::{Backend, PoolStats, redact_url};
pub use email::{Email, InvalidEmail};
pub use error::{StoreError, Unavailable};

use sqlx::{PgPool, SqlitePool};

/// The database handle shared by the whole process. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per
/// backend, so it may use any sqlx API generic over the database.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}
