//! Preferred instance types, as AWS Instance Scheduler v3 reads them from a resource's
//! `IS-PreferredInstanceTypes` tag (`t3.large,m5.large`): a start brings the resource back
//! to its first type, and a start or resize refused for lack of capacity tries the next
//! types in order. The type it ran as is recorded: the action becomes a resize to it.

use crate::decide::{Action, Decision};
use crate::plan::Planned;
use crate::reconcile::resize;
use isched_cloud::{CloudError, ErrorKind, Provider, Resource, ResourceState};

/// Upstream's tag, so that resources tagged for it keep working.
pub const PREFERRED_TYPES_TAG: &str = "IS-PreferredInstanceTypes";

/// The types a resource's tag lists, in order, without repeats.
pub fn preferred_types(resource: &Resource) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for t in resource
        .tags
        .get(PREFERRED_TYPES_TAG)
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !types.iter().any(|seen| seen == t) {
            types.push(t.to_owned());
        }
    }
    types
}

/// A plain start of a resource not of its first preferred type becomes a resize to that
/// type: a fallback type is a stopgap for one run, not the resource's new size. A period's
/// own type (`office@t3.large`) has already made the decision a resize and wins.
pub fn prefer(resource: &Resource, decision: Decision) -> Decision {
    // Only resources with a type of their own (not Auto Scaling groups, not clusters).
    if decision.action != Action::Start || resource.instance_type.is_none() {
        return decision;
    }
    match preferred_types(resource).first() {
        Some(first) if resource.instance_type.as_deref() != Some(first.as_str()) => Decision {
            action: Action::Resize { to: first.clone() },
            reason: format!("{}; back to its preferred type {first}", decision.reason),
            record: decision.record,
        },
        _ => decision,
    }
}

/// The types to try after `tried` was refused: those listed after it, or all others when
/// it is not listed.
fn after(types: &[String], tried: Option<&str>) -> Vec<String> {
    match types.iter().position(|t| Some(t.as_str()) == tried) {
        Some(i) => types[i + 1..].to_vec(),
        None => types
            .iter()
            .filter(|t| Some(t.as_str()) != tried)
            .cloned()
            .collect(),
    }
}

/// After `failed`, the result of `p`'s start or resize: when it was refused for capacity
/// and the resource lists other types, tries them in order. On success `p`'s decision
/// becomes the resize that worked, with the types that had no capacity in its reason.
pub async fn fall_back(
    provider: &dyn Provider,
    p: &mut Planned,
    failed: Result<(), CloudError>,
) -> Result<(), CloudError> {
    let tried = match (&failed, &p.decision.action) {
        (Err(e), Action::Start) if e.kind == ErrorKind::Capacity => {
            p.resource.instance_type.clone()
        }
        (Err(e), Action::Resize { to }) if e.kind == ErrorKind::Capacity => Some(to.clone()),
        _ => return failed,
    };
    let candidates = after(&preferred_types(&p.resource), tried.as_deref());
    if candidates.is_empty() {
        return failed;
    }
    let mut refused = vec![tried.unwrap_or_else(|| "its type".into())];
    // The refused start left the instance stopped, whatever it was before.
    p.resource.state = ResourceState::Stopped;
    for t in candidates {
        match resize(provider, p, &t).await {
            Ok(()) => {
                metrics::counter!("isched_fallback_types_used_total").increment(1);
                p.decision.reason = format!(
                    "{}; no capacity for {}: started as {t}",
                    p.decision.reason,
                    refused.join(", ")
                );
                p.decision.action = Action::Resize { to: t };
                return Ok(());
            }
            Err(e) if e.kind == ErrorKind::Capacity => refused.push(t),
            Err(e) => return Err(e),
        }
    }
    Err(CloudError {
        kind: ErrorKind::Capacity,
        code: Some("InsufficientInstanceCapacity".into()),
        message: format!(
            "no capacity for any preferred type ({})",
            refused.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_next_types_follow_the_one_refused() {
        let types = strings(&["t3.large", "m5.large", "m6i.large"]);
        assert_eq!(after(&types, Some("t3.large")), types[1..]);
        assert_eq!(after(&types, Some("m6i.large")), Vec::<String>::new());
        assert_eq!(after(&types, Some("c5.large")), types);
        assert_eq!(after(&types, None), types);
    }
}
