//! Configuration of sign-in: email sender, password policy, self sign-up, MFA for admins,
//! the sign-in rate limit and trusted external issuers.

use super::{Problem, Raw};
use isched_auth::external::ExternalIssuer;
use isched_auth::policy::{CharClass, PasswordPolicy};

pub const DEFAULT_SMTP_FROM: &str = "isched <isched@localhost>";

#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub smtp_from: String,
    pub password_policy: PasswordPolicy,
    pub self_signup: bool,
    pub require_admin_mfa: bool,
    pub auth_rate_limit_per_minute: u32,
    pub external_issuers: Vec<ExternalIssuer>,
}

pub(super) const KEYS: &[&str] = &[
    "smtp_from",
    "password_min_length",
    "password_require",
    "self_signup",
    "require_admin_mfa",
    "auth_rate_limit_per_minute",
    "external_issuers",
];

fn problem(problems: &mut Vec<Problem>, key: &str, message: String) {
    problems.push(Problem {
        key: key.to_owned(),
        message,
    });
}

fn boolean(raw: &Raw, key: &str, problems: &mut Vec<Problem>) -> bool {
    match raw.get(key) {
        None => false,
        Some((v, source)) => match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" | "" => false,
            _ => {
                problem(problems, source, format!("{v:?} is not true or false"));
                false
            }
        },
    }
}

fn whole(
    raw: &Raw,
    key: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
    problems: &mut Vec<Problem>,
) -> u32 {
    match raw.get(key) {
        None => default,
        Some((v, source)) => match v.trim().parse::<u32>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                problem(
                    problems,
                    source,
                    format!(
                        "{v:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                default
            }
        },
    }
}

pub(super) fn parse(raw: &Raw, problems: &mut Vec<Problem>) -> IdentityConfig {
    let smtp_from = raw
        .get("smtp_from")
        .map_or(DEFAULT_SMTP_FROM, |(v, _)| v)
        .trim()
        .to_owned();
    if let Some((v, source)) = raw.get("smtp_from")
        && !isched_auth::mail::is_mailbox(v)
    {
        problem(
            problems,
            source,
            format!("{v:?} is not an email address (e.g. \"isched <isched@example.com>\")"),
        );
    }
    let min_length = whole(raw, "password_min_length", 8, 6..=99, problems) as usize;
    let mut required = Vec::new();
    if let Some((v, source)) = raw.get("password_require") {
        for class in v
            .split([',', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match CharClass::parse(&class.to_ascii_lowercase()) {
                Some(c) => required.push(c),
                None => problem(
                    problems,
                    source,
                    format!("{class:?} is not a character class (lower, upper, digit, symbol)"),
                ),
            }
        }
    }
    let external_issuers = match raw.get("external_issuers") {
        None => Vec::new(),
        Some((v, source)) => match serde_json::from_str::<Vec<ExternalIssuer>>(v) {
            Ok(list) => {
                for (i, issuer) in list.iter().enumerate() {
                    for (field, value) in
                        [("issuer", &issuer.issuer), ("jwks_url", &issuer.jwks_url)]
                    {
                        if !(value.starts_with("https://") || value.starts_with("http://")) {
                            problem(
                                problems,
                                source,
                                format!("item {}: {field}: {value:?} is not an http(s) URL", i + 1),
                            );
                        }
                    }
                    if issuer.audiences.is_empty() {
                        problem(
                            problems,
                            source,
                            format!(
                                "item {}: audiences: list at least one accepted audience or client id",
                                i + 1
                            ),
                        );
                    }
                }
                list
            }
            Err(e) => {
                problem(problems, source, format!("is not a list of issuers: {e}"));
                Vec::new()
            }
        },
    };
    IdentityConfig {
        smtp_from,
        password_policy: PasswordPolicy {
            min_length,
            required,
        },
        self_signup: boolean(raw, "self_signup", problems),
        require_admin_mfa: boolean(raw, "require_admin_mfa", problems),
        auth_rate_limit_per_minute: whole(
            raw,
            "auth_rate_limit_per_minute",
            60,
            1..=1_000_000,
            problems,
        ),
        external_issuers,
    }
}
