//! Token signing keys: ES256 (P-256), generated on first start, persisted, published as a
//! JWK set. Tokens name their key (`kid`), so keys can rotate without logging anyone out.
//! The private keys are stored sealed under the configured secret key (see `sealing`).

use crate::sealing::Sealer;
use isched_store::tokens::SigningKey;
use isched_store::{Store, StoreError};
use jiff::Timestamp;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use p256::pkcs8::{EncodePrivateKey, LineEnding};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("signing key {kid}: {message}")]
    Invalid { kid: String, message: String },
}

/// The keys in use: the newest unretired one signs; all are accepted and published.
pub struct KeyRing {
    signing: (String, EncodingKey),
    verifying: Vec<(String, DecodingKey)>,
    jwks: JwkSet,
}

impl KeyRing {
    /// Loads the stored keys, generating the first one if there is none, and seals again
    /// under the current secret every key stored in the clear or under a previous secret.
    /// Fails, naming the key and the secret, when a stored key does not open.
    pub async fn load_or_create(
        store: &Store,
        sealer: &Sealer,
        now: Timestamp,
    ) -> Result<KeyRing, KeyError> {
        let mut keys = open_all(store.signing_keys().await?, sealer)?;
        // Stale only with a current secret: in the clear, or under a previous one.
        for (key, _) in keys.iter().filter(|(_, stale)| *stale) {
            let sealed = sealer.seal(&key.private_key_pem, &key.kid);
            store.reseal_signing_key(&key.kid, &sealed).await?;
            tracing::info!(kid = %key.kid, secret = sealer.current_id(), "signing key sealed under the current secret key");
        }
        if !keys.iter().any(|(k, _)| k.retired_at.is_none()) {
            let key = generate(now);
            match store.insert_signing_key(&sealed(&key, sealer)).await {
                Ok(()) => {}
                // Another replica generated one at the same moment: use what is stored.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            keys = open_all(store.signing_keys().await?, sealer)?;
        }
        KeyRing::from_keys(keys.into_iter().map(|(k, _)| k))
    }

    /// The stored keys as they are now (another replica may have rotated them).
    pub async fn load(store: &Store, sealer: &Sealer) -> Result<KeyRing, KeyError> {
        let keys = open_all(store.signing_keys().await?, sealer)?;
        KeyRing::from_keys(keys.into_iter().map(|(k, _)| k))
    }

    /// Makes a new key the signing key. Older keys stay published (tokens they signed
    /// stay valid) until `keep_retired` after this rotation.
    pub async fn rotate(
        store: &Store,
        sealer: &Sealer,
        now: Timestamp,
        keep_retired: jiff::SignedDuration,
    ) -> Result<String, KeyError> {
        let key = generate(now);
        store.insert_signing_key(&sealed(&key, sealer)).await?;
        store
            .retire_signing_keys_except(&key.kid, now, now - keep_retired)
            .await?;
        Ok(key.kid)
    }

    /// A ring of one fresh key that is never stored (for fuzzing and tests).
    pub fn in_memory(now: Timestamp) -> KeyRing {
        KeyRing::from_keys(std::iter::once(generate(now)))
            .expect("a freshly generated key makes a key ring")
    }

    fn from_keys(keys: impl Iterator<Item = SigningKey>) -> Result<KeyRing, KeyError> {
        let mut signing = None;
        let mut verifying = Vec::new();
        let mut jwks = Vec::new();
        for key in keys {
            let invalid = |message: String| KeyError::Invalid {
                kid: key.kid.clone(),
                message,
            };
            let encoding = EncodingKey::from_ec_pem(key.private_key_pem.as_bytes())
                .map_err(|e| invalid(e.to_string()))?;
            let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
                .map_err(|e| invalid(e.to_string()))?;
            jwk.common.key_id = Some(key.kid.clone());
            jwk.common.public_key_use = Some(PublicKeyUse::Signature);
            jwk.common.key_algorithm = Some(KeyAlgorithm::ES256);
            verifying.push((
                key.kid.clone(),
                DecodingKey::from_jwk(&jwk).map_err(|e| invalid(e.to_string()))?,
            ));
            jwks.push(jwk);
            if signing.is_none() && key.retired_at.is_none() {
                signing = Some((key.kid.clone(), encoding));
            }
        }
        let signing = signing.ok_or_else(|| KeyError::Invalid {
            kid: "-".into(),
            message: "no active signing key".into(),
        })?;
        Ok(KeyRing {
            signing,
            verifying,
            jwks: JwkSet { keys: jwks },
        })
    }

    pub fn signing(&self) -> (&str, &EncodingKey) {
        (&self.signing.0, &self.signing.1)
    }

    pub fn verifying(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, d)| d)
    }

    /// The public keys, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }
}

/// The keys with their private halves in the clear, each with whether it should be sealed
/// again (see `Opened::stale`).
fn open_all(keys: Vec<SigningKey>, sealer: &Sealer) -> Result<Vec<(SigningKey, bool)>, KeyError> {
    keys.into_iter()
        .map(|mut key| {
            let opened =
                sealer
                    .open(&key.private_key_pem, &key.kid)
                    .map_err(|e| KeyError::Invalid {
                        kid: key.kid.clone(),
                        message: e.to_string(),
                    })?;
            key.private_key_pem = opened.plaintext;
            Ok((key, opened.stale))
        })
        .collect()
}

/// `key` as it is stored: its private half sealed.
fn sealed(key: &SigningKey, sealer: &Sealer) -> SigningKey {
    SigningKey {
        private_key_pem: sealer.seal(&key.private_key_pem, &key.kid),
        ..key.clone()
    }
}

/// A new ES256 key (also used by tests to sign tokens isched must refuse).
pub fn generate(now: Timestamp) -> SigningKey {
    let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .expect("a fresh P-256 key encodes as PKCS#8");
    SigningKey {
        kid: uuid::Uuid::now_v7().simple().to_string(),
        algorithm: "ES256".into(),
        private_key_pem: pem.to_string(),
        created_at: now,
        retired_at: None,
    }
}
