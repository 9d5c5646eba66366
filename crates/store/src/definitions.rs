//! Stored periods, schedules and calendars: JSON specs by kind and name. Changes replace the
//! whole set in one transaction, so the set the engine validated is the set stored.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// `period`, `schedule` or `calendar`.
    pub kind: String,
    pub name: String,
    /// JSON.
    pub spec: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    name: String,
    spec: String,
    created_at: i64,
    updated_at: i64,
}

/// One change to the set.
pub enum DefinitionChange<'a> {
    Put {
        kind: &'a str,
        name: &'a str,
        spec: &'a str,
    },
    Delete {
        kind: &'a str,
        name: &'a str,
    },
}

impl Store {
    /// Every definition, by kind then name.
    pub async fn definitions(&self) -> Result<Vec<Definition>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT kind, name, spec, created_at, updated_at FROM definitions ORDER BY kind, name"
        )
        .fetch_all(p)
        .await
        })?;
        rows.into_iter()
            .map(|r| {
                Ok(Definition {
                    created_at: from_ms(r.created_at)?,
                    updated_at: from_ms(r.updated_at)?,
                    kind: r.kind,
                    name: r.name,
                    spec: r.spec,
                })
            })
            .collect()
    }

    /// Applies `changes` atomically; `replace_all` first deletes every definition (import).
    pub async fn change_definitions(
        &self,
        changes: &[DefinitionChange<'_>],
        replace_all: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let now = to_ms(now);
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            if replace_all {
                sqlx::query("DELETE FROM definitions")
                    .execute(&mut *tx)
                    .await?;
            }
            for change in changes {
                match change {
                    DefinitionChange::Put { kind, name, spec } => {
                        sqlx::query(
                            "INSERT INTO definitions (kind, name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                             ON CONFLICT (kind, name) DO UPDATE SET spec = $3, updated_at = $4",
                        )
                        .bind(*kind)
                        .bind(*name)
                        .bind(*spec)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    DefinitionChange::Delete { kind, name } => {
                        sqlx::query("DELETE FROM definitions WHERE kind = $1 AND name = $2")
                            .bind(*kind)
                            .bind(*name)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
