//! EC2 calls: discovery with server-side tag filters and full pagination, batched
//! start/stop that splits around a bad instance, resize, idempotent create, terminate, tags.

use super::errors::classify;
use crate::error::{CloudError, ErrorKind};
use crate::model::{
    LaunchSpec, Login, LoginSecret, Resource, ResourceKind, ResourceState, TagChange, TagFilter,
    Target, sha256_fingerprint,
};
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeValue, Filter, Instance, InstanceType, KeyType, ResourceType, Tag, TagSpecification,
};
use std::collections::BTreeMap;

/// The tag AWS puts on every instance an Auto Scaling group launches.
const ASG_MEMBER_TAG: &str = "aws:autoscaling:groupName";

/// Discovery skips instances that are gone; `shutting-down` ones still show, as terminated.
const LIVE_STATES: &[&str] = &["pending", "running", "stopping", "stopped", "shutting-down"];

pub(super) fn resource(target: &Target, i: &Instance) -> Option<Resource> {
    let raw = i
        .state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    Some(Resource {
        id: i.instance_id()?.to_owned(),
        provider: "aws".into(),
        kind: ResourceKind::Ec2Instance,
        account: target.account.clone(),
        region: target.region.clone(),
        state: ResourceState::from_ec2(&raw),
        raw_state: raw,
        instance_type: i.instance_type().map(|t| t.as_str().to_owned()),
        tags: i
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
        launched_at: i
            .launch_time()
            .and_then(|t| jiff::Timestamp::from_second(t.secs()).ok()),
        maintenance_window: None,
    })
}

pub(super) async fn discover(
    client: &Client,
    target: &Target,
    filter: &TagFilter,
    page_size: i32,
) -> Result<Vec<Resource>, CloudError> {
    let mut filters = vec![
        Filter::builder()
            .name("instance-state-name")
            .set_values(Some(LIVE_STATES.iter().map(|s| s.to_string()).collect()))
            .build(),
    ];
    if !filter.any_of_keys.is_empty() {
        filters.push(
            Filter::builder()
                .name("tag-key")
                .set_values(Some(filter.any_of_keys.clone()))
                .build(),
        );
    }
    let mut pages = client
        .describe_instances()
        .set_filters(Some(filters))
        .max_results(page_size)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeInstances", e))?;
        for reservation in page.reservations() {
            out.extend(
                reservation
                    .instances()
                    .iter()
                    .filter_map(|i| resource(target, i))
                    // Members of an Auto Scaling group are scheduled through their group:
                    // stopping one alone would only make the group replace it.
                    .filter(|r| !r.tags.contains_key(ASG_MEMBER_TAG)),
            );
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
pub(super) enum Power {
    Start,
    Stop { hibernate: bool },
}

/// Starts or stops `ids` in batches of `batch_size`. A batch that fails for a reason tied
/// to some instance (not found, wrong state, ...) is split in two and retried, so one bad
/// instance fails alone while the rest act.
pub(super) async fn power(
    client: &Client,
    ids: &[String],
    batch_size: usize,
    power: Power,
) -> BTreeMap<String, Result<(), CloudError>> {
    let mut results = BTreeMap::new();
    let mut queue: Vec<Vec<String>> = ids
        .chunks(batch_size.max(1))
        .map(|c| c.to_vec())
        .rev()
        .collect();
    while let Some(batch) = queue.pop() {
        let outcome = match power {
            Power::Start => client
                .start_instances()
                .set_instance_ids(Some(batch.clone()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("StartInstances", e)),
            Power::Stop { hibernate } => client
                .stop_instances()
                .set_instance_ids(Some(batch.clone()))
                .set_hibernate(hibernate.then_some(true))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("StopInstances", e)),
        };
        match outcome {
            Ok(()) => results.extend(batch.into_iter().map(|id| (id, Ok(())))),
            // Whole-call failures: splitting would only repeat them.
            Err(e)
                if batch.len() == 1
                    || matches!(
                        e.kind,
                        ErrorKind::Throttled | ErrorKind::Unavailable | ErrorKind::Unauthorized
                    ) =>
            {
                results.extend(batch.into_iter().map(|id| (id, Err(e.clone()))))
            }
            Err(_) => {
                let (a, b) = batch.split_at(batch.len() / 2);
                queue.push(b.to_vec());
                queue.push(a.to_vec());
            }
        }
    }
    results
}

pub(super) async fn modify_type(
    client: &Client,
    id: &str,
    instance_type: &str,
) -> Result<(), CloudError> {
    client
        .modify_instance_attribute()
        .instance_id(id)
        .instance_type(AttributeValue::builder().value(instance_type).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("ModifyInstanceAttribute", e))
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tag carrying the client token, so a create retried after a crash finds its instance even
/// where the server does not keep the token (moto), or after EC2 has forgotten it.
pub(super) const CLIENT_TOKEN_TAG: &str = "isched:client-token";

/// Creates an instance once per client token: an instance already tagged with the token is
/// returned as it is; otherwise RunInstances carries the token (EC2 enforces it) and the tag.
pub(super) async fn create(
    client: &Client,
    target: &Target,
    spec: &LaunchSpec,
) -> Result<Resource, CloudError> {
    let existing = client
        .describe_instances()
        .filters(
            Filter::builder()
                .name(format!("tag:{CLIENT_TOKEN_TAG}"))
                .values(&spec.client_token)
                .build(),
        )
        .filters(
            Filter::builder()
                .name("instance-state-name")
                .set_values(Some(LIVE_STATES.iter().map(|s| s.to_string()).collect()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| classify("DescribeInstances", e))?;
    if let Some(found) = existing
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find_map(|i| resource(target, i))
    {
        return Ok(found);
    }
    let mut all_tags = spec.tags.clone();
    all_tags.insert(CLIENT_TOKEN_TAG.into(), spec.client_token.clone());
    let mut req = client
        .run_instances()
        .client_token(&spec.client_token)
        .image_id(&spec.image_id)
        .instance_type(InstanceType::from(spec.instance_type.as_str()))
        .min_count(1)
        .max_count(1)
        .set_subnet_id(spec.subnet_id.clone())
        .set_key_name(spec.key_name.clone())
        .set_user_data(spec.user_data.clone());
    if !spec.security_group_ids.is_empty() {
        req = req.set_security_group_ids(Some(spec.security_group_ids.clone()));
    }
    req = req.tag_specifications(
        TagSpecification::builder()
            .resource_type(ResourceType::Instance)
            .set_tags(Some(tags(&all_tags)))
            .build(),
    );
    let out = req.send().await.map_err(|e| classify("RunInstances", e))?;
    out.instances()
        .first()
        .and_then(|i| resource(target, i))
        .ok_or_else(|| CloudError::new(ErrorKind::Other, "RunInstances returned no instance"))
}

pub(super) async fn terminate(client: &Client, id: &str) -> Result<(), CloudError> {
    client
        .terminate_instances()
        .instance_ids(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("TerminateInstances", e))
}

/// Makes `change` on `ids`: one CreateTags and one DeleteTags per `batch_size` instances.
pub(super) async fn retag(
    client: &Client,
    ids: &[String],
    batch_size: usize,
    change: &TagChange,
) -> Result<(), CloudError> {
    for batch in ids.chunks(batch_size.max(1)) {
        if !change.set.is_empty() {
            client
                .create_tags()
                .set_resources(Some(batch.to_vec()))
                .set_tags(Some(tags(&change.set)))
                .send()
                .await
                .map_err(|e| classify("CreateTags", e))?;
        }
        if !change.remove.is_empty() {
            // A key alone deletes the tag whatever its value.
            let keys = change
                .remove
                .iter()
                .map(|k| Tag::builder().key(k).build())
                .collect();
            client
                .delete_tags()
                .set_resources(Some(batch.to_vec()))
                .set_tags(Some(keys))
                .send()
                .await
                .map_err(|e| classify("DeleteTags", e))?;
        }
    }
    Ok(())
}

/// A new ed25519 key pair named `name`, replacing one of that name (whose private key a
/// crash may have lost).
pub(super) async fn create_key_pair(client: &Client, name: &str) -> Result<Login, CloudError> {
    delete_key_pair(client, name).await?;
    let out = client
        .create_key_pair()
        .key_name(name)
        .key_type(KeyType::Ed25519)
        .send()
        .await
        .map_err(|e| classify("CreateKeyPair", e))?;
    let material = out.key_material.ok_or_else(|| {
        CloudError::new(
            ErrorKind::Unavailable,
            "CreateKeyPair answered without the private key",
        )
    })?;
    let fingerprint = out
        .key_fingerprint
        .unwrap_or_else(|| sha256_fingerprint(material.as_bytes()));
    Ok(Login {
        // The default user of Amazon Linux; Ubuntu images call it `ubuntu`.
        username: "ec2-user".into(),
        secret: LoginSecret::PrivateKey(material.into()),
        fingerprint,
        key_name: Some(name.to_owned()),
    })
}

/// Deleting a key pair that does not exist succeeds in EC2.
pub(super) async fn delete_key_pair(client: &Client, name: &str) -> Result<(), CloudError> {
    client
        .delete_key_pair()
        .key_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("DeleteKeyPair", e))
}

/// The default vCPUs of an instance type (DescribeInstanceTypes); None for a type EC2 does
/// not know.
pub(super) async fn instance_vcpus(
    client: &Client,
    instance_type: &str,
) -> Result<Option<u32>, CloudError> {
    let out = client
        .describe_instance_types()
        .instance_types(InstanceType::from(instance_type))
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            let e = classify("DescribeInstanceTypes", e);
            return if e.kind == ErrorKind::Invalid {
                Ok(None)
            } else {
                Err(e)
            };
        }
    };
    Ok(out
        .instance_types()
        .first()
        .and_then(|t| t.v_cpu_info())
        .and_then(|v| v.default_v_cpus())
        .and_then(|n| u32::try_from(n).ok()))
}
