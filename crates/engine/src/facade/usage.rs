//! Usage reports as people ask for them (users see their own, admins everyone's), and the
//! rollup of complete days that keeps long reports fast.

use super::Engine;
use crate::usage::{self, Report, ReportRequest, UsageError, UsageSettings};
use isched_store::users::User;

/// Days rolled up per upkeep at most, so that a first rollup over a long history does not
/// hold the job runner for long.
const ROLLUP_DAYS_PER_UPKEEP: i32 = 62;

impl Engine {
    pub fn usage_settings(&self) -> &UsageSettings {
        &self.inner.usage
    }

    /// The report `asked` for, of the asker's own resources unless they are an admin (an
    /// admin may still ask for one owner's).
    pub async fn usage_report(
        &self,
        asker: &User,
        asked: ReportRequest,
    ) -> Result<Report, UsageError> {
        let mut req = asked;
        if !asker.is_admin() {
            req.owner = Some(asker.email.as_str().to_owned());
        }
        usage::report(&self.inner.store, &self.inner.usage, &req, self.now()).await
    }

    /// Rolls up the complete days not yet rolled up (a bounded number per call).
    pub async fn roll_up_usage(&self) -> Result<i32, UsageError> {
        let days = usage::roll_up(
            &self.inner.store,
            &self.inner.usage,
            self.now(),
            ROLLUP_DAYS_PER_UPKEEP,
        )
        .await?;
        if days > 0 {
            self.inner.usage_rolled.notify_one();
        }
        Ok(days)
    }

    /// Returns once days were rolled up in this process since the last call (or at once
    /// if they were while nobody waited).
    pub async fn usage_rolled(&self) {
        self.inner.usage_rolled.notified().await
    }
}
