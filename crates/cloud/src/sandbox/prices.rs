//! On-demand hourly prices (USD, Linux, us-east-1, late 2026) of the instance types the
//! sandbox offers, so that its usage and savings figures look like real ones.

pub const PRICES: &[(&str, f64)] = &[
    ("t3.micro", 0.0104),
    ("t3.small", 0.0208),
    ("t3.medium", 0.0416),
    ("t3.large", 0.0832),
    ("t3.xlarge", 0.1664),
    ("t3.2xlarge", 0.3328),
    ("m5.large", 0.096),
    ("m5.xlarge", 0.192),
    ("m5.2xlarge", 0.384),
    ("m6i.large", 0.096),
    ("m6i.xlarge", 0.192),
    ("c6i.large", 0.085),
    ("c6i.xlarge", 0.17),
    ("c6i.2xlarge", 0.34),
    ("r6g.large", 0.1008),
    ("r6g.xlarge", 0.2016),
    ("g5.xlarge", 1.006),
    ("db.t3.medium", 0.068),
    ("db.r6g.large", 0.225),
];

/// The hourly price of a type the sandbox knows, or `None`.
pub fn hourly_price(instance_type: &str) -> Option<f64> {
    PRICES
        .iter()
        .find(|(t, _)| *t == instance_type)
        .map(|(_, p)| *p)
}

/// vCPUs of the same types (as EC2 describes them), for quotas.
pub const VCPUS: &[(&str, u32)] = &[
    ("t3.micro", 2),
    ("t3.small", 2),
    ("t3.medium", 2),
    ("t3.large", 2),
    ("t3.xlarge", 4),
    ("t3.2xlarge", 8),
    ("m5.large", 2),
    ("m5.xlarge", 4),
    ("m5.2xlarge", 8),
    ("m6i.large", 2),
    ("m6i.xlarge", 4),
    ("c6i.large", 2),
    ("c6i.xlarge", 4),
    ("c6i.2xlarge", 8),
    ("r6g.large", 2),
    ("r6g.xlarge", 4),
    ("g5.xlarge", 4),
    ("db.t3.medium", 2),
    ("db.r6g.large", 2),
];

pub fn vcpus(instance_type: &str) -> Option<u32> {
    VCPUS
        .iter()
        .find(|(t, _)| *t == instance_type)
        .map(|(_, n)| *n)
}
