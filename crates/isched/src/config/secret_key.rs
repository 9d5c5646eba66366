//! The secret key that seals the token signing keys at rest (`ISCHED_SECRET_KEY`), and the
//! previous ones still accepted while rotating (`ISCHED_SECRET_KEY_PREVIOUS`, comma or
//! newline separated). Both are secrets, so both also come as `_FILE`.

use super::{Problem, Raw};
use isched_auth::sealing::MIN_SECRET_LEN;
use secrecy::SecretString;

pub(super) const KEYS: &[&str] = &["secret_key", "secret_key_previous"];

/// The current secret, if any, and the previous ones.
#[derive(Debug, Clone, Default)]
pub struct SecretKeys {
    pub current: Option<SecretString>,
    pub previous: Vec<SecretString>,
}

pub(super) fn parse(raw: &Raw, problems: &mut Vec<Problem>) -> SecretKeys {
    let mut check = |value: &str, source: &str| -> Option<SecretString> {
        let value = value.trim();
        if value.len() < MIN_SECRET_LEN {
            // The length only: the value is a secret.
            problems.push(Problem {
                key: source.to_owned(),
                message: format!(
                    "is {} characters; a secret key needs at least {MIN_SECRET_LEN} (e.g. `openssl rand -base64 32`)",
                    value.len()
                ),
            });
            return None;
        }
        Some(SecretString::from(value.to_owned()))
    };
    let current = raw
        .get("secret_key")
        .and_then(|(v, source)| check(v, source));
    let previous = match raw.get("secret_key_previous") {
        Some((v, source)) => v
            .split([',', '\n'])
            .filter(|s| !s.trim().is_empty())
            .filter_map(|s| check(s, source))
            .collect(),
        None => Vec::new(),
    };
    if current.is_none()
        && !previous.is_empty()
        && let Some((_, source)) = raw.get("secret_key_previous")
    {
        problems.push(Problem {
            key: source.to_owned(),
            message: "is set without ISCHED_SECRET_KEY: set the new secret key too".into(),
        });
    }
    SecretKeys { current, previous }
}
