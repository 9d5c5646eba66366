//! Reads a DynamoDB table whole (AWS Instance Scheduler's configuration table, for
//! `isched import aws-instance-scheduler`), with the SDK's standard configuration from the
//! environment. Items come back in DynamoDB's own JSON form (`{"S": "..."}`,
//! `{"SS": [...]}`, ...), the form `aws dynamodb scan` prints, so that a table and a file
//! exported from it are read by the same code.

use super::errors::classify;
use crate::error::CloudError;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Tables {
    client: aws_sdk_dynamodb::Client,
}

impl Tables {
    /// In `region`, or the SDK's default region.
    pub async fn from_env(region: Option<String>) -> Tables {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(r) = region {
            loader = loader.region(Region::new(r));
        }
        Tables {
            client: aws_sdk_dynamodb::Client::new(&loader.load().await),
        }
    }

    /// Every item of `table`, page after page, with consistent reads.
    pub async fn scan(&self, table: &str) -> Result<Vec<Value>, CloudError> {
        let mut items = Vec::new();
        let mut pages = self
            .client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("Scan", e))?;
            items.extend(page.items().iter().map(item_json));
        }
        Ok(items)
    }
}

/// An item in DynamoDB's JSON form.
fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect::<Map<_, _>>(),
    )
}

fn attribute_json(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(attribute_json).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": item_json(m) }),
        // Binary values have no place in the configuration table; kept visible, not lost.
        AttributeValue::B(_) | AttributeValue::Bs(_) => json!({ "B": "(binary)" }),
        _ => json!({ "UNKNOWN": null }),
    }
}
