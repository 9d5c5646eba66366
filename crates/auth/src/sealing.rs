//! Sealing of the token signing keys at rest: AES-256-GCM under a key derived (HKDF-SHA256)
//! from the configured secret key (`ISCHED_SECRET_KEY`), so that a copy of the database or
//! of a backup alone does not let anyone sign tokens. The signing key's id is the
//! associated data, so a sealed key cannot be moved to another row.
//!
//! Stored form: `sealed:v1:<secret id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, where the
//! secret id (8 hex digits of SHA-256 of the derived key) names which secret sealed it.
//! Rotation: set the new secret as `ISCHED_SECRET_KEY` and the old one in
//! `ISCHED_SECRET_KEY_PREVIOUS`; at start every key is sealed again with the new one, after
//! which the old secret can go.

use aws_lc_rs::aead::{AES_256_GCM, Aad, Nonce, RandomizedNonceKey};
use aws_lc_rs::hkdf;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";
/// Secrets shorter than this are refused: the key is derived, not stretched, so it must
/// carry its own entropy (`openssl rand -base64 32` gives 44 characters).
pub const MIN_SECRET_LEN: usize = 32;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error(
        "the secret key is {0} characters; it needs at least {MIN_SECRET_LEN} (e.g. `openssl rand -base64 32`)"
    )]
    ShortSecret(usize),
    #[error(
        "it is sealed with secret key {0}, which is not configured (set it as ISCHED_SECRET_KEY, or as ISCHED_SECRET_KEY_PREVIOUS while rotating)"
    )]
    UnknownSecret(String),
    #[error("it is sealed, and no secret key is configured (ISCHED_SECRET_KEY)")]
    NoSecret,
    #[error("it does not open with secret key {0}: the stored value or the secret is wrong")]
    Corrupt(String),
}

struct SecretKey {
    id: String,
    key: RandomizedNonceKey,
}

impl SecretKey {
    fn derive(secret: &SecretString) -> Result<SecretKey, SealError> {
        let text = secret.expose_secret().trim();
        if text.len() < MIN_SECRET_LEN {
            return Err(SealError::ShortSecret(text.len()));
        }
        let mut bytes = [0u8; 32];
        hkdf::Salt::new(hkdf::HKDF_SHA256, b"isched")
            .extract(text.as_bytes())
            .expand(&[b"signing keys at rest v1"], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut bytes))
            .expect("HKDF-SHA256 gives 32 bytes");
        let id = Sha256::digest(bytes)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes).expect("a 32-byte AES-256 key");
        Ok(SecretKey { id, key })
    }
}

/// The configured secret keys: the current one seals, every one opens.
#[derive(Default)]
pub struct Sealer {
    current: Option<SecretKey>,
    previous: Vec<SecretKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("current", &self.current.as_ref().map(|k| &k.id))
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A stored value, opened.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened {
    pub plaintext: String,
    /// Not sealed with the current secret (stored in the clear, or with a previous one):
    /// seal it again.
    pub stale: bool,
}

impl Sealer {
    /// No secret: values are stored in the clear (and sealed ones cannot be opened).
    pub fn none() -> Sealer {
        Sealer::default()
    }

    pub fn new(current: &SecretString, previous: &[SecretString]) -> Result<Sealer, SealError> {
        Ok(Sealer {
            current: Some(SecretKey::derive(current)?),
            previous: previous
                .iter()
                .map(SecretKey::derive)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether values are sealed (a secret key is configured).
    pub fn seals(&self) -> bool {
        self.current.is_some()
    }

    /// The id of the sealing secret, for logs and the settings page.
    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// `plaintext` as stored: sealed under the current secret, or as is without one.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let Some(k) = &self.current else {
            return plaintext.to_owned();
        };
        let mut data = plaintext.as_bytes().to_vec();
        let nonce = k
            .key
            .seal_in_place_append_tag(Aad::from(context.as_bytes()), &mut data)
            .expect("AES-GCM seals any message of a key's size");
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}:{}", k.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// A stored value back in the clear.
    pub fn open(&self, stored: &str, context: &str) -> Result<Opened, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(Opened {
                plaintext: stored.to_owned(),
                stale: self.current.is_some(),
            });
        };
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| SealError::Corrupt("?".into()))?;
        let key = self
            .current
            .iter()
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| match self.current {
                None => SealError::NoSecret,
                Some(_) => SealError::UnknownSecret(id.to_owned()),
            })?;
        let corrupt = || SealError::Corrupt(id.to_owned());
        let mut data = URL_SAFE_NO_PAD.decode(body).map_err(|_| corrupt())?;
        if data.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let mut sealed = data.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&data).map_err(|_| corrupt())?;
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut sealed)
            .map_err(|_| corrupt())?;
        let plaintext = String::from_utf8(plain.to_vec()).map_err(|_| corrupt())?;
        Ok(Opened {
            plaintext,
            stale: self.current.as_ref().is_none_or(|c| c.id != id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{SealError, Sealer};
    use secrecy::SecretString;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    const ONE: &str = "one-secret-key-of-at-least-32-characters";
    const TWO: &str = "another-secret-key-of-32-characters-or-more";

    #[test]
    fn sealed_values_open_and_hide_the_plaintext() {
        let s = Sealer::new(&secret(ONE), &[]).expect("sealer");
        let stored = s.seal("-----BEGIN PRIVATE KEY-----", "kid-1");
        assert!(stored.starts_with("sealed:v1:"), "{stored}");
        assert!(!stored.contains("PRIVATE"));
        let opened = s.open(&stored, "kid-1").expect("opens");
        assert_eq!(opened.plaintext, "-----BEGIN PRIVATE KEY-----");
        assert!(!opened.stale);
        // Two seals of the same value differ (random nonces).
        assert_ne!(stored, s.seal("-----BEGIN PRIVATE KEY-----", "kid-1"));
    }

    #[test]
    fn a_sealed_value_does_not_open_in_another_row_or_when_altered() {
        let s = Sealer::new(&secret(ONE), &[]).expect("sealer");
        let stored = s.seal("pem", "kid-1");
        assert!(matches!(
            s.open(&stored, "kid-2"),
            Err(SealError::Corrupt(_))
        ));
        let mut altered = stored.clone();
        altered.pop();
        altered.push(if stored.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(
            s.open(&altered, "kid-1"),
            Err(SealError::Corrupt(_))
        ));
    }

    #[test]
    fn rotation_opens_with_the_previous_secret_and_says_reseal() {
        let old = Sealer::new(&secret(ONE), &[]).expect("old");
        let stored = old.seal("pem", "kid");
        let new = Sealer::new(&secret(TWO), &[secret(ONE)]).expect("new");
        let opened = new
            .open(&stored, "kid")
            .expect("opens with the previous secret");
        assert_eq!(opened.plaintext, "pem");
        assert!(opened.stale);
        let without_old = Sealer::new(&secret(TWO), &[]).expect("without");
        let err = without_old
            .open(&stored, "kid")
            .expect_err("unknown secret");
        assert!(matches!(err, SealError::UnknownSecret(_)), "{err}");
        assert!(err.to_string().contains("ISCHED_SECRET_KEY_PREVIOUS"));
        assert_eq!(
            Sealer::none().open(&stored, "kid"),
            Err(SealError::NoSecret)
        );
    }

    #[test]
    fn clear_values_pass_and_are_stale_once_a_secret_is_set() {
        assert_eq!(
            Sealer::none().open("pem", "kid").expect("clear"),
            super::Opened {
                plaintext: "pem".into(),
                stale: false
            }
        );
        let s = Sealer::new(&secret(ONE), &[]).expect("sealer");
        assert!(s.open("pem", "kid").expect("clear").stale);
        assert_eq!(Sealer::none().seal("pem", "kid"), "pem");
    }

    #[test]
    fn short_secrets_are_refused_and_never_shown() {
        let err = Sealer::new(&secret("short"), &[]).expect_err("too short");
        assert_eq!(err, SealError::ShortSecret(5));
        let s = Sealer::new(&secret(ONE), &[]).expect("sealer");
        assert!(!format!("{s:?}").contains(ONE));
    }
}
