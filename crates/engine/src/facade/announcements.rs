//! Notices about people rather than resources: a new user (to the admins), a quota that
//! refused a request (to the admins, once a day per user and limit), and a monthly budget
//! at 80 % and at 100 % (to the owner, once each per month). The once-only ones are marked
//! in the store, so replicas and restarts do not repeat them.

use super::Engine;
use super::quotas::{BudgetUse, month_of};
use crate::notify::Notice;
use isched_store::users::User;

/// Budget shares that are announced, with their event and how they are put.
const BUDGET_STEPS: [(f64, &str, &str); 2] = [
    (1.0, "budget_reached", "has reached"),
    (0.8, "budget_warning", "is at 80 % of"),
];

impl Engine {
    /// Tells the admins that `user` was created: `by` names who did (an admin's email, or
    /// how they came).
    pub async fn announce_user_created(&self, user: &User, by: &str) {
        let groups = if user.roles.is_empty() {
            "no groups".to_owned()
        } else {
            format!("groups {}", user.roles.join(", "))
        };
        self.inner
            .notifier
            .send(&Notice {
                event: "user_created",
                subject: format!("New isched user {}", user.email.as_str()),
                paragraphs: vec![format!(
                    "The user {} was created ({groups}): {by}.",
                    user.email.as_str()
                )],
                link: None,
                resource: None,
                owner: None,
            })
            .await;
    }

    /// Tells the admins that a quota refused `owner` a request (once a day per limit).
    pub(super) async fn quota_hit(&self, owner: &User, limit: &str, message: &str) {
        let now = self.now();
        let day = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        if !self
            .once(&format!("quota:{}:{limit}:{day}", owner.id))
            .await
        {
            return;
        }
        self.inner
            .notifier
            .send(&Notice {
                event: "quota_hit",
                subject: format!("isched: {} hit the {limit} quota", owner.email.as_str()),
                paragraphs: vec![
                    format!(
                        "A request by {} for a new instance was refused: {message}.",
                        owner.email.as_str()
                    ),
                    "Raise the quota (PUT /api/v1/quotas/...) if this user needs more.".into(),
                ],
                link: None,
                resource: None,
                owner: None,
            })
            .await;
        if limit == "monthly_budget" {
            self.budget_step(owner, 0, f64::NAN).await;
        }
    }

    /// Tells the owner when their instances' month comes to 80 % or 100 % of their budget.
    pub(super) async fn budget_notices(&self, owner: &User, usage: BudgetUse) {
        let share = if usage.budget > 0.0 {
            usage.projected / usage.budget
        } else {
            f64::INFINITY
        };
        if let Some(step) = BUDGET_STEPS.iter().position(|(at, ..)| share >= *at) {
            self.budget_step(owner, step, usage.projected).await;
        }
    }

    /// Sends one budget step's notice, unless this month had it already (a 100 % notice
    /// also counts as the 80 % one).
    async fn budget_step(&self, owner: &User, step: usize, projected: f64) {
        let (month, _) = month_of(self.now());
        let month = month
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m");
        let mut first = false;
        for (_, event, _) in &BUDGET_STEPS[step..] {
            first |= self
                .once(&format!("budget:{}:{month}:{event}", owner.id))
                .await;
        }
        if !first {
            return;
        }
        let (_, event, put) = BUDGET_STEPS[step];
        let detail = if projected.is_finite() {
            format!(
                " As their schedules run them, your instances come to {projected:.2} this month."
            )
        } else {
            String::new()
        };
        self.inner
            .notifier
            .send(&Notice {
                event,
                subject: format!("isched: your spending {put} your monthly budget"),
                paragraphs: vec![
                    format!("Your spending in {month} {put} your monthly budget.{detail}"),
                    "Stop or terminate instances you do not need, or ask an admin for a larger budget."
                        .into(),
                ],
                link: None,
                resource: None,
                owner: Some(owner.email.as_str().to_owned()),
            })
            .await;
    }

    /// True the first time `key` is seen; a store error says false (better one notice
    /// too few than one per request).
    pub(super) async fn once(&self, key: &str) -> bool {
        match self.inner.store.mark_notice_once(key, self.now()).await {
            Ok(first) => first,
            Err(e) => {
                tracing::warn!(error = %e, "cannot mark a notice as sent");
                false
            }
        }
    }
}
