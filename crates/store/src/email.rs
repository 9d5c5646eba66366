//! Email addresses, parsed once and normalised (trimmed, lower-cased) so that lookups and
//! uniqueness are case-insensitive.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address")]
pub struct InvalidEmail(pub String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, InvalidEmail> {
        let normalised = text.trim().to_lowercase();
        match email_address::EmailAddress::from_str(&normalised) {
            Ok(_) if !normalised.contains(' ') => Ok(Email(normalised)),
            _ => Err(InvalidEmail(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(
            Email::parse(" Admin@Example.COM ").map(|e| e.to_string()),
            Ok("admin@example.com".into())
        );
        assert!(Email::parse("admin@localhost").is_ok());
        for bad in ["", "admin", "@x", "a b@c.d", "a@"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
