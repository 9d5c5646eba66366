//! Password hashing with argon2id at the OWASP-recommended parameters (19 MiB, t=2, p=1),
//! and generation of one-time passwords.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The working memory of one argon2 computation (19 MiB at the default parameters), kept
/// and reused. Allocating it per hash, as argon2's own `hash_password` does, leaves glibc
/// to keep the freed 19 MiB blocks in its per-thread arenas: under a sign-in flood the
/// process grew by 700 MiB and more. A few of these, reused, keep it flat.
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    pub fn new() -> HashMemory {
        HashMemory(vec![Block::default(); Params::default().block_count()])
    }

    /// `count` blocks, grown once if a stored hash asks for more than the default.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        HashMemory::new()
    }
}

/// Hashes to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`). CPU- and memory-heavy:
/// call from a blocking thread in async code.
pub fn hash_password(password: &SecretString) -> Result<String, HashError> {
    hash_password_in(password, &mut HashMemory::new())
}

/// [`hash_password`] in `memory`.
pub fn hash_password_in(
    password: &SecretString,
    memory: &mut HashMemory,
) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = Params::default();
    let salt = argon2::password_hash::generate_salt();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon
        .hash_password_into_with_memory(
            password.expose_secret().as_bytes(),
            &salt,
            &mut out,
            memory.blocks(params.block_count()),
        )
        .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
}

/// True if `candidate` matches the PHC string `hash`, computed in `memory` with the
/// hash's own algorithm, version and parameters and compared in constant time (`Output`'s
/// equality). A malformed hash never matches.
pub fn verify_password_in(hash: &str, candidate: &SecretString, memory: &mut HashMemory) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Version::try_from(parsed.version.unwrap_or(Version::V0x13.into())),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let count = params.block_count();
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        candidate.expose_secret().as_bytes(),
        salt.as_ref(),
        &mut out,
        memory.blocks(count),
    );
    computed.is_ok() && Output::new(&out).is_ok_and(|o| &o == expected)
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
        let mut memory = HashMemory::new();
        assert!(verify_password_in(&hash, &pw, &mut memory));
        assert!(!verify_password_in(
            &hash,
            &SecretString::from("wrong"),
            &mut memory
        ));
        assert!(!verify_password_in("not a hash", &pw, &mut memory));
    }

    /// Hashes stored before memory was reused (argon2's own hasher), and hashes with other
    /// parameters, still verify; argon2's own verifier accepts ours.
    #[test]
    fn agrees_with_argon2s_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pw = SecretString::from("correct horse battery staple");
        let mut memory = HashMemory::new();
        let theirs = Argon2::default()
            .hash_password(pw.expose_secret().as_bytes())
            .expect("hash")
            .to_string();
        assert!(verify_password_in(&theirs, &pw, &mut memory));
        let small = Params::new(8 * 1024, 3, 1, None).expect("params");
        let other = Argon2::new(Algorithm::Argon2i, Version::V0x13, small)
            .hash_password(pw.expose_secret().as_bytes())
            .expect("hash")
            .to_string();
        assert!(verify_password_in(&other, &pw, &mut memory));
        assert!(!verify_password_in(
            &other,
            &SecretString::from("wrong"),
            &mut memory
        ));
        let ours = hash_password_in(&pw, &mut memory).expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(pw.expose_secret().as_bytes(), &parsed)
                .is_ok()
        );
        assert_ne!(
            ours,
            hash_password_in(&pw, &mut memory).expect("hash"),
            "salted"
        );
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
