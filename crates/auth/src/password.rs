//! Password hashing with argon2id at the OWASP-recommended parameters (19 MiB, t=2, p=1),
//! and generation of one-time passwords.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`). CPU- and memory-heavy:
/// call from a blocking thread in async code.
pub fn hash_password(password: &SecretString) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// True if `candidate` matches the PHC string `hash`. A malformed hash never matches.
pub fn verify_password(hash: &str, candidate: &SecretString) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(candidate.expose_secret().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I), so that a password read
/// off a terminal can be typed.
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"-_.!@#%+=";

/// A 20-character random password with every character class, so it satisfies any
/// password policy isched allows.
pub fn generate_password() -> SecretString {
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    let all: Vec<u8> = classes.concat();
    let mut chars: Vec<u8> = classes
        .iter()
        .map(|c| c[rand::random_range(0..c.len())])
        .collect();
    while chars.len() < 20 {
        chars.push(all[rand::random_range(0..all.len())]);
    }
    // Shuffle so the class-guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rand::random_range(0..=i));
    }
    SecretString::from(String::from_utf8(chars).expect("ASCII alphabet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let pw = SecretString::from("correct horse battery staple");
        let hash = hash_password(&pw).expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(&hash, &pw));
        assert!(!verify_password(&hash, &SecretString::from("wrong")));
        assert!(!verify_password("not a hash", &pw));
    }

    #[test]
    fn generated_passwords_have_every_class_and_differ() {
        let a = generate_password();
        let b = generate_password();
        let s = a.expose_secret();
        assert_eq!(s.len(), 20);
        for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
            assert!(s.bytes().any(|c| class.contains(&c)), "{class:?}");
        }
        assert_ne!(s, b.expose_secret());
        assert!(!format!("{a:?}").contains(s));
    }
}
