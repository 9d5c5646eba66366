//! Quotas through the engine: set by admins, checked before a create request is stored.
//! A user's limits are their own quota where one is set, else the most generous of their
//! groups' quotas, else none.

use super::{Actor, Engine};
use crate::definitions::{DefinitionError, invalid};
use crate::plan::EngineError;
use isched_cloud::Target;
use isched_schedule::Catalog;
use isched_store::quotas::{Limits, Quota, QuotaSubject};
use isched_store::users::User;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::json;
use std::collections::HashMap;

/// What a create request would add.
pub(super) struct NewUse<'a> {
    pub target: &'a Target,
    pub instance_type: &'a str,
    pub hourly_price: Option<f64>,
    pub schedule: &'a str,
    pub expires_at: Timestamp,
}

/// A monthly budget and what the owner's instances would come to this month with the
/// new one, for the budget notices.
#[derive(Debug, Clone, Copy)]
pub(super) struct BudgetUse {
    pub budget: f64,
    pub projected: f64,
}

/// The most generous of several limits (None, no limit, is the most generous).
fn generous<T: PartialOrd + Copy>(a: Option<Option<T>>, b: Option<T>) -> Option<Option<T>> {
    match (a, b) {
        (None, b) => Some(b),
        (Some(None), _) | (_, None) => Some(None),
        (Some(Some(x)), Some(y)) => Some(Some(if y > x { y } else { x })),
    }
}

/// The first instant of the month of `now` and of the next one, in UTC.
pub(super) fn month_of(now: Timestamp) -> (Timestamp, Timestamp) {
    let utc = jiff::tz::TimeZone::UTC;
    let first = now.to_zoned_datetime(utc.clone()).date().first_of_month();
    let at = |d: jiff::civil::Date| d.to_zoned_datetime(utc.clone()).map(|z| z.timestamp());
    let start = at(first).unwrap_or(now);
    let end = first
        .checked_add(1.month())
        .ok()
        .and_then(|d| at(d).ok())
        .unwrap_or(now);
    (start, end)
}

impl Engine {
    /// Every quota (admins), or those that apply to `user`.
    pub async fn quotas(&self, user: &User) -> Result<Vec<Quota>, EngineError> {
        let all = self.inner.store.quotas().await?;
        if user.is_admin() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|q| match q.kind {
                QuotaSubject::User => q.subject == user.id,
                QuotaSubject::Group => user.roles.contains(&q.subject),
            })
            .collect())
    }

    pub async fn put_quota(
        &self,
        actor: &Actor,
        kind: QuotaSubject,
        subject: &str,
        limits: Limits,
    ) -> Result<(), EngineError> {
        if kind == QuotaSubject::User && self.inner.store.user_by_id(subject).await?.is_none() {
            return Err(DefinitionError::NotFound("user", subject.to_owned()).into());
        }
        for (field, negative) in [
            ("max_instances", limits.max_instances.is_some_and(|n| n < 0)),
            ("max_vcpus", limits.max_vcpus.is_some_and(|n| n < 0)),
            (
                "monthly_budget",
                limits
                    .monthly_budget
                    .is_some_and(|b| !b.is_finite() || b < 0.0),
            ),
        ] {
            if negative {
                return Err(invalid(field, "must be at least 0 (or null: no limit)").into());
            }
        }
        let now = self.now();
        self.inner
            .store
            .put_quota(kind, subject, &limits, now)
            .await?;
        self.audited(
            actor,
            "quota.set",
            &format!("quota:{}:{subject}", kind.as_str()),
            json!(limits),
            now,
        )
        .await
    }

    /// The limits that apply to `user`.
    pub async fn limits_of(&self, user: &User) -> Result<Limits, EngineError> {
        let quotas = self.inner.store.quotas().await?;
        if let Some(own) = quotas
            .iter()
            .find(|q| q.kind == QuotaSubject::User && q.subject == user.id)
        {
            return Ok(own.limits);
        }
        let (mut instances, mut vcpus, mut budget) = (None, None, None);
        for q in quotas
            .iter()
            .filter(|q| q.kind == QuotaSubject::Group && user.roles.contains(&q.subject))
        {
            instances = generous(instances, q.limits.max_instances);
            vcpus = generous(vcpus, q.limits.max_vcpus);
            budget = generous(budget, q.limits.monthly_budget);
        }
        Ok(Limits {
            max_instances: instances.flatten(),
            max_vcpus: vcpus.flatten(),
            monthly_budget: budget.flatten(),
        })
    }

    /// Refuses a request that would take `owner` over a limit, naming it and the use;
    /// else says how much of a monthly budget the owner would use with it.
    pub(super) async fn check_quota(
        &self,
        owner: &User,
        new: &NewUse<'_>,
    ) -> Result<Option<BudgetUse>, EngineError> {
        let limits = self.limits_of(owner).await?;
        if limits == Limits::default() {
            return Ok(None);
        }
        let live = self.inner.store.live_instances_of(&owner.id).await?;
        if let Some(max) = limits.max_instances
            && live.len() as i64 + 1 > max
        {
            return Err(EngineError::QuotaExceeded {
                limit: "max_instances",
                message: format!("your quota is {max} instances and you have {}", live.len()),
            });
        }
        if let Some(max) = limits.max_vcpus {
            let mut known: HashMap<String, i64> = HashMap::new();
            let mut used = 0;
            for t in live
                .iter()
                .map(|i| i.instance_type.as_str())
                .chain([new.instance_type])
            {
                if !known.contains_key(t) {
                    let n = self
                        .inner
                        .provider
                        .instance_vcpus(new.target, t)
                        .await
                        .map_err(|error| EngineError::cloud(new.target, error))?
                        .unwrap_or(1);
                    known.insert(t.to_owned(), i64::from(n));
                }
                used += known[t];
            }
            if used > max {
                let now_used = used - known[new.instance_type];
                return Err(EngineError::QuotaExceeded {
                    limit: "max_vcpus",
                    message: format!(
                        "your quota is {max} vCPUs; you use {now_used} and a {} has {}",
                        new.instance_type, known[new.instance_type]
                    ),
                });
            }
        }
        if let Some(budget) = limits.monthly_budget {
            let (_, end) = month_of(self.now());
            let catalog = self.definitions().catalog().await?;
            // Spent so far this month, and what the schedules of the live instances will
            // still run until its end.
            let still: f64 = live
                .iter()
                .map(|i| {
                    Self::month_cost(
                        &catalog,
                        i.hourly_price,
                        &i.schedule,
                        i.created_at,
                        i.expires_at,
                        self.now(),
                        end,
                    )
                })
                .sum();
            let projected = self.spent_this_month(owner).await? + still;
            let added = Self::month_cost(
                &catalog,
                new.hourly_price,
                new.schedule,
                self.now(),
                new.expires_at,
                self.now(),
                end,
            );
            if projected + added > budget {
                return Err(EngineError::QuotaExceeded {
                    limit: "monthly_budget",
                    message: format!(
                        "your monthly budget is {budget:.2}; spent so far this month and what your instances' schedules will still run come to {projected:.2}, and this one would add {added:.2}"
                    ),
                });
            }
            return Ok(Some(BudgetUse {
                budget,
                projected: projected + added,
            }));
        }
        Ok(None)
    }

    /// What an instance costs in the month `[start, end)` if it runs as its schedule says
    /// while it lives.
    /// What the owner's instances (those made from templates) cost this month so far.
    async fn spent_this_month(&self, owner: &User) -> Result<f64, EngineError> {
        let today = self.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        let req = crate::usage::ReportRequest {
            first: today.first_of_month(),
            last: today,
            zone: jiff::tz::TimeZone::UTC,
            group_by: isched_store::usage_rollups::GroupBy::Template,
            owner: Some(owner.email.as_str().to_owned()),
        };
        let report = crate::usage::report(&self.inner.store, &self.inner.usage, &req, self.now())
            .await
            .map_err(|e| match e {
                crate::usage::UsageError::Store(s) => EngineError::Store(s),
                crate::usage::UsageError::Definitions(d) => EngineError::Definitions(d),
                other => EngineError::Store(isched_store::StoreError::Corrupt(other.to_string())),
            })?;
        Ok(report
            .rows
            .iter()
            .filter(|r| r.key != crate::usage::NONE)
            .map(|r| r.sums.cost)
            .sum())
    }

    fn month_cost(
        catalog: &Catalog,
        price: Option<f64>,
        schedule: &str,
        created: Timestamp,
        expires: Timestamp,
        start: Timestamp,
        end: Timestamp,
    ) -> f64 {
        let Some(price) = price else {
            return 0.0;
        };
        let from = created.max(start);
        let to = expires.min(end);
        if to <= from {
            return 0.0;
        }
        let seconds = match catalog.schedule(schedule) {
            Some(s) => s.usage(from, to).running_seconds,
            // A schedule that is gone: count it as always on.
            None => to.duration_since(from).as_secs(),
        };
        price * seconds as f64 / SignedDuration::from_hours(1).as_secs() as f64
    }
}
