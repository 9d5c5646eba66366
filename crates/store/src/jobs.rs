//! Durable jobs: work that must finish even if the process running it dies. A job is
//! claimed for a while by one worker (`FOR UPDATE SKIP LOCKED` on Postgres, so replicas
//! never take the same one); a claim that runs out is taken over, and the job resumes at
//! the first step it had not finished.

use crate::time::{from_ms, to_ms};
use crate::{Pool, Store, StoreError, on_pool};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobState, StoreError> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Corrupt(format!("job state {other:?}"))),
        })
    }

    pub fn finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

/// One named step of a job and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStep {
    pub name: String,
    /// `pending`, `done`, `failed` or `skipped`.
    pub state: String,
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// A job as stored, without its secret.
#[derive(Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub instance: Option<String>,
    pub state: JobState,
    pub steps: Vec<JobStep>,
    pub error: Option<JobError>,
    pub result: Option<serde_json::Value>,
    /// A login waits to be read by its owner (the value itself is only ever returned by
    /// [`Store::take_job_secret`]).
    pub has_secret: bool,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("state", &self.state)
            .field("steps", &self.steps)
            .field("error", &self.error)
            .field("has_secret", &self.has_secret)
            .finish_non_exhaustive()
    }
}

impl Job {
    /// The step named `name`, if the job has it.
    pub fn step(&self, name: &str) -> Option<&JobStep> {
        self.steps.iter().find(|s| s.name == name)
    }

    pub fn step_done(&self, name: &str) -> bool {
        self.step(name).is_some_and(|s| s.state == "done")
    }
}

/// A new job: its steps start `pending`.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub owner: &'a str,
    pub instance: Option<&'a str>,
    pub steps: &'a [&'a str],
    pub idempotency_key: Option<&'a str>,
    pub now: Timestamp,
}

/// What a worker writes back after a step.
#[derive(Debug, Clone)]
pub struct JobUpdate<'a> {
    pub state: JobState,
    pub steps: &'a [JobStep],
    pub error: Option<&'a JobError>,
    pub result: Option<&'a serde_json::Value>,
    pub now: Timestamp,
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    i64,
    i64,
    i64,
);

macro_rules! columns {
    () => {
        "id, kind, owner, instance, state, steps, error, result, secret IS NOT NULL, attempts, created_at, updated_at"
    };
}

fn corrupt(id: &str, what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("job {id}: {what}: {e}"))
}

impl TryFrom<Row> for Job {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Job, StoreError> {
        let (id, kind, owner, instance, state, steps, error, result, has_secret, attempts, c, u) =
            r;
        Ok(Job {
            state: JobState::parse(&state)?,
            steps: serde_json::from_str(&steps).map_err(|e| corrupt(&id, "steps", e))?,
            error: error
                .map(|e| serde_json::from_str(&e))
                .transpose()
                .map_err(|e| corrupt(&id, "error", e))?,
            result: result
                .map(|r| serde_json::from_str(&r))
                .transpose()
                .map_err(|e| corrupt(&id, "result", e))?,
            id,
            kind,
            owner,
            instance,
            has_secret,
            attempts,
            created_at: from_ms(c)?,
            updated_at: from_ms(u)?,
        })
    }
}

pub(crate) fn steps_json(steps: &[&str]) -> String {
    let steps: Vec<JobStep> = steps
        .iter()
        .map(|name| JobStep {
            name: (*name).to_owned(),
            state: "pending".into(),
            at: None,
        })
        .collect();
    serde_json::to_string(&steps).expect("steps serialise")
}

impl Store {
    pub async fn job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let row: Option<Row> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(p)
        .await)?;
        row.map(Job::try_from).transpose()
    }

    /// The job an owner started with this `Idempotency-Key`, if any.
    pub async fn job_by_idempotency_key(
        &self,
        owner: &str,
        key: &str,
    ) -> Result<Option<Job>, StoreError> {
        let row: Option<Row> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM jobs WHERE owner = $1 AND idempotency_key = $2"
        ))
        .bind(owner)
        .bind(key)
        .fetch_optional(p)
        .await)?;
        row.map(Job::try_from).transpose()
    }

    /// Claims the oldest unfinished job that no live worker holds, for `lease`.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<Job>, StoreError> {
        let until = to_ms(now + lease);
        // The inner SELECT picks; on Postgres it skips rows another replica is claiming
        // at this moment instead of waiting for them.
        let claimed: Option<(String,)> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1, \
                     state = 'running', updated_at = $3 \
                     WHERE id = (SELECT id FROM jobs WHERE state IN ('queued', 'running') \
                       AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY created_at, id LIMIT 1) \
                     RETURNING id",
                )
                .bind(worker)
                .bind(until)
                .bind(to_ms(now))
                .fetch_optional(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1, \
                     state = 'running', updated_at = $3 \
                     WHERE id = (SELECT id FROM jobs WHERE state IN ('queued', 'running') \
                       AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY created_at, id LIMIT 1 \
                       FOR UPDATE SKIP LOCKED) \
                     RETURNING id",
                )
                .bind(worker)
                .bind(until)
                .bind(to_ms(now))
                .fetch_optional(p)
                .await?
            }
        };
        match claimed {
            Some((id,)) => self.job(&id).await,
            None => Ok(None),
        }
    }

    /// Writes a worker's progress, and extends its claim by `lease`; false when the claim
    /// was lost (another worker took the job over), in which case nothing is written.
    pub async fn update_job(
        &self,
        id: &str,
        worker: &str,
        update: &JobUpdate<'_>,
        lease: SignedDuration,
    ) -> Result<bool, StoreError> {
        let steps = serde_json::to_string(update.steps).expect("steps serialise");
        let error = update
            .error
            .map(|e| serde_json::to_string(e).expect("error serialises"));
        let result = update
            .result
            .map(|r| serde_json::to_string(r).expect("result serialises"));
        let claimed_until = (!update.state.finished()).then(|| to_ms(update.now + lease));
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET state = $3, steps = $4, error = $5, result = $6, updated_at = $7, \
             claimed_until = $8, claimed_by = CASE WHEN $8 IS NULL THEN NULL ELSE claimed_by END \
             WHERE id = $1 AND claimed_by = $2"
        )
        .bind(id)
        .bind(worker)
        .bind(update.state.as_str())
        .bind(&steps)
        .bind(error)
        .bind(result)
        .bind(to_ms(update.now))
        .bind(claimed_until)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Stores the login the job made, to be shown once (only while `worker` holds it).
    pub async fn set_job_secret(
        &self,
        id: &str,
        worker: &str,
        secret: &str,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET secret = $3 WHERE id = $1 AND claimed_by = $2"
        )
        .bind(id)
        .bind(worker)
        .bind(secret)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The job's secret, exactly once: of two concurrent readers only the one whose update
    /// removed it gets it.
    pub async fn take_job_secret(&self, id: &str) -> Result<Option<String>, StoreError> {
        let secret: Option<(Option<String>,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT secret FROM jobs WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        let Some(secret) = secret.and_then(|(s,)| s) else {
            return Ok(None);
        };
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET secret = NULL WHERE id = $1 AND secret IS NOT NULL"
        )
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok((n == 1).then_some(secret))
    }

    /// Forgets the logins of finished jobs that their owners did not read before `before`;
    /// returns how many.
    pub async fn forget_job_secrets(&self, before: Timestamp) -> Result<u64, StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET secret = NULL WHERE secret IS NOT NULL \
             AND state IN ('succeeded', 'failed') AND updated_at < $1"
        )
        .bind(to_ms(before))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .map_err(StoreError::from)
    }

    /// Jobs not finished (for health and tests).
    pub async fn open_jobs(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')"
        )
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}
