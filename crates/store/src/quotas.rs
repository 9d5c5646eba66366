//! Quotas: how many instances, vCPUs and how much money a month one user may use.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Whom a quota is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaSubject {
    User,
    Group,
}

impl QuotaSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaSubject::User => "user",
            QuotaSubject::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<QuotaSubject> {
        match s {
            "user" => Some(QuotaSubject::User),
            "group" => Some(QuotaSubject::Group),
            _ => None,
        }
    }
}

/// The limits themselves; None is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub max_instances: Option<i64>,
    pub max_vcpus: Option<i64>,
    pub monthly_budget: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quota {
    pub kind: QuotaSubject,
    pub subject: String,
    #[serde(flatten)]
    pub limits: Limits,
    pub updated_at: Timestamp,
}

type Row = (String, String, Option<i64>, Option<i64>, Option<f64>, i64);

fn quota(r: Row) -> Result<Quota, StoreError> {
    let (kind, subject, max_instances, max_vcpus, monthly_budget, at) = r;
    Ok(Quota {
        kind: QuotaSubject::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("quota kind {kind:?}")))?,
        subject,
        limits: Limits {
            max_instances,
            max_vcpus,
            monthly_budget,
        },
        updated_at: from_ms(at)?,
    })
}

impl Store {
    /// Every quota, users first, by subject.
    pub async fn quotas(&self) -> Result<Vec<Quota>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT subject_kind, subject, max_instances, max_vcpus, monthly_budget, updated_at \
             FROM quotas ORDER BY subject_kind DESC, subject"
        )
        .fetch_all(p)
        .await
        })?;
        rows.into_iter().map(quota).collect()
    }

    /// Sets a quota; all limits None removes it.
    pub async fn put_quota(
        &self,
        kind: QuotaSubject,
        subject: &str,
        limits: &Limits,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if *limits == Limits::default() {
            on_pool!(self, |p| sqlx::query(
                "DELETE FROM quotas WHERE subject_kind = $1 AND subject = $2"
            )
            .bind(kind.as_str())
            .bind(subject)
            .execute(p)
            .await
            .map(|_| ()))?;
            return Ok(());
        }
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO quotas (subject_kind, subject, max_instances, max_vcpus, monthly_budget, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subject_kind, subject) DO UPDATE SET \
             max_instances = $3, max_vcpus = $4, monthly_budget = $5, updated_at = $6"
        )
        .bind(kind.as_str())
        .bind(subject)
        .bind(limits.max_instances)
        .bind(limits.max_vcpus)
        .bind(limits.monthly_budget)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
