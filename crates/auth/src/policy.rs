//! The password policy: a length range and required character classes, as in Cognito user
//! pools (length 6 to 99; 8 by default).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    Lower,
    Upper,
    Digit,
    Symbol,
}

impl CharClass {
    pub const ALL: [CharClass; 4] = [
        CharClass::Lower,
        CharClass::Upper,
        CharClass::Digit,
        CharClass::Symbol,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CharClass::Lower => "lower",
            CharClass::Upper => "upper",
            CharClass::Digit => "digit",
            CharClass::Symbol => "symbol",
        }
    }

    pub fn parse(s: &str) -> Option<CharClass> {
        CharClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    fn matches(self, c: char) -> bool {
        match self {
            CharClass::Lower => c.is_lowercase(),
            CharClass::Upper => c.is_uppercase(),
            CharClass::Digit => c.is_numeric(),
            CharClass::Symbol => !c.is_alphanumeric() && !c.is_whitespace(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            CharClass::Lower => "a lowercase letter",
            CharClass::Upper => "an uppercase letter",
            CharClass::Digit => "a digit",
            CharClass::Symbol => "a symbol",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub required: Vec<CharClass>,
}

pub const MAX_PASSWORD_LENGTH: usize = 99;

impl Default for PasswordPolicy {
    /// Length 8 and no composition rules, as NIST SP 800-63B recommends; classes can be
    /// required by configuration.
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            required: Vec::new(),
        }
    }
}

/// Why a password was refused; says every rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyViolation(pub Vec<String>);

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the password must {}", self.0.join(", and "))
    }
}

impl PasswordPolicy {
    pub fn check(&self, password: &str) -> Result<(), PolicyViolation> {
        let mut broken = Vec::new();
        let len = password.chars().count();
        if len < self.min_length || len > MAX_PASSWORD_LENGTH {
            broken.push(format!(
                "be {} to {MAX_PASSWORD_LENGTH} characters long",
                self.min_length
            ));
        }
        for class in &self.required {
            if !password.chars().any(|c| class.matches(c)) {
                broken.push(format!("contain {}", class.describe()));
            }
        }
        if broken.is_empty() {
            Ok(())
        } else {
            Err(PolicyViolation(broken))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_broken_rule_is_named() {
        let policy = PasswordPolicy {
            min_length: 10,
            required: CharClass::ALL.to_vec(),
        };
        let err = policy.check("abc").expect_err("too weak");
        assert_eq!(
            err.to_string(),
            "the password must be 10 to 99 characters long, and contain an uppercase letter, and contain a digit, and contain a symbol"
        );
        assert!(policy.check("Abcdefgh1!").is_ok());
        assert!(PasswordPolicy::default().check(&"x".repeat(100)).is_err());
    }

    #[test]
    fn generated_passwords_satisfy_the_strictest_policy() {
        let policy = PasswordPolicy {
            min_length: 20,
            required: CharClass::ALL.to_vec(),
        };
        for _ in 0..200 {
            let p = crate::password::generate_password();
            assert!(
                policy
                    .check(secrecy::ExposeSecret::expose_secret(&p))
                    .is_ok()
            );
        }
    }
}
