//! Configuration of usage and cost: the zone days are counted in, the currency, the price
//! table of resources isched did not create, and where usage is exported.

use super::{Problem, Raw};
use isched_engine::usage::{Prices, UsageSettings};
use jiff::tz::TimeZone;
use std::path::Path;

pub(super) const KEYS: &[&str] = &["usage_zone", "currency", "prices_file", "usage_export_to"];

#[derive(Debug, Clone)]
pub struct UsageConfig {
    pub settings: UsageSettings,
    /// A directory or `s3://BUCKET/PREFIX`: `isched serve` exports each day once rolled up.
    pub export_to: Option<String>,
}

pub(super) fn parse(raw: &Raw, owner_tag: &str, problems: &mut Vec<Problem>) -> UsageConfig {
    let mut problem = |source: &str, message: String| {
        problems.push(Problem {
            key: source.to_owned(),
            message,
        })
    };
    let zone = match raw.get("usage_zone") {
        None => TimeZone::UTC,
        Some((v, source)) => TimeZone::get(v.trim()).unwrap_or_else(|_| {
            problem(
                source,
                format!("{v:?} is not a time zone (an IANA name such as Europe/Paris)"),
            );
            TimeZone::UTC
        }),
    };
    let currency = match raw.get("currency") {
        None => "USD".to_owned(),
        Some((v, source)) => {
            let v = v.trim().to_ascii_uppercase();
            if v.len() != 3 || !v.chars().all(|c| c.is_ascii_alphabetic()) {
                problem(
                    source,
                    format!("{v:?} is not a currency code (ISO 4217, such as EUR)"),
                );
            }
            v
        }
    };
    let prices = match raw.get("prices_file") {
        None => Prices::new(&currency),
        Some((v, source)) => {
            Prices::from_file(&currency, Path::new(v.trim())).unwrap_or_else(|e| {
                problem(source, e.to_string());
                Prices::new(&currency)
            })
        }
    };
    let export_to = raw.get("usage_export_to").map(|(v, source)| {
        let v = v.trim().to_owned();
        if v.is_empty() || (v.starts_with("s3://") && v.trim_start_matches("s3://").is_empty()) {
            problem(source, "is not a directory or s3://BUCKET/PREFIX".into());
        }
        v
    });
    UsageConfig {
        settings: UsageSettings {
            zone,
            prices,
            owner_tag: owner_tag.to_owned(),
        },
        export_to,
    }
}
