//! Self-service instances: who asked for what, from which template, and where it is in its
//! life. What the cloud says about it (running, stopped) is in the inventory, joined by key.

use crate::jobs::{NewJob, steps_json};
use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

/// Where an instance is in its life, as isched sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Its create job has not finished.
    Provisioning,
    /// It exists in the cloud.
    Active,
    /// Its create job failed; nothing is left in the cloud.
    Failed,
    Terminated,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Provisioning => "provisioning",
            Lifecycle::Active => "active",
            Lifecycle::Failed => "failed",
            Lifecycle::Terminated => "terminated",
        }
    }

    fn parse(s: &str) -> Result<Lifecycle, StoreError> {
        Ok(match s {
            "provisioning" => Lifecycle::Provisioning,
            "active" => Lifecycle::Active,
            "failed" => Lifecycle::Failed,
            "terminated" => Lifecycle::Terminated,
            other => return Err(StoreError::Corrupt(format!("instance lifecycle {other:?}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub template: String,
    pub provider: String,
    pub account: String,
    pub region: String,
    pub instance_type: String,
    pub schedule: String,
    pub hourly_price: Option<f64>,
    pub lifecycle: Lifecycle,
    pub cloud_id: Option<String>,
    pub resource: Option<String>,
    pub job: String,
    pub login_username: Option<String>,
    pub login_host: Option<String>,
    pub login_fingerprint: Option<String>,
    pub login_shown_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub terminated_at: Option<Timestamp>,
    /// The cloud's state at the last look (from the inventory), once launched.
    pub cloud_state: Option<String>,
}

/// What a create request stores before anything happens in the cloud.
#[derive(Debug, Clone)]
pub struct NewInstance<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub name: &'a str,
    pub template: &'a str,
    pub provider: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub instance_type: &'a str,
    pub schedule: &'a str,
    pub hourly_price: Option<f64>,
    pub expires_at: Timestamp,
}

/// Which instances a list shows.
#[derive(Debug, Clone, Default)]
pub struct InstanceQuery {
    pub owner: Option<String>,
    /// Terminated and failed ones too.
    pub include_gone: bool,
    pub after: Option<String>,
    pub limit: u32,
}

type Row = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<f64>,
        String,
    ),
    (
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        i64,
        i64,
        Option<i64>,
        Option<String>,
    ),
);

macro_rules! columns {
    () => {
        "i.id, i.owner, i.name, i.template, i.provider, i.account, i.region, i.instance_type, \
         i.schedule, i.hourly_price, i.lifecycle, i.cloud_id, i.resource, i.job, i.login_username, \
         i.login_host, i.login_fingerprint, i.login_shown_at, i.created_at, i.expires_at, \
         i.terminated_at, inv.state"
    };
}

macro_rules! from {
    () => {
        " FROM instances i LEFT JOIN inventory inv ON inv.resource = i.resource"
    };
}

/// Reads the 22 columns of [`columns!`] in order.
struct Columns(Row);

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for Columns
where
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Columns((
            (
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
                r.try_get(9)?,
                r.try_get(10)?,
            ),
            (
                r.try_get(11)?,
                r.try_get(12)?,
                r.try_get(13)?,
                r.try_get(14)?,
                r.try_get(15)?,
                r.try_get(16)?,
                r.try_get(17)?,
                r.try_get(18)?,
                r.try_get(19)?,
                r.try_get(20)?,
                r.try_get(21)?,
            ),
        )))
    }
}

impl Instance {
    /// What to show as its state: `provisioning`, `failed` or `terminated`, or (once it
    /// exists) what the cloud said at the last look (`unknown` before any look).
    pub fn shown_state(&self) -> String {
        match self.lifecycle {
            Lifecycle::Active => self.cloud_state.clone().unwrap_or_else(|| "unknown".into()),
            other => other.as_str().to_owned(),
        }
    }
}

impl TryFrom<Columns> for Instance {
    type Error = StoreError;

    fn try_from(Columns(row): Columns) -> Result<Instance, StoreError> {
        let (
            (
                id,
                owner,
                name,
                template,
                provider,
                account,
                region,
                instance_type,
                schedule,
                price,
                life,
            ),
            (
                cloud_id,
                resource,
                job,
                user,
                host,
                fingerprint,
                shown,
                created,
                expires,
                gone,
                state,
            ),
        ) = row;
        Ok(Instance {
            id,
            owner,
            name,
            template,
            provider,
            account,
            region,
            instance_type,
            schedule,
            hourly_price: price,
            lifecycle: Lifecycle::parse(&life)?,
            cloud_id,
            resource,
            job,
            login_username: user,
            login_host: host,
            login_fingerprint: fingerprint,
            login_shown_at: shown.map(from_ms).transpose()?,
            created_at: from_ms(created)?,
            expires_at: from_ms(expires)?,
            terminated_at: gone.map(from_ms).transpose()?,
            cloud_state: state,
        })
    }
}

impl Store {
    /// Stores a create request: the instance and the job that will make it, together.
    /// `Conflict("instance name")` when the owner has a live instance of that name;
    /// `Conflict("idempotency key")` when the owner used the key before.
    pub async fn create_instance_with_job(
        &self,
        instance: &NewInstance<'_>,
        job: &NewJob<'_>,
    ) -> Result<(), StoreError> {
        let now = to_ms(job.now);
        let steps = steps_json(job.steps);
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO jobs (id, kind, owner, instance, state, steps, idempotency_key, \
                 attempts, created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, $6, 0, $7, $7)",
            )
            .bind(job.id)
            .bind(job.kind)
            .bind(job.owner)
            .bind(job.instance)
            .bind(&steps)
            .bind(job.idempotency_key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("idempotency key"))?;
            sqlx::query(
                "INSERT INTO instances (id, owner, name, template, provider, account, region, \
                 instance_type, schedule, hourly_price, lifecycle, job, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'provisioning', $11, $12, $13)",
            )
            .bind(instance.id)
            .bind(instance.owner)
            .bind(instance.name)
            .bind(instance.template)
            .bind(instance.provider)
            .bind(instance.account)
            .bind(instance.region)
            .bind(instance.instance_type)
            .bind(instance.schedule)
            .bind(instance.hourly_price)
            .bind(job.id)
            .bind(now)
            .bind(to_ms(instance.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("instance name"))?;
            tx.commit().await.map_err(StoreError::from)
        })
    }

    pub async fn instance(&self, id: &str) -> Result<Option<Instance>, StoreError> {
        let row: Option<Columns> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            from!(),
            " WHERE i.id = $1"
        ))
        .bind(id)
        .fetch_optional(p)
        .await)?;
        row.map(Instance::try_from).transpose()
    }

    /// The instance isched created as the cloud resource `key`, if it did.
    pub async fn instance_by_resource(&self, key: &str) -> Result<Option<Instance>, StoreError> {
        let row: Option<Columns> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            from!(),
            " WHERE i.resource = $1"
        ))
        .bind(key)
        .fetch_optional(p)
        .await)?;
        row.map(Instance::try_from).transpose()
    }

    /// A page of instances by id.
    pub async fn instances_page(
        &self,
        q: &InstanceQuery,
    ) -> Result<(Vec<Instance>, bool), StoreError> {
        let rows: Vec<Columns> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            from!(),
            " WHERE i.id > $1 AND ($2 IS NULL OR i.owner = $2) \
              AND ($3 OR i.lifecycle IN ('provisioning', 'active')) ORDER BY i.id LIMIT $4"
        ))
        .bind(q.after.as_deref().unwrap_or(""))
        .bind(q.owner.as_deref())
        .bind(q.include_gone)
        .bind(i64::from(q.limit) + 1)
        .fetch_all(p)
        .await)?;
        let more = rows.len() > q.limit as usize;
        let items = rows
            .into_iter()
            .take(q.limit as usize)
            .map(Instance::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, more))
    }

    /// Active instances whose life ends before `until` and has not ended yet (for the
    /// reminders before expiry).
    pub async fn instances_expiring_before(
        &self,
        until: Timestamp,
    ) -> Result<Vec<Instance>, StoreError> {
        let rows: Vec<Columns> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            from!(),
            " WHERE i.lifecycle = 'active' AND i.expired_at IS NULL AND i.expires_at <= $1 \
              ORDER BY i.expires_at"
        ))
        .bind(to_ms(until))
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(Instance::try_from).collect()
    }

    /// Instances of the owner that count against quotas (provisioning or active).
    pub async fn live_instances_of(&self, owner: &str) -> Result<Vec<Instance>, StoreError> {
        let rows: Vec<Columns> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            from!(),
            " WHERE i.owner = $1 AND i.lifecycle IN ('provisioning', 'active') ORDER BY i.id"
        ))
        .bind(owner)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(Instance::try_from).collect()
    }

    /// How many live instances were made from `template`.
    pub async fn live_instances_of_template(&self, template: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*) FROM instances WHERE template = $1 \
             AND lifecycle IN ('provisioning', 'active')"
        )
        .bind(template)
        .fetch_one(p)
        .await)?;
        Ok(n)
    }

    /// Claims the live instances whose lifetime has ended and that no one acted on yet
    /// (each is returned to one caller only, whichever replica asks first).
    pub async fn claim_expired_instances(
        &self,
        now: Timestamp,
    ) -> Result<Vec<Instance>, StoreError> {
        // One statement claims: `expired_at IS NULL` is checked again on each row as it is
        // updated, so of two replicas racing only one gets an instance.
        let claimed: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "UPDATE instances SET expired_at = $1 WHERE expired_at IS NULL AND id IN \
             (SELECT id FROM instances WHERE lifecycle = 'active' AND expires_at <= $1 \
              AND expired_at IS NULL ORDER BY expires_at LIMIT 100) RETURNING id"
        )
        .bind(to_ms(now))
        .fetch_all(p)
        .await)?;
        let mut instances = Vec::with_capacity(claimed.len());
        for (id,) in claimed {
            if let Some(i) = self.instance(&id).await? {
                instances.push(i);
            }
        }
        Ok(instances)
    }

    /// Records where the instance landed in the cloud.
    pub async fn set_instance_launched(
        &self,
        id: &str,
        cloud_id: &str,
        resource: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET cloud_id = $2, resource = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(cloud_id)
        .bind(resource)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// How to reach it; the login itself only as a fingerprint.
    pub async fn set_instance_login(
        &self,
        id: &str,
        username: &str,
        host: &str,
        fingerprint: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET login_username = $2, login_host = $3, login_fingerprint = $4 \
             WHERE id = $1"
        )
        .bind(id)
        .bind(username)
        .bind(host)
        .bind(fingerprint)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Where to connect (set once the instance runs).
    pub async fn set_instance_host(&self, id: &str, host: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET login_host = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(host)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn set_login_shown(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET login_shown_at = $2 WHERE id = $1 AND login_shown_at IS NULL"
        )
        .bind(id)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn set_instance_lifecycle(
        &self,
        id: &str,
        lifecycle: Lifecycle,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let gone = matches!(lifecycle, Lifecycle::Terminated).then(|| to_ms(now));
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET lifecycle = $2, terminated_at = COALESCE($3, terminated_at) \
             WHERE id = $1"
        )
        .bind(id)
        .bind(lifecycle.as_str())
        .bind(gone)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn set_instance_expiry(
        &self,
        id: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE instances SET expires_at = $2, expired_at = NULL WHERE id = $1"
        )
        .bind(id)
        .bind(to_ms(expires_at))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
