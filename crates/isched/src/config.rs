//! Configuration: defaults < TOML file (`--config`) < environment (`ISCHED_*`).
//!
//! Every secret may also be given as a file (`ISCHED_ADMIN_PASSWORD_FILE`, or
//! `admin_password_file` in the TOML), for container secrets. Secrets are `SecretString`s,
//! so `Debug` and logs never show them. Problems name the key as the user wrote it:
//! `ISCHED_LISTEN: "abc" is not an address:port`.

use figment::providers::{Env, Format, Toml};
use figment::value::Value;
use figment::{Figment, Metadata};
use isched_engine::bounded_file::{BoundedReadError, read_bounded};
use isched_server::ServerSettings;
use isched_store::Email;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://isched.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";

/// Keys that may be given, in the TOML file as written and in the environment as
/// `ISCHED_` + upper case.
mod identity;
pub use identity::IdentityConfig;
mod usage;
pub use usage::UsageConfig;
mod tls;
pub use tls::TlsFiles;
mod secret_key;
pub use secret_key::SecretKeys;
mod action_tags;
mod aws_calls;
pub use aws_calls::AwsCalls;
mod summary;

const KEYS: &[&str] = &[
    "database_url",
    "database_password",
    "listen",
    "public_url",
    "provider",
    "aws_regions",
    "aws_accounts",
    "aws_batch_size",
    "aws_concurrency_per_target",
    "schedule_tag",
    "sandbox_transition_secs",
    "sandbox_throttle_rate",
    "sandbox_failure_rate",
    "sandbox_demo",
    "admin_email",
    "admin_password",
    "smtp_url",
    "log_format",
    "log_level",
    "cors_allowed_origins",
    "trusted_proxies",
    "request_timeout_secs",
    "body_limit_bytes",
    "scheduler_enabled",
    "dry_run",
    "resync_secs",
    "lease_secs",
    "job_lease_secs",
    "reminder_minutes",
    "snooze_minutes",
    "owner_tag",
    "webhook_url",
    "webhook_secret",
];

/// Keys that hold secrets and so also accept `KEY_FILE`.
const SECRET_KEYS: &[&str] = &[
    "database_url",
    "database_password",
    "admin_password",
    "smtp_url",
    "webhook_url",
    "webhook_secret",
    "secret_key",
    "secret_key_previous",
];

/// Every key as written in the file (the `_file` forms of secrets aside), from the main list
/// and each section's.
fn plain_keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .chain(identity::KEYS)
        .chain(usage::KEYS)
        .chain(tls::KEYS)
        .chain(secret_key::KEYS)
        .chain(action_tags::KEYS)
        .chain(aws_calls::KEYS)
        .copied()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Sandbox,
    Aws,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Sandbox => "sandbox",
            Provider::Aws => "aws",
        }
    }
}

/// Knobs of the simulated cloud.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SandboxConfig {
    pub transition_secs: u64,
    pub throttle_rate: f64,
    pub failure_rate: f64,
    /// On a first start, make a labelled demo (see `demo.rs`).
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// May carry a password, hence secret.
    pub database_url: SecretString,
    pub listen: SocketAddr,
    /// The base URL users reach isched at; the issuer of its tokens. Default: from `listen`.
    pub public_url: Option<String>,
    pub provider: Provider,
    pub aws_regions: Vec<String>,
    /// Other accounts, as (role ARN, external id).
    pub aws_accounts: Vec<(String, Option<String>)>,
    pub aws_batch_size: usize,
    pub aws_concurrency_per_target: usize,
    /// Attempts, backoff and timeouts of each AWS call.
    pub aws_calls: AwsCalls,
    /// The tag whose value names a resource's schedule (upstream's default: `Schedule`).
    pub schedule_tag: String,
    pub sandbox: SandboxConfig,
    pub admin_email: Email,
    pub admin_password: Option<SecretString>,
    pub smtp_url: Option<SecretString>,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `isched=debug,sqlx=warn`.
    pub log_level: String,
    pub server: ServerSettings,
    pub identity: IdentityConfig,
    /// Run the scheduler inside `isched serve`.
    pub scheduler_enabled: bool,
    /// Plan-only: the scheduler records what it would do and acts on nothing (no starts,
    /// stops or resizes, no lifetimes ended), for running beside another scheduler.
    pub dry_run: bool,
    /// Longest time between scheduler passes.
    pub resync_secs: u64,
    /// The scheduler's leases on targets: a dead replica's targets move within this.
    pub lease_secs: u64,
    /// A worker's claim on a provisioning job: a dead worker's jobs resume within this.
    pub job_lease_secs: u64,
    /// How long before a scheduled stop its owner is reminded; 0 turns reminders off.
    pub reminder_minutes: u64,
    /// How much longer the snooze link in a reminder keeps a resource running.
    pub snooze_minutes: u64,
    /// The tag holding a resource's owner's email (reminders go to admins without one).
    pub owner_tag: String,
    /// Notices (reminders, failed starts) are also POSTed here; may carry a token.
    pub webhook_url: Option<SecretString>,
    /// Signs webhook bodies (`X-Isched-Signature: sha256=HMAC`).
    pub webhook_secret: Option<SecretString>,
    /// How usage and cost are counted and exported.
    pub usage: UsageConfig,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Seals the token signing keys at rest.
    pub secret_keys: SecretKeys,
    /// The tags written back on resources after starts, stops and failed actions.
    pub action_tags: isched_engine::action_tags::ActionTags,
}

/// One problem, with the key named as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<Problem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}", p.key, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The configuration with every default and nothing from files or the environment.
    pub fn defaults() -> Config {
        Raw::default()
            .parse(&mut Vec::new())
            .expect("the defaults are valid")
    }

    /// Loads from the optional TOML file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_from(file, Env::prefixed("ISCHED_"))
    }

    /// Loads from the optional TOML file and the given environment provider (tests pass
    /// their own so that they do not depend on the process environment).
    pub fn load_from(file: Option<&Path>, env: Env) -> Result<Config, ConfigError> {
        let file_layer = match file {
            None => Figment::new(),
            Some(path) if !path.exists() => {
                return Err(ConfigError(vec![Problem {
                    key: "--config".into(),
                    message: format!("{} does not exist", path.display()),
                }]));
            }
            Some(path) => Figment::from(Toml::file_exact(path)),
        };
        let env_keys: Vec<String> = plain_keys()
            .map(|k| k.to_string())
            .chain(SECRET_KEYS.iter().map(|k| format!("{k}_file")))
            .collect();
        let env_layer =
            Figment::from(env.only(&env_keys.iter().map(String::as_str).collect::<Vec<_>>()));
        Config::from_layers(&file_layer, &env_layer)
    }

    /// The configuration a TOML text gives as the file, with nothing from the environment
    /// (what the `config_toml` fuzz target feeds).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Config::from_layers(&Figment::from(Toml::string(text)), &Figment::new())
    }

    fn from_layers(file_layer: &Figment, env_layer: &Figment) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let file_values = layer_values(file_layer, &mut problems);
        let env_values = layer_values(env_layer, &mut problems);
        let mut raw = Raw::default();
        for (values, figment, from_env) in [
            (file_values, file_layer, false),
            (env_values, env_layer, true),
        ] {
            for (key, value) in values {
                let source = describe(&key, figment.find_metadata(&key), from_env);
                match key.strip_suffix("_file") {
                    Some(secret) if SECRET_KEYS.contains(&secret) => match read_secret_file(&value)
                    {
                        Ok(secret_value) => {
                            raw.set(secret, secret_value, source);
                        }
                        Err(message) => problems.push(Problem {
                            key: source,
                            message,
                        }),
                    },
                    _ if plain_keys().any(|k| k == key) => raw.set(&key, value, source),
                    _ => problems.push(Problem {
                        key: source,
                        message: "is not a configuration key".into(),
                    }),
                }
            }
        }
        let config = raw.parse(&mut problems);
        match config {
            Some(c) if problems.is_empty() => Ok(c),
            _ => Err(ConfigError(problems)),
        }
    }
}

/// The key/value pairs one layer supplies, as strings (lists joined with commas).
fn layer_values(figment: &Figment, problems: &mut Vec<Problem>) -> Vec<(String, String)> {
    let dict: BTreeMap<String, Value> = match figment.extract() {
        Ok(d) => d,
        Err(e) => {
            problems.push(Problem {
                key: "configuration file".into(),
                message: e.to_string(),
            });
            return Vec::new();
        }
    };
    dict.into_iter()
        .map(|(k, v)| {
            let text = match &v {
                // A list of tables (external issuers) travels as JSON.
                Value::Array(_, items) if items.iter().any(|i| matches!(i, Value::Dict(..))) => {
                    serde_json::to_string(&v).unwrap_or_default()
                }
                Value::Array(_, items) => items.iter().map(scalar).collect::<Vec<_>>().join("\n"),
                other => scalar(other),
            };
            (k, text)
        })
        .collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(_, s) => s.clone(),
        Value::Char(_, c) => c.to_string(),
        Value::Bool(_, b) => b.to_string(),
        // figment parses `5` from the environment as unsigned and `5` in TOML as signed;
        // its to_i128 converts signed variants only.
        Value::Num(_, n) => n
            .to_u128()
            .map(|u| u.to_string())
            .or_else(|| n.to_i128().map(|i| i.to_string()))
            .or_else(|| n.to_f64().map(|f| f.to_string()))
            .unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

/// Names a key as the user wrote it: `ISCHED_LISTEN`, or `listen (in isched.toml)`.
fn describe(key: &str, meta: Option<&Metadata>, from_env: bool) -> String {
    match meta.and_then(|m| m.source.as_ref()) {
        _ if from_env => format!("ISCHED_{}", key.to_ascii_uppercase()),
        Some(figment::Source::File(path)) => format!("{key} (in {})", path.display()),
        // A TOML text given in code (`Config::from_toml`).
        _ => format!("{key} (in the TOML text)"),
    }
}

/// The Postgres URL `url` with its password set to `password` (percent-encoded as needed).
fn with_password(url: &str, password: &str) -> Result<String, String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("applies to a postgres:// database URL only".into());
    }
    let mut parsed = url::Url::parse(url)
        .map_err(|e| format!("cannot be combined with the database URL ({e})"))?;
    if parsed.username().is_empty() {
        return Err("needs a user name in the database URL (postgres://USER@HOST/DB)".into());
    }
    parsed
        .set_password(Some(password))
        .map_err(|()| "cannot be set on this database URL".to_owned())?;
    Ok(parsed.to_string())
}

/// The most a secret file may hold: secrets are short, and a path such as `/dev/zero`
/// must end in an error, not in reading forever.
const SECRET_FILE_MAX: u64 = 64 * 1024;

fn read_secret_file(path: &str) -> Result<String, String> {
    match read_bounded(&PathBuf::from(path), SECRET_FILE_MAX) {
        Ok(text) => Ok(text.trim_end_matches(['\n', '\r']).to_owned()),
        Err(BoundedReadError::TooLarge { .. }) => Err(format!(
            "secret file {path:?} holds more than {} KiB; a secret is one short line",
            SECRET_FILE_MAX / 1024
        )),
        Err(BoundedReadError::Io(e)) => Err(format!("cannot read secret file {path:?}: {e}")),
    }
}

/// Winning values, each with the name of where it came from.
#[derive(Default)]
struct Raw(BTreeMap<String, (String, String)>);

impl Raw {
    fn set(&mut self, key: &str, value: String, source: String) {
        self.0.insert(key.to_owned(), (value, source));
    }

    fn get(&self, key: &str) -> Option<(&str, &str)> {
        self.0.get(key).map(|(v, s)| (v.as_str(), s.as_str()))
    }

    /// A tag key setting (trimmed, 1 to 128 characters, as AWS allows), or `default`.
    fn tag_key(&self, key: &str, default: &str, problems: &mut Vec<Problem>) -> String {
        let tag = self.get(key).map_or(default, |(v, _)| v).trim().to_owned();
        if tag.is_empty() || tag.len() > 128 {
            problems.push(Problem {
                key: self.get(key).map_or("", |(_, s)| s).into(),
                message: "must be a tag key of 1 to 128 characters".into(),
            });
        }
        tag
    }

    /// A whole number from `min` to `max`, or `default` when unset.
    fn number(
        &self,
        key: &str,
        default: u64,
        min: u64,
        max: u64,
        problems: &mut Vec<Problem>,
    ) -> Option<u64> {
        match self.get(key) {
            None => Some(default),
            Some((v, source)) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    problems.push(Problem {
                        key: source.into(),
                        message: format!("{v:?} is not a whole number from {min} to {max}"),
                    });
                    None
                }
            },
        }
    }

    fn parse(&self, problems: &mut Vec<Problem>) -> Option<Config> {
        let mut bad = |source: &str, message: String| {
            problems.push(Problem {
                key: source.to_owned(),
                message,
            })
        };

        let database_url = self
            .get("database_url")
            .map_or(DEFAULT_DATABASE_URL, |(v, _)| v);
        if let Some((v, source)) = self.get("database_url")
            && !(v.starts_with("sqlite:")
                || v.starts_with("postgres://")
                || v.starts_with("postgresql://"))
        {
            bad(
                source,
                format!(
                    "{:?} is not a database URL (sqlite://PATH or postgres://...)",
                    isched_store::redact_url(v)
                ),
            );
        }

        // A password kept apart from the URL (a container secret, an RDS-managed secret).
        let database_url = match self.get("database_password") {
            None => database_url.to_owned(),
            Some((password, source)) => {
                with_password(database_url, password).unwrap_or_else(|message| {
                    bad(source, message);
                    database_url.to_owned()
                })
            }
        };

        let listen = match self.get("listen") {
            None => DEFAULT_LISTEN.parse().ok(),
            Some((v, source)) => v
                .trim()
                .parse::<SocketAddr>()
                .map_err(|_| bad(source, format!("{v:?} is not an address:port")))
                .ok(),
        };

        let provider = match self
            .get("provider")
            .map(|(v, s)| (v.trim().to_ascii_lowercase(), s))
        {
            None => Some(Provider::Sandbox),
            Some((v, _)) if v == "sandbox" => Some(Provider::Sandbox),
            Some((v, _)) if v == "aws" => Some(Provider::Aws),
            Some((v, source)) => {
                bad(source, format!("{v:?} is not a provider (sandbox or aws)"));
                None
            }
        };

        let aws_regions = list(self.get("aws_regions"));
        for (region, source) in aws_regions
            .iter()
            .filter(|r| !is_region(r))
            .map(|r| (r, self.get("aws_regions").map_or("", |(_, s)| s)))
        {
            bad(
                source,
                format!("{region:?} is not an AWS region name (such as eu-west-1)"),
            );
        }

        let admin_email = match self.get("admin_email") {
            None => Email::parse(DEFAULT_ADMIN_EMAIL).ok(),
            Some((v, source)) => Email::parse(v).map_err(|e| bad(source, e.to_string())).ok(),
        };

        let admin_password = self.get("admin_password").map(|(v, source)| {
            if v.chars().count() < 8 {
                bad(source, "must be at least 8 characters".into());
            }
            SecretString::from(v.to_owned())
        });

        let smtp_url = self.get("smtp_url").map(|(v, source)| {
            if !(v.starts_with("smtp://") || v.starts_with("smtps://")) {
                bad(
                    source,
                    "is not an SMTP URL (smtp://HOST:PORT or smtps://USER:PASSWORD@HOST)".into(),
                );
            }
            SecretString::from(v.to_owned())
        });

        let log_format = match self
            .get("log_format")
            .map(|(v, s)| (v.trim().to_ascii_lowercase(), s))
        {
            None => Some(LogFormat::Text),
            Some((v, _)) if v == "text" => Some(LogFormat::Text),
            Some((v, _)) if v == "json" => Some(LogFormat::Json),
            Some((v, source)) => {
                bad(source, format!("{v:?} is not a log format (text or json)"));
                None
            }
        };

        let log_level = self.get("log_level").map_or("info", |(v, _)| v).to_owned();
        if let Some((v, source)) = self.get("log_level")
            && tracing_subscriber::EnvFilter::try_new(v).is_err()
        {
            bad(
                source,
                format!("{v:?} is not a log filter (such as info, or isched=debug,sqlx=warn)"),
            );
        }

        let mut origins = Vec::new();
        for origin in list(self.get("cors_allowed_origins")) {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/');
            match origin.parse::<axum_header::HeaderValue>() {
                Ok(h) if ok => origins.push(h),
                _ => bad(
                    self.get("cors_allowed_origins").map_or("", |(_, s)| s),
                    format!("{origin:?} is not an origin (scheme://host[:port], no path)"),
                ),
            }
        }

        let mut trusted_proxies = Vec::new();
        for entry in list(self.get("trusted_proxies")) {
            // A bare address is a network of one.
            let parsed = entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
            match parsed {
                Ok(net) => trusted_proxies.push(net),
                Err(_) => bad(
                    self.get("trusted_proxies").map_or("", |(_, s)| s),
                    format!("{entry:?} is not an address or CIDR (such as 10.0.0.0/8)"),
                ),
            }
        }

        let number = |key: &str, default: u64, min: u64, max: u64, problems: &mut Vec<Problem>| {
            self.number(key, default, min, max, problems)
        };
        let timeout = number("request_timeout_secs", 30, 1, 3600, problems);
        let resync_secs = number("resync_secs", 300, 10, 86_400, problems);
        let lease_secs = number("lease_secs", 30, 3, 600, problems);
        let job_lease_secs = number("job_lease_secs", 30, 2, 600, problems);
        let reminder_minutes = number("reminder_minutes", 15, 0, 24 * 60, problems);
        let snooze_minutes = number("snooze_minutes", 60, 5, 7 * 24 * 60, problems);
        let mut flag = |key: &str, default: bool| match self.get(key) {
            None => Some(default),
            Some((v, source)) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => {
                    problems.push(Problem {
                        key: source.into(),
                        message: format!("{v:?} is not true or false"),
                    });
                    None
                }
            },
        };
        let scheduler_enabled = flag("scheduler_enabled", true);
        let dry_run = flag("dry_run", false);
        let sandbox_demo = flag("sandbox_demo", true);
        let aws_batch_size = number("aws_batch_size", 1000, 1, 1000, problems);
        let aws_concurrency = number("aws_concurrency_per_target", 4, 1, 64, problems);
        let transition_secs = number("sandbox_transition_secs", 2, 0, 3600, problems);
        let mut rate = |key: &str| -> Option<f64> {
            match self.get(key) {
                None => Some(0.0),
                Some((v, source)) => match v.trim().parse::<f64>() {
                    Ok(r) if (0.0..=1.0).contains(&r) => Some(r),
                    _ => {
                        problems.push(Problem {
                            key: source.into(),
                            message: format!("{v:?} is not a rate from 0 to 1"),
                        });
                        None
                    }
                },
            }
        };
        let throttle_rate = rate("sandbox_throttle_rate");
        let failure_rate = rate("sandbox_failure_rate");
        // Role ARNs may contain commas, so accounts are separated by ';' (or are array items).
        let mut aws_accounts = Vec::new();
        for entry in split(self.get("aws_accounts"), &[';', '\n']) {
            let (arn, external) = match entry.split_once('|') {
                Some((a, e)) => (a.trim().to_owned(), Some(e.trim().to_owned())),
                None => (entry.clone(), None),
            };
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() == 6
                && parts[0] == "arn"
                && parts[2] == "iam"
                && parts[4].len() == 12
                && parts[5].starts_with("role/")
            {
                aws_accounts.push((arn, external));
            } else {
                problems.push(Problem {
                    key: self.get("aws_accounts").map_or("", |(_, s)| s).into(),
                    message: format!("{arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME[|EXTERNAL_ID])"),
                });
            }
        }
        let schedule_tag = self.tag_key("schedule_tag", "Schedule", problems);
        let owner_tag = self.tag_key("owner_tag", "Owner", problems);
        let usage = usage::parse(self, &owner_tag, problems);
        let webhook_url = self.get("webhook_url").map(|(v, source)| {
            let v = v.trim();
            if !(v.starts_with("http://") || v.starts_with("https://"))
                || v.contains(char::is_whitespace)
            {
                // The URL may carry a token: not repeated in the message.
                problems.push(Problem {
                    key: source.into(),
                    message: "is not an absolute http(s) URL".into(),
                });
            }
            SecretString::from(v.to_owned())
        });
        let webhook_secret = self
            .get("webhook_secret")
            .map(|(v, _)| SecretString::from(v.to_owned()));
        // The issuer of tokens and the base of links in emails: an absolute http(s) URL.
        let public_url = match self.get("public_url") {
            None => None,
            Some((v, source)) => {
                let v = v.trim().trim_end_matches('/');
                if (v.starts_with("http://") || v.starts_with("https://"))
                    && !v.contains(char::is_whitespace)
                    && v.len() > "https://".len()
                {
                    Some(v.to_owned())
                } else {
                    problems.push(Problem {
                        key: source.into(),
                        message: format!("{v:?} is not an absolute http(s) URL"),
                    });
                    None
                }
            }
        };
        let body_limit = number(
            "body_limit_bytes",
            1024 * 1024,
            1024,
            1024 * 1024 * 1024,
            problems,
        );

        let identity = identity::parse(self, problems);
        let tls = tls::parse(self, problems);
        let secret_keys = secret_key::parse(self, problems);
        let action_tags = action_tags::parse(self, problems);
        let aws_calls = aws_calls::parse(self, problems);
        Some(Config {
            database_url: SecretString::from(database_url),
            listen: listen?,
            public_url,
            provider: provider?,
            aws_regions,
            aws_accounts,
            aws_batch_size: aws_batch_size? as usize,
            aws_concurrency_per_target: aws_concurrency? as usize,
            aws_calls: aws_calls?,
            schedule_tag,
            sandbox: SandboxConfig {
                transition_secs: transition_secs?,
                throttle_rate: throttle_rate?,
                failure_rate: failure_rate?,
                demo: sandbox_demo?,
            },
            admin_email: admin_email?,
            admin_password,
            smtp_url,
            log_format: log_format?,
            log_level,
            server: ServerSettings {
                cors_allowed_origins: origins,
                request_timeout: Duration::from_secs(timeout?),
                body_limit_bytes: body_limit? as usize,
                auth_rate_limit_per_minute: identity.auth_rate_limit_per_minute,
                trusted_proxies,
            },
            identity,
            scheduler_enabled: scheduler_enabled?,
            dry_run: dry_run?,
            resync_secs: resync_secs?,
            lease_secs: lease_secs?,
            job_lease_secs: job_lease_secs?,
            reminder_minutes: reminder_minutes?,
            snooze_minutes: snooze_minutes?,
            owner_tag,
            usage,
            webhook_url,
            webhook_secret,
            tls,
            secret_keys,
            action_tags,
        })
    }
}

fn list(value: Option<(&str, &str)>) -> Vec<String> {
    split(value, &[',', '\n'])
}

fn split(value: Option<(&str, &str)>, separators: &[char]) -> Vec<String> {
    value
        .map(|(v, _)| {
            v.split(separators)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`...
fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// `HeaderValue` without depending on `http` directly.
mod axum_header {
    pub use isched_server::HeaderValue;
}

#[cfg(test)]
// figment::Jail fixes the closures' error type (figment::Error), which clippy finds large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;
    use secrecy::ExposeSecret;

    fn load(jail: &Jail, file: Option<&str>) -> Result<Config, ConfigError> {
        Config::load(file.map(|f| jail.directory().join(f)).as_deref())
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        Jail::expect_with(|jail| {
            let c = load(jail, None).expect("defaults are valid");
            assert_eq!(c.database_url.expose_secret(), DEFAULT_DATABASE_URL);
            assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
            assert_eq!(c.provider, Provider::Sandbox);
            assert_eq!(c.admin_email.as_str(), DEFAULT_ADMIN_EMAIL);
            assert!(c.admin_password.is_none());
            assert!(c.server.cors_allowed_origins.is_empty());
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "isched.toml",
                "listen = \"0.0.0.0:9000\"\nprovider = \"aws\"\naws_regions = [\"eu-west-1\", \"us-east-1\"]\nrequest_timeout_secs = 5\n",
            )?;
            jail.set_env("ISCHED_LISTEN", "127.0.0.1:9100");
            jail.set_env("ISCHED_BODY_LIMIT_BYTES", "2048");
            jail.set_env("ISCHED_SANDBOX_FAILURE_RATE", "0.25");
            let c = load(jail, Some("isched.toml")).expect("valid");
            assert_eq!(c.listen.to_string(), "127.0.0.1:9100");
            assert_eq!(c.provider, Provider::Aws);
            assert_eq!(c.aws_regions, vec!["eu-west-1", "us-east-1"]);
            assert_eq!(c.server.request_timeout, Duration::from_secs(5));
            assert_eq!(
                c.server.body_limit_bytes, 2048,
                "an unsigned number from the environment"
            );
            assert_eq!(c.sandbox.failure_rate, 0.25);
            Ok(())
        });
    }

    #[test]
    fn a_database_password_file_goes_into_the_postgres_url() {
        Jail::expect_with(|jail| {
            jail.create_file("pg", "s3cret/with:odd@chars\n")?;
            jail.set_env("ISCHED_DATABASE_URL", "postgres://isched@db:5432/isched");
            jail.set_env("ISCHED_DATABASE_PASSWORD_FILE", "pg");
            let c = load(jail, None).expect("valid");
            assert_eq!(
                c.database_url.expose_secret(),
                "postgres://isched:s3cret%2Fwith%3Aodd%40chars@db:5432/isched"
            );
            assert!(!format!("{c:?}").contains("s3cret"));
            jail.set_env("ISCHED_DATABASE_URL", "sqlite://x.db");
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(
                e.contains("ISCHED_DATABASE_PASSWORD_FILE")
                    || e.contains("ISCHED_DATABASE_PASSWORD"),
                "{e}"
            );
            assert!(e.contains("postgres:// database URL only"), "{e}");
            assert!(!e.contains("s3cret"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        Jail::expect_with(|jail| {
            jail.set_env("ISCHED_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1");
            let c = load(jail, None).expect("valid");
            let nets: Vec<String> = c
                .server
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(nets, ["10.0.0.0/8", "192.0.2.1/32"]);
            jail.set_env("ISCHED_TRUSTED_PROXIES", "10.0.0.0/8, the-balancer");
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(
                e.contains("ISCHED_TRUSTED_PROXIES: \"the-balancer\" is not an address or CIDR"),
                "{e}"
            );
            Ok(())
        });
    }

    #[test]
    fn secret_keys_are_long_enough_and_come_from_files() {
        Jail::expect_with(|jail| {
            jail.set_env("ISCHED_SECRET_KEY", "short-secret");
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(e.starts_with("ISCHED_SECRET_KEY: is 12 characters"), "{e}");
            assert!(!e.contains("short-secret"), "the value is a secret: {e}");
            jail.set_env("ISCHED_SECRET_KEY", "");
            jail.set_env(
                "ISCHED_SECRET_KEY_PREVIOUS",
                "an-old-secret-key-of-thirty-two-characters",
            );
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(
                e.contains("ISCHED_SECRET_KEY_PREVIOUS: is set without"),
                "{e}"
            );
            jail.create_file("secret", "a-new-secret-key-of-thirty-two-characters\n")?;
            jail.set_env("ISCHED_SECRET_KEY_FILE", "secret");
            let c = load(jail, None).expect("valid");
            assert!(c.secret_keys.current.is_some());
            assert_eq!(c.secret_keys.previous.len(), 1);
            assert!(!format!("{c:?}").contains("thirty-two"));
            Ok(())
        });
    }

    #[test]
    fn tls_needs_both_files() {
        Jail::expect_with(|jail| {
            jail.create_file("cert.pem", "x")?;
            jail.create_file("key.pem", "x")?;
            jail.set_env("ISCHED_TLS_CERT_FILE", "cert.pem");
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(
                e.starts_with("ISCHED_TLS_CERT_FILE: needs its partner"),
                "{e}"
            );
            jail.set_env("ISCHED_TLS_KEY_FILE", "missing.pem");
            let e = load(jail, None).expect_err("an error").to_string();
            assert!(
                e.contains("ISCHED_TLS_KEY_FILE: missing.pem is not a readable file"),
                "{e}"
            );
            jail.set_env("ISCHED_TLS_KEY_FILE", "key.pem");
            let c = load(jail, None).expect("valid");
            assert_eq!(
                c.tls.expect("tls").cert,
                std::path::PathBuf::from("cert.pem")
            );
            Ok(())
        });
    }

    #[test]
    fn secrets_come_from_files_and_never_show_in_debug() {
        Jail::expect_with(|jail| {
            jail.create_file("pw", "hunter2-hunter2\n")?;
            jail.create_file("isched.toml", "admin_password = \"from-the-file-1\"\n")?;
            jail.set_env(
                "ISCHED_ADMIN_PASSWORD_FILE",
                jail.directory().join("pw").display().to_string(),
            );
            jail.set_env("ISCHED_DATABASE_URL", "postgres://u:topsecret@127.0.0.1/db");
            let c = load(jail, Some("isched.toml")).expect("valid");
            // The environment's *_FILE wins over the file's value; the newline is trimmed.
            assert_eq!(
                c.admin_password
                    .as_ref()
                    .map(|p| p.expose_secret().to_owned()),
                Some("hunter2-hunter2".into())
            );
            let shown = format!("{c:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("topsecret"),
                "{shown}"
            );
            Ok(())
        });
    }

    #[test]
    fn every_problem_is_listed_with_its_key() {
        Jail::expect_with(|jail| {
            jail.create_file("isched.toml", "listen = \"nowhere\"\nbogus = 1\n")?;
            jail.set_env("ISCHED_PROVIDER", "gcp");
            jail.set_env("ISCHED_ADMIN_PASSWORD", "short");
            jail.set_env(
                "ISCHED_CORS_ALLOWED_ORIGINS",
                "https://ok.example,not-an-origin",
            );
            jail.set_env("ISCHED_BODY_LIMIT_BYTES", "-5");
            jail.set_env("ISCHED_AWS_REGIONS", "eu-west-1,mars");
            let e = load(jail, Some("isched.toml")).expect_err("invalid");
            let text = e.to_string();
            for expected in [
                "bogus (in ",
                "listen (in ",
                "\"nowhere\" is not an address:port",
                "ISCHED_PROVIDER: \"gcp\" is not a provider",
                "ISCHED_ADMIN_PASSWORD: must be at least 8 characters",
                "ISCHED_CORS_ALLOWED_ORIGINS: \"not-an-origin\" is not an origin",
                "ISCHED_BODY_LIMIT_BYTES: \"-5\" is not a whole number",
                "ISCHED_AWS_REGIONS: \"mars\" is not an AWS region",
            ] {
                assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
            }
            assert!(
                !text.contains("short"),
                "a secret's value must not be echoed"
            );
            Ok(())
        });
    }

    #[test]
    fn unreadable_secret_file_and_missing_config_file_are_reported() {
        Jail::expect_with(|jail| {
            jail.set_env("ISCHED_SMTP_URL_FILE", "/nonexistent/secret");
            let e = load(jail, None).expect_err("invalid");
            assert!(
                e.to_string()
                    .starts_with("ISCHED_SMTP_URL_FILE: cannot read secret file"),
                "{e}"
            );
            let e = load(jail, Some("missing.toml")).expect_err("invalid");
            assert!(e.to_string().contains("does not exist"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn an_endless_secret_file_is_refused_not_read_forever() {
        // Found by the config_toml fuzz target's reasoning: any path may be named.
        let e = Config::from_toml("admin_password_file = \"/dev/zero\"\n").expect_err("invalid");
        assert!(e.to_string().contains("holds more than 64 KiB"), "{e}");
        assert!(e.to_string().starts_with("admin_password_file"), "{e}");
    }

    #[test]
    fn a_toml_text_is_read_as_the_file_would_be() {
        let c = Config::from_toml("listen = \"127.0.0.1:9999\"\n").expect("valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
        let e = Config::from_toml("listen = [\n").expect_err("invalid");
        assert!(e.to_string().starts_with("configuration file"), "{e}");
    }
}
