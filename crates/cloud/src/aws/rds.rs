//! RDS calls: DB instances and Aurora clusters. RDS has no batch start/stop and no
//! server-side tag filter on describe, so discovery filters tags here and actions go one
//! resource at a time (bounded by the per-target concurrency limit).

use super::errors::classify;
use crate::error::CloudError;
use crate::model::{Resource, ResourceKind, ResourceState, TagChange, TagFilter, Target};
use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;
use std::collections::BTreeMap;

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

pub(super) async fn discover(
    client: &Client,
    target: &Target,
    filter: &TagFilter,
) -> Result<Vec<Resource>, CloudError> {
    let mut out = Vec::new();
    let mut pages = client
        .describe_db_instances()
        .max_records(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeDBInstances", e))?;
        for db in page.db_instances() {
            // Members of an Aurora cluster start and stop with their cluster.
            if db.db_cluster_identifier().is_some() {
                continue;
            }
            let tags = tag_map(db.tag_list());
            if !filter.matches(&tags) {
                continue;
            }
            let Some(id) = db.db_instance_identifier() else {
                continue;
            };
            let raw = db.db_instance_status().unwrap_or_default().to_owned();
            out.push(Resource {
                id: id.to_owned(),
                provider: "aws".into(),
                kind: ResourceKind::RdsInstance,
                account: target.account.clone(),
                region: target.region.clone(),
                state: ResourceState::from_rds(&raw),
                raw_state: raw,
                instance_type: db.db_instance_class().map(str::to_owned),
                tags,
                launched_at: db
                    .instance_create_time()
                    .and_then(|t| jiff::Timestamp::from_second(t.secs()).ok()),
                maintenance_window: db.preferred_maintenance_window().map(str::to_owned),
            });
        }
    }
    let mut pages = client
        .describe_db_clusters()
        .max_records(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeDBClusters", e))?;
        for c in page.db_clusters() {
            let tags = tag_map(c.tag_list());
            if !filter.matches(&tags) {
                continue;
            }
            let Some(id) = c.db_cluster_identifier() else {
                continue;
            };
            let raw = c.status().unwrap_or_default().to_owned();
            out.push(Resource {
                id: id.to_owned(),
                provider: "aws".into(),
                kind: ResourceKind::RdsCluster,
                account: target.account.clone(),
                region: target.region.clone(),
                state: ResourceState::from_rds(&raw),
                raw_state: raw,
                instance_type: None,
                tags,
                launched_at: c
                    .cluster_create_time()
                    .and_then(|t| jiff::Timestamp::from_second(t.secs()).ok()),
                maintenance_window: c.preferred_maintenance_window().map(str::to_owned),
            });
        }
    }
    Ok(out)
}

pub(super) async fn start_instance(client: &Client, id: &str) -> Result<(), CloudError> {
    client
        .start_db_instance()
        .db_instance_identifier(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("StartDBInstance", e))
}

pub(super) async fn stop_instance(client: &Client, id: &str) -> Result<(), CloudError> {
    client
        .stop_db_instance()
        .db_instance_identifier(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("StopDBInstance", e))
}

pub(super) async fn start_cluster(client: &Client, id: &str) -> Result<(), CloudError> {
    client
        .start_db_cluster()
        .db_cluster_identifier(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("StartDBCluster", e))
}

pub(super) async fn stop_cluster(client: &Client, id: &str) -> Result<(), CloudError> {
    client
        .stop_db_cluster()
        .db_cluster_identifier(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("StopDBCluster", e))
}

pub(super) async fn modify_class(client: &Client, id: &str, class: &str) -> Result<(), CloudError> {
    client
        .modify_db_instance()
        .db_instance_identifier(id)
        .db_instance_class(class)
        .apply_immediately(true)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("ModifyDBInstance", e))
}

/// RDS tags take ARNs.
pub(super) async fn set_tags(
    client: &Client,
    arn: &str,
    t: &BTreeMap<String, String>,
) -> Result<(), CloudError> {
    let tags: Vec<Tag> = t
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    client
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("AddTagsToResource", e))
}

/// Makes `change` on one resource, by ARN (RDS tags one resource per request).
pub(super) async fn retag(
    client: &Client,
    arn: &str,
    change: &TagChange,
) -> Result<(), CloudError> {
    if !change.set.is_empty() {
        set_tags(client, arn, &change.set).await?;
    }
    if !change.remove.is_empty() {
        client
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(change.remove.iter().cloned().collect()))
            .send()
            .await
            .map_err(|e| classify("RemoveTagsFromResource", e))?;
    }
    Ok(())
}
