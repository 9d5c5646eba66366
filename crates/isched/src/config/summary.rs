//! The configuration as the admin settings page shows it: each setting under the variable
//! that sets it, secrets only as "set" or "not set", the database URL without its password.

use super::{Config, LogFormat};
use isched_web::{Settings, SettingsSection};
use secrecy::ExposeSecret;

fn set_or_not<T>(value: &Option<T>) -> String {
    if value.is_some() { "set" } else { "not set" }.to_owned()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// Tag templates as written: `Key=value, Other=value`.
fn templates(items: &[isched_engine::action_tags::TagTemplate]) -> String {
    list(
        &items
            .iter()
            .map(|t| format!("{}={}", t.key, t.value))
            .collect::<Vec<_>>(),
    )
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

impl Config {
    pub fn settings_summary(&self) -> Settings {
        let identity = &self.identity;
        let otlp = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
            .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
            .unwrap_or_else(|_| "(off)".into());
        Settings(vec![
            SettingsSection {
                title: "Server",
                rows: vec![
                    ("ISCHED_LISTEN", self.listen.to_string()),
                    (
                        "ISCHED_PUBLIC_URL",
                        self.public_url
                            .clone()
                            .unwrap_or_else(|| "(from the listen address)".into()),
                    ),
                    (
                        "ISCHED_TLS_CERT_FILE",
                        self.tls.as_ref().map_or_else(
                            || "(plain HTTP)".into(),
                            |t| t.cert.display().to_string(),
                        ),
                    ),
                    (
                        "ISCHED_CORS_ALLOWED_ORIGINS",
                        list(
                            &self
                                .server
                                .cors_allowed_origins
                                .iter()
                                .filter_map(|o| o.to_str().ok())
                                .map(str::to_owned)
                                .collect::<Vec<_>>(),
                        ),
                    ),
                    (
                        "ISCHED_TRUSTED_PROXIES",
                        list(
                            &self
                                .server
                                .trusted_proxies
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>(),
                        ),
                    ),
                    (
                        "ISCHED_REQUEST_TIMEOUT_SECS",
                        self.server.request_timeout.as_secs().to_string(),
                    ),
                    (
                        "ISCHED_BODY_LIMIT_BYTES",
                        self.server.body_limit_bytes.to_string(),
                    ),
                ],
            },
            SettingsSection {
                title: "Database",
                rows: vec![(
                    "ISCHED_DATABASE_URL",
                    isched_store::redact_url(self.database_url.expose_secret()),
                )],
            },
            SettingsSection {
                title: "Cloud",
                rows: vec![
                    ("ISCHED_PROVIDER", self.provider.as_str().to_owned()),
                    ("ISCHED_AWS_REGIONS", list(&self.aws_regions)),
                    (
                        "ISCHED_AWS_ACCOUNTS",
                        list(
                            &self
                                .aws_accounts
                                .iter()
                                .map(|(arn, _)| arn.clone())
                                .collect::<Vec<_>>(),
                        ),
                    ),
                    ("ISCHED_SCHEDULE_TAG", self.schedule_tag.clone()),
                    ("ISCHED_OWNER_TAG", self.owner_tag.clone()),
                    ("ISCHED_STARTED_TAGS", templates(&self.action_tags.started)),
                    ("ISCHED_STOPPED_TAGS", templates(&self.action_tags.stopped)),
                    (
                        "ISCHED_ERROR_TAG",
                        self.action_tags
                            .error_tag
                            .clone()
                            .unwrap_or_else(|| "(none)".into()),
                    ),
                    ("ISCHED_AWS_BATCH_SIZE", self.aws_batch_size.to_string()),
                    (
                        "ISCHED_AWS_CONCURRENCY_PER_TARGET",
                        self.aws_concurrency_per_target.to_string(),
                    ),
                    (
                        "ISCHED_AWS_MAX_ATTEMPTS",
                        self.aws_calls.max_attempts.to_string(),
                    ),
                    (
                        "ISCHED_AWS_INITIAL_BACKOFF_MS",
                        self.aws_calls.initial_backoff.as_millis().to_string(),
                    ),
                    (
                        "ISCHED_AWS_ATTEMPT_TIMEOUT_SECS",
                        self.aws_calls.attempt_timeout.as_secs().to_string(),
                    ),
                    (
                        "ISCHED_AWS_CALL_TIMEOUT_SECS",
                        self.aws_calls.call_timeout.as_secs().to_string(),
                    ),
                ],
            },
            SettingsSection {
                title: "Scheduler",
                rows: vec![
                    ("ISCHED_SCHEDULER_ENABLED", yes(self.scheduler_enabled)),
                    ("ISCHED_DRY_RUN", yes(self.dry_run)),
                    ("ISCHED_RESYNC_SECS", self.resync_secs.to_string()),
                    ("ISCHED_LEASE_SECS", self.lease_secs.to_string()),
                    ("ISCHED_JOB_LEASE_SECS", self.job_lease_secs.to_string()),
                    ("ISCHED_REMINDER_MINUTES", self.reminder_minutes.to_string()),
                    ("ISCHED_SNOOZE_MINUTES", self.snooze_minutes.to_string()),
                ],
            },
            SettingsSection {
                title: "Sign-in",
                rows: vec![
                    (
                        "ISCHED_PASSWORD_MIN_LENGTH",
                        identity.password_policy.min_length.to_string(),
                    ),
                    (
                        "ISCHED_SECRET_KEY",
                        match (&self.secret_keys.current, self.secret_keys.previous.len()) {
                            (None, _) => "not set: the signing keys are stored unsealed".into(),
                            (Some(_), 0) => "set: the signing keys are sealed".into(),
                            (Some(_), n) => format!(
                                "set, with {n} previous (rotating): the signing keys are sealed"
                            ),
                        },
                    ),
                    ("ISCHED_SELF_SIGNUP", yes(identity.self_signup)),
                    ("ISCHED_REQUIRE_ADMIN_MFA", yes(identity.require_admin_mfa)),
                    (
                        "ISCHED_AUTH_RATE_LIMIT_PER_MINUTE",
                        identity.auth_rate_limit_per_minute.to_string(),
                    ),
                    (
                        "ISCHED_EXTERNAL_ISSUERS",
                        list(
                            &identity
                                .external_issuers
                                .iter()
                                .map(|i| i.issuer.clone())
                                .collect::<Vec<_>>(),
                        ),
                    ),
                ],
            },
            SettingsSection {
                title: "Notices",
                rows: vec![
                    ("ISCHED_SMTP_URL", set_or_not(&self.smtp_url)),
                    ("ISCHED_SMTP_FROM", identity.smtp_from.clone()),
                    ("ISCHED_WEBHOOK_URL", set_or_not(&self.webhook_url)),
                    ("ISCHED_WEBHOOK_SECRET", set_or_not(&self.webhook_secret)),
                ],
            },
            SettingsSection {
                title: "Usage",
                rows: vec![
                    (
                        "ISCHED_USAGE_ZONE",
                        self.usage.settings.zone_name().to_owned(),
                    ),
                    (
                        "ISCHED_CURRENCY",
                        self.usage.settings.prices.currency().to_owned(),
                    ),
                    (
                        "ISCHED_USAGE_EXPORT_TO",
                        self.usage
                            .export_to
                            .clone()
                            .unwrap_or_else(|| "(off)".into()),
                    ),
                ],
            },
            SettingsSection {
                title: "Logs and traces",
                rows: vec![
                    (
                        "ISCHED_LOG_FORMAT",
                        match self.log_format {
                            LogFormat::Text => "text",
                            LogFormat::Json => "json",
                        }
                        .to_owned(),
                    ),
                    ("ISCHED_LOG_LEVEL", self.log_level.clone()),
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", otlp),
                ],
            },
        ])
    }
}
