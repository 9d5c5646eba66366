//! Rows of the sandbox provider's simulated instances.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxInstance {
    pub id: String,
    pub account: String,
    pub region: String,
    pub instance_type: String,
    /// `pending`, `running`, `stopping`, `stopped` or `terminated`.
    pub state: String,
    pub state_since: Timestamp,
    pub tags: BTreeMap<String, String>,
    pub image_id: Option<String>,
    pub client_token: Option<String>,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    account: String,
    region: String,
    instance_type: String,
    state: String,
    state_since: i64,
    tags: String,
    image_id: Option<String>,
    client_token: Option<String>,
    created_at: i64,
}

impl Row {
    fn into_instance(self) -> Result<SandboxInstance, StoreError> {
        Ok(SandboxInstance {
            tags: serde_json::from_str(&self.tags)
                .map_err(|e| StoreError::Corrupt(format!("sandbox tags of {}: {e}", self.id)))?,
            state_since: from_ms(self.state_since)?,
            created_at: from_ms(self.created_at)?,
            id: self.id,
            account: self.account,
            region: self.region,
            instance_type: self.instance_type,
            state: self.state,
            image_id: self.image_id,
            client_token: self.client_token,
        })
    }
}

macro_rules! select_instance {
    ($rest:literal) => {
        concat!(
            "SELECT id, account, region, instance_type, state, state_since, tags, image_id, client_token, created_at \
             FROM sandbox_instances ",
            $rest
        )
    };
}

/// Rows per multi-row INSERT when seeding (well under both backends' parameter limits).
const INSERT_CHUNK: usize = 500;

impl Store {
    /// Inserts instances in one transaction. A reused client token is `Conflict`.
    pub async fn sandbox_insert(&self, instances: &[SandboxInstance]) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for chunk in instances.chunks(INSERT_CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO sandbox_instances (id, account, region, instance_type, state, state_since, tags, image_id, client_token, created_at) ",
                );
                q.push_values(chunk, |mut b, i| {
                    b.push_bind(&i.id)
                        .push_bind(&i.account)
                        .push_bind(&i.region)
                        .push_bind(&i.instance_type)
                        .push_bind(&i.state)
                        .push_bind(to_ms(i.state_since))
                        .push_bind(serde_json::to_string(&i.tags).unwrap_or_else(|_| "{}".into()))
                        .push_bind(&i.image_id)
                        .push_bind(&i.client_token)
                        .push_bind(to_ms(i.created_at));
                });
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::unique(
                        "a sandbox instance with this client token",
                    ))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn sandbox_get(&self, id: &str) -> Result<Option<SandboxInstance>, StoreError> {
        let row: Option<Row> =
            on_pool!(self, |p| sqlx::query_as(select_instance!("WHERE id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await)?;
        row.map(Row::into_instance).transpose()
    }

    pub async fn sandbox_by_client_token(
        &self,
        token: &str,
    ) -> Result<Option<SandboxInstance>, StoreError> {
        let row: Option<Row> = on_pool!(self, |p| sqlx::query_as(select_instance!(
            "WHERE client_token = $1"
        ))
        .bind(token)
        .fetch_optional(p)
        .await)?;
        row.map(Row::into_instance).transpose()
    }

    /// Every instance of one account and region, terminated ones included, by id.
    pub async fn sandbox_list(
        &self,
        account: &str,
        region: &str,
    ) -> Result<Vec<SandboxInstance>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(select_instance!(
            "WHERE account = $1 AND region = $2 ORDER BY id"
        ))
        .bind(account)
        .bind(region)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(Row::into_instance).collect()
    }

    /// The distinct (account, region) pairs that have instances.
    pub async fn sandbox_targets(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT account, region FROM sandbox_instances ORDER BY account, region"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Moves instances to `state` if they are in one of `from`; returns the ids that moved.
    pub async fn sandbox_transition(
        &self,
        ids: &[String],
        from: &[&str],
        state: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let mut moved = Vec::new();
        on_pool!(self, |p| {
            // Only conditional writes, no read first: on SQLite a transaction that reads and
            // then writes fails at once ("database is locked") when another connection wrote
            // in between, where one that starts by writing waits its turn.
            let mut tx = p.begin().await?;
            for id in ids {
                for current in from {
                    let changed = sqlx::query(
                        "UPDATE sandbox_instances SET state = $1, state_since = $2 WHERE id = $3 AND state = $4",
                    )
                    .bind(state)
                    .bind(to_ms(now))
                    .bind(id)
                    .bind(*current)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if changed == 1 {
                        moved.push(id.clone());
                        break;
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(moved)
    }

    pub async fn sandbox_set_type(&self, id: &str, instance_type: &str) -> Result<(), StoreError> {
        self.sandbox_update_one(
            "UPDATE sandbox_instances SET instance_type = $1 WHERE id = $2",
            instance_type,
            id,
        )
        .await
    }

    pub async fn sandbox_set_tags(
        &self,
        id: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(tags).unwrap_or_else(|_| "{}".into());
        self.sandbox_update_one(
            "UPDATE sandbox_instances SET tags = $1 WHERE id = $2",
            &json,
            id,
        )
        .await
    }

    /// Runs `sql` (`... SET column = $1 WHERE id = $2`) for one instance; none is `NotFound`.
    async fn sandbox_update_one(
        &self,
        sql: &'static str,
        value: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, |p| sqlx::query(sql)
            .bind(value)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 {
            Err(StoreError::NotFound("sandbox instance"))
        } else {
            Ok(())
        }
    }
}
