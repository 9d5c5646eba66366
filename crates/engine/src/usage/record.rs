//! Usage events for what the scheduler does to self-service instances: a start, stop or
//! resize that succeeded is recorded (with the type and price in force) next to the ones
//! owners and admins cause through the engine, so that usage reports see every running
//! interval of an instance, not only those its owner started by hand.

use crate::decide::Action;
use crate::instances::TAG_INSTANCE;
use crate::reconcile::{Done, Outcome};
use isched_cloud::Provider;
use isched_store::Store;
use isched_store::usage::UsageEvent;
use jiff::Timestamp;

/// Appends a usage event for each successful action of a pass on an instance isched
/// created; failures are logged (usage is reporting, never a reason to fail a pass).
pub async fn record_scheduled(
    store: &Store,
    provider: &dyn Provider,
    done: &[Done],
    now: Timestamp,
) {
    for d in done.iter().filter(|d| d.outcome == Outcome::Ok) {
        let event = match &d.planned.decision.action {
            Action::Start => UsageEvent::Started,
            Action::Stop { .. } => UsageEvent::Stopped,
            Action::Resize { .. } => UsageEvent::Resized,
            Action::None => continue,
        };
        let Some(id) = d.planned.resource.tags.get(TAG_INSTANCE) else {
            continue;
        };
        let mut instance = match store.instance(id).await {
            Ok(Some(i)) => i,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, instance = %id, "usage event not recorded");
                continue;
            }
        };
        if let Action::Resize { to } = &d.planned.decision.action {
            instance.hourly_price = provider.hourly_price(to);
            instance.instance_type = to.clone();
        }
        if let Err(e) = store.append_usage_event(&instance, event, now).await {
            tracing::warn!(error = %e, instance = %id, "usage event not recorded");
        }
    }
}
