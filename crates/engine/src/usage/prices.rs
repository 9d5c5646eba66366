//! Hourly prices by provider, region and instance type (for RDS, the instance class), for
//! resources whose price isched did not record when it created them. Loaded from a CSV
//! file (`provider,region,instance_type,hourly_price`; region `*` for every region); the
//! sandbox's simulated types have built-in prices. Every price is in one currency.

use crate::bounded_file::{BoundedReadError, read_bounded};
use std::collections::HashMap;
use std::path::Path;

/// The most a price file may hold (every EC2 and RDS type in every region is a few MiB): a
/// path such as `/dev/zero` ends in an error, not in reading forever.
const PRICE_FILE_MAX: u64 = 64 << 20;

#[derive(Debug, Clone)]
pub struct Prices {
    currency: String,
    /// (provider, region or `*`, type) → price per hour.
    table: HashMap<(String, String, String), f64>,
}

/// A price file that cannot be used, naming the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct PriceError {
    pub origin: String,
    pub line: Option<u64>,
    pub message: String,
}

#[derive(serde::Deserialize)]
struct Entry {
    provider: String,
    region: String,
    instance_type: String,
    hourly_price: f64,
}

impl Prices {
    /// No table: only the sandbox's built-in prices.
    pub fn new(currency: &str) -> Prices {
        Prices {
            currency: currency.to_owned(),
            table: HashMap::new(),
        }
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }

    pub fn from_file(currency: &str, path: &Path) -> Result<Prices, PriceError> {
        let origin = path.display().to_string();
        let text = read_bounded(path, PRICE_FILE_MAX).map_err(|e| PriceError {
            origin: origin.clone(),
            line: None,
            message: match e {
                BoundedReadError::TooLarge { .. } => format!(
                    "holds more than {} MiB, more than every price of every cloud",
                    PRICE_FILE_MAX >> 20
                ),
                BoundedReadError::Io(e) => e.to_string(),
            },
        })?;
        Prices::from_csv(currency, &text, &origin)
    }

    /// Parses the CSV text; `origin` names it in errors.
    pub fn from_csv(currency: &str, text: &str, origin: &str) -> Result<Prices, PriceError> {
        let mut prices = Prices::new(currency);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        for record in reader.deserialize::<Entry>() {
            let e = record.map_err(|e| PriceError {
                origin: origin.to_owned(),
                line: e.position().map(|p| p.line()),
                message: csv_message(&e),
            })?;
            if !(e.hourly_price.is_finite() && e.hourly_price >= 0.0) {
                return Err(PriceError {
                    origin: origin.to_owned(),
                    line: reader.position().line().checked_sub(1),
                    message: format!("hourly_price {} is not a price", e.hourly_price),
                });
            }
            prices
                .table
                .insert((e.provider, e.region, e.instance_type), e.hourly_price);
        }
        Ok(prices)
    }

    /// The price per hour of a type: for its region, else for every region, else the
    /// sandbox's built-in one.
    pub fn hourly(&self, provider: &str, region: &str, instance_type: &str) -> Option<f64> {
        let key = |r: &str| (provider.to_owned(), r.to_owned(), instance_type.to_owned());
        self.table
            .get(&key(region))
            .or_else(|| self.table.get(&key("*")))
            .copied()
            .or_else(|| {
                (provider == "sandbox")
                    .then(|| isched_cloud::sandbox::hourly_price(instance_type))
                    .flatten()
            })
    }
}

/// The csv crate's message without its own position (the error says the line).
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!(
                "column {}: {}",
                ["provider", "region", "instance_type", "hourly_price"]
                    .get(i as usize)
                    .unwrap_or(&"?"),
                err.kind()
            ),
            None => err.kind().to_string(),
        },
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_beats_wildcard_and_sandbox_has_defaults() {
        let p = Prices::from_csv(
            "USD",
            "provider,region,instance_type,hourly_price\n\
             # on-demand Linux\n\
             aws,*,t3.micro,0.0104\n\
             aws,eu-west-1,t3.micro,0.0114\n",
            "prices.csv",
        )
        .expect("prices");
        assert_eq!(p.hourly("aws", "eu-west-1", "t3.micro"), Some(0.0114));
        assert_eq!(p.hourly("aws", "us-east-1", "t3.micro"), Some(0.0104));
        assert_eq!(p.hourly("aws", "us-east-1", "m5.large"), None);
        assert_eq!(p.hourly("sandbox", "x", "t3.micro"), Some(0.0104));
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = Prices::from_csv(
            "USD",
            "provider,region,instance_type,hourly_price\naws,*,t3.micro,0.01\naws,*,t3.small,cheap\n",
            "prices.csv",
        )
        .expect_err("bad price");
        let text = e.to_string();
        assert!(
            text.starts_with("prices.csv line 3: column hourly_price"),
            "{text}"
        );
        let e = Prices::from_csv(
            "USD",
            "provider,region,instance_type,hourly_price\naws,*,t3.micro,-1\n",
            "p.csv",
        )
        .expect_err("negative");
        assert_eq!(
            e.to_string(),
            "p.csv line 2: hourly_price -1 is not a price"
        );
    }
}
