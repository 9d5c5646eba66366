//! The end of an instance's life: at `expires_at` it is stopped (and kept stopped, whatever
//! its schedule says, until its owner extends it) or terminated, as its template says.

use super::{Actor, Engine};
use crate::overrides::{self, OverrideRequest};
use crate::plan::EngineError;
use isched_store::instances::Instance;
use isched_store::scheduling::HistoryEntry;
use isched_store::templates::OnExpiry;
use jiff::SignedDuration;
use serde_json::json;

/// How long an expired, stopped instance is kept stopped: until someone extends it.
const KEPT_STOPPED: SignedDuration = SignedDuration::from_hours(24 * 365 * 10);

impl Engine {
    /// Acts on every instance whose lifetime has ended (each once, across replicas);
    /// returns how many.
    pub async fn expire_instances(&self) -> Result<usize, EngineError> {
        let now = self.now();
        let due = self.inner.store.claim_expired_instances(now).await?;
        for instance in &due {
            if let Err(e) = self.expire(instance).await {
                tracing::warn!(instance = %instance.id, error = %e, "an expired instance could not be stopped or terminated");
            }
        }
        Ok(due.len())
    }

    async fn expire(&self, instance: &Instance) -> Result<(), EngineError> {
        let now = self.now();
        let on_expiry = self
            .inner
            .store
            .template(&instance.template)
            .await?
            .map_or(OnExpiry::Stop, |t| t.spec.on_expiry);
        match on_expiry {
            OnExpiry::Terminate => self.terminate_in_cloud(instance).await?,
            OnExpiry::Stop => {
                self.power_in_cloud(instance, false).await?;
                if let Some(key) = &instance.resource {
                    // The schedule would start it again at its next period: an override
                    // keeps it stopped until the owner extends its life.
                    overrides::set(
                        &self.inner.store,
                        key,
                        &instance.schedule,
                        &OverrideRequest::StoppedUntil(now + KEPT_STOPPED),
                        "isched (lifetime ended)",
                        now,
                    )
                    .await?;
                }
            }
        }
        if let Some(key) = &instance.resource {
            self.inner
                .store
                .append_history(&HistoryEntry {
                    at: now,
                    resource: key.clone(),
                    schedule: Some(instance.schedule.clone()),
                    action: if on_expiry == OnExpiry::Stop {
                        "stop"
                    } else {
                        "terminate"
                    }
                    .into(),
                    outcome: "lifetime ended".into(),
                    reason: format!(
                        "its lifetime ended at {}; the template says {}",
                        instance.expires_at,
                        on_expiry.as_str()
                    ),
                })
                .await?;
        }
        self.changed(
            &Actor::system(),
            "instance.expired",
            &format!("instance:{}", instance.id),
            json!({ "on_expiry": on_expiry.as_str() }),
            now,
        )
        .await
    }
}
