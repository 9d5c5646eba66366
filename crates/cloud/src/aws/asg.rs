//! Auto Scaling groups, scheduled as AWS Instance Scheduler v3 does: a running group has its
//! own sizes, a stopped one has min, desired and max of 0. A stop first keeps the running
//! sizes in upstream's `IS-MinDesiredMax` tag (`min-desired-max`), which the next start
//! restores; groups that upstream stopped start the same way.
//!
//! isched resizes the group at the transition itself rather than through scheduled scaling
//! actions: its scheduler wakes at each transition's second, and the same decisions
//! (manual changes, overrides, enforcement) then apply to groups as to instances.

use super::errors::classify;
use crate::error::{CloudError, ErrorKind};
use crate::model::{Resource, ResourceKind, ResourceState, TagChange, TagFilter, Target};
use aws_sdk_autoscaling::Client;
use aws_sdk_autoscaling::types::{AutoScalingGroup, Filter, Tag};
use std::collections::BTreeMap;

/// Upstream's tag holding a stopped group's running sizes.
pub const SIZES_TAG: &str = "IS-MinDesiredMax";

/// Tags per CreateOrUpdateTags/DeleteTags call (the API's limit).
const TAGS_PER_CALL: usize = 50;

/// Min, desired and max capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sizes {
    min: i32,
    desired: i32,
    max: i32,
}

impl Sizes {
    fn of(g: &AutoScalingGroup) -> Sizes {
        Sizes {
            min: g.min_size().unwrap_or_default(),
            desired: g.desired_capacity().unwrap_or_default(),
            max: g.max_size().unwrap_or_default(),
        }
    }

    fn is_stopped(self) -> bool {
        self == Sizes::STOPPED
    }

    const STOPPED: Sizes = Sizes {
        min: 0,
        desired: 0,
        max: 0,
    };

    /// Upstream's form: `1-2-3`.
    fn to_tag(self) -> String {
        format!("{}-{}-{}", self.min, self.desired, self.max)
    }

    fn from_tag(value: &str) -> Option<Sizes> {
        let mut parts = value.trim().split('-').map(|p| p.trim().parse::<i32>());
        let sizes = Sizes {
            min: parts.next()?.ok()?,
            desired: parts.next()?.ok()?,
            max: parts.next()?.ok()?,
        };
        let valid = parts.next().is_none()
            && sizes.min >= 0
            && sizes.min <= sizes.desired
            && sizes.desired <= sizes.max;
        valid.then_some(sizes)
    }
}

fn tag_map(g: &AutoScalingGroup) -> BTreeMap<String, String> {
    g.tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn resource(target: &Target, g: &AutoScalingGroup) -> Option<Resource> {
    let sizes = Sizes::of(g);
    let deleting = g.status().is_some_and(|s| s.starts_with("Delete"));
    Some(Resource {
        id: g.auto_scaling_group_name()?.to_owned(),
        provider: "aws".into(),
        kind: ResourceKind::AutoScalingGroup,
        account: target.account.clone(),
        region: target.region.clone(),
        state: if deleting {
            ResourceState::Terminated
        } else if sizes.is_stopped() {
            ResourceState::Stopped
        } else {
            ResourceState::Running
        },
        raw_state: format!("sizes {}", sizes.to_tag()),
        instance_type: None,
        tags: tag_map(g),
        launched_at: g
            .created_time()
            .and_then(|t| jiff::Timestamp::from_second(t.secs()).ok()),
        maintenance_window: None,
    })
}

/// Groups carrying any of the filter's tag keys (filtered by the API), page by page.
pub(super) async fn discover(
    client: &Client,
    target: &Target,
    filter: &TagFilter,
) -> Result<Vec<Resource>, CloudError> {
    let mut request = client.describe_auto_scaling_groups().max_records(100);
    if !filter.any_of_keys.is_empty() {
        request = request.filters(
            Filter::builder()
                .name("tag-key")
                .set_values(Some(filter.any_of_keys.clone()))
                .build(),
        );
    }
    let mut pages = request.into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeAutoScalingGroups", e))?;
        out.extend(
            page.auto_scaling_groups()
                .iter()
                .filter_map(|g| resource(target, g)),
        );
    }
    Ok(out)
}

async fn group(client: &Client, name: &str) -> Result<AutoScalingGroup, CloudError> {
    let out = client
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| classify("DescribeAutoScalingGroups", e))?;
    out.auto_scaling_groups()
        .first()
        .cloned()
        .ok_or_else(|| CloudError {
            kind: ErrorKind::NotFound,
            code: Some("ValidationError".into()),
            message: format!("Auto Scaling group {name} does not exist"),
        })
}

async fn resize(client: &Client, name: &str, to: Sizes) -> Result<(), CloudError> {
    client
        .update_auto_scaling_group()
        .auto_scaling_group_name(name)
        .min_size(to.min)
        .desired_capacity(to.desired)
        .max_size(to.max)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("UpdateAutoScalingGroup", e))
}

/// Keeps the running sizes in the tag, then sets them to 0. A stopped group is left alone.
pub(super) async fn stop(client: &Client, name: &str) -> Result<(), CloudError> {
    let g = group(client, name).await?;
    let sizes = Sizes::of(&g);
    if sizes.is_stopped() {
        return Ok(());
    }
    let kept = BTreeMap::from([(SIZES_TAG.to_owned(), sizes.to_tag())]);
    write_tags(client, &[name.to_owned()], &kept).await?;
    resize(client, name, Sizes::STOPPED).await
}

/// Restores the sizes the tag keeps. A running group is left alone.
pub(super) async fn start(client: &Client, name: &str) -> Result<(), CloudError> {
    let g = group(client, name).await?;
    if !Sizes::of(&g).is_stopped() {
        return Ok(());
    }
    let tags = tag_map(&g);
    let saved = tags.get(SIZES_TAG).ok_or_else(|| {
        CloudError::new(
            ErrorKind::InvalidState,
            format!(
                "Auto Scaling group {name} is at 0 and has no saved sizes to start with \
                 (its {SIZES_TAG} tag, written when isched or upstream stops it)"
            ),
        )
    })?;
    let sizes = Sizes::from_tag(saved).ok_or_else(|| {
        CloudError::new(
            ErrorKind::Invalid,
            format!(
                "Auto Scaling group {name}: its {SIZES_TAG} tag {saved:?} is not MIN-DESIRED-MAX"
            ),
        )
    })?;
    resize(client, name, sizes).await
}

fn tag(name: &str, key: &str, value: Option<&str>) -> Tag {
    Tag::builder()
        .resource_id(name)
        .resource_type("auto-scaling-group")
        .key(key)
        .set_value(value.map(str::to_owned))
        .propagate_at_launch(false)
        .build()
}

async fn write_tags(
    client: &Client,
    names: &[String],
    tags: &BTreeMap<String, String>,
) -> Result<(), CloudError> {
    let all: Vec<Tag> = names
        .iter()
        .flat_map(|n| tags.iter().map(move |(k, v)| tag(n, k, Some(v))))
        .collect();
    for batch in all.chunks(TAGS_PER_CALL) {
        client
            .create_or_update_tags()
            .set_tags(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| classify("CreateOrUpdateTags", e))?;
    }
    Ok(())
}

/// Makes `change` on the groups `names`, 50 tags per call.
pub(super) async fn retag(
    client: &Client,
    names: &[String],
    change: &TagChange,
) -> Result<(), CloudError> {
    write_tags(client, names, &change.set).await?;
    let gone: Vec<Tag> = names
        .iter()
        .flat_map(|n| change.remove.iter().map(move |k| tag(n, k, None)))
        .collect();
    for batch in gone.chunks(TAGS_PER_CALL) {
        client
            .delete_tags()
            .set_tags(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| classify("DeleteTags", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_upstreams_form() {
        let s = Sizes {
            min: 1,
            desired: 2,
            max: 4,
        };
        assert_eq!(Sizes::from_tag(&s.to_tag()), Some(s));
        assert_eq!(Sizes::from_tag("1-2"), None);
        assert_eq!(Sizes::from_tag("3-2-4"), None, "desired below min");
        assert_eq!(Sizes::from_tag("a-b-c"), None);
    }
}
