//! Snooze links: keep a resource running until a later instant instead of stopping it at
//! the stop a reminder announced. The link carries the resource, the stop it snoozes and
//! the new end, signed with HMAC-SHA256 under a key kept in the database (shared by every
//! replica). Verifying a link is parsing untrusted input, hence its fuzz target.

use crate::sealing::Sealer;
use hmac::{Hmac, Mac};
use isched_store::{Store, StoreError};
use jiff::Timestamp;

/// What a snooze link asks for: keep `resource` running until `until` instead of stopping
/// it at `stop_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snooze {
    pub resource: String,
    pub stop_at: Timestamp,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnoozeError {
    #[error("this snooze link is damaged or was not made by this isched")]
    BadSignature,
    #[error("this snooze link has expired (it was good until {0})")]
    Expired(Timestamp),
}

const KEY_SETTING: &str = "snooze_signing_key";

/// The key that signs snooze links, created (once for all replicas) on first use, and
/// sealed at rest like the token signing keys when `ISCHED_SECRET_KEY` is set (a key stored
/// in the clear or under a previous secret is sealed again under the current one).
pub async fn signing_key(
    store: &Store,
    now: Timestamp,
    sealer: &Sealer,
) -> Result<Vec<u8>, StoreError> {
    let fresh = sealer.seal(&hex::encode(rand::random::<[u8; 32]>()), KEY_SETTING);
    let stored = store
        .setting_or_insert(KEY_SETTING, &serde_json::Value::String(fresh), now)
        .await?;
    let text = stored
        .as_str()
        .ok_or_else(|| StoreError::Corrupt(format!("setting {KEY_SETTING} is not text")))?;
    let opened = sealer.open(text, KEY_SETTING).map_err(|e| {
        StoreError::Corrupt(format!(
            "setting {KEY_SETTING} cannot be opened ({e}): set ISCHED_SECRET_KEY (or \
             ISCHED_SECRET_KEY_PREVIOUS) to the secret it was sealed with"
        ))
    })?;
    if opened.stale && sealer.seals() {
        let resealed = sealer.seal(&opened.plaintext, KEY_SETTING);
        store
            .put_setting(KEY_SETTING, &serde_json::Value::String(resealed), now)
            .await?;
    }
    hex::decode(&opened.plaintext)
        .map_err(|_| StoreError::Corrupt(format!("setting {KEY_SETTING} is not hex")))
}

impl Snooze {
    fn mac(&self, key: &[u8]) -> Hmac<sha2::Sha256> {
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(
            format!(
                "{}|{}|{}",
                self.resource,
                self.stop_at.as_millisecond(),
                self.until.as_millisecond()
            )
            .as_bytes(),
        );
        mac
    }

    /// `r=...&s=...&u=...&sig=...` (resource keys hold only URL-safe characters and ':').
    pub fn query(&self, key: &[u8]) -> String {
        format!(
            "r={}&s={}&u={}&sig={}",
            self.resource,
            self.stop_at.as_millisecond(),
            self.until.as_millisecond(),
            hex::encode(self.mac(key).finalize().into_bytes())
        )
    }

    /// Checks the signature (in constant time) and that the snooze still means something.
    pub fn verify(
        resource: &str,
        stop_ms: i64,
        until_ms: i64,
        sig: &str,
        key: &[u8],
        now: Timestamp,
    ) -> Result<Snooze, SnoozeError> {
        let instant = |ms| Timestamp::from_millisecond(ms).map_err(|_| SnoozeError::BadSignature);
        let snooze = Snooze {
            resource: resource.to_owned(),
            stop_at: instant(stop_ms)?,
            until: instant(until_ms)?,
        };
        let sig = hex::decode(sig).map_err(|_| SnoozeError::BadSignature)?;
        snooze
            .mac(key)
            .verify_slice(&sig)
            .map_err(|_| SnoozeError::BadSignature)?;
        if now >= snooze.until {
            return Err(SnoozeError::Expired(snooze.until));
        }
        Ok(snooze)
    }
}
