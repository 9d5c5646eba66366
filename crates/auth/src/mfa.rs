//! TOTP (RFC 6238) second factor: enrolment with an otpauth URI and QR code, verification
//! that refuses a replayed code, and single-use recovery codes.

use crate::service::{AuthError, AuthService, hash_token};
use isched_store::users::User;
use jiff::Timestamp;
use rand::RngExt;
use totp_rs::{Builder, Secret, Totp};

pub const RECOVERY_CODES: usize = 10;

/// What an authenticator app needs; shown once at enrolment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
    /// PNG, base64.
    pub qr_png_base64: String,
}

fn totp(secret_base32: &str, account: &str) -> Result<Totp, AuthError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| AuthError::Internal(format!("stored TOTP secret: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some("isched"))
        .build()
        .map_err(|e| AuthError::Internal(format!("TOTP: {e}")))
}

/// Recovery codes are compared case- and separator-insensitively.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: String = (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

impl AuthService {
    /// Starts (or restarts) enrolment. Refused while TOTP is active: disable it first.
    pub async fn begin_totp(
        &self,
        user: &User,
        now: Timestamp,
    ) -> Result<TotpEnrolment, AuthError> {
        if user.mfa_enabled {
            return Err(AuthError::Conflict(
                "MFA is already enrolled; remove it before enrolling again".into(),
            ));
        }
        let secret = Secret::generate().to_base32();
        let t = totp(&secret, user.email.as_str())?;
        let enrolment = TotpEnrolment {
            otpauth_uri: t
                .to_url()
                .map_err(|e| AuthError::Internal(format!("otpauth URI: {e}")))?,
            qr_png_base64: t
                .to_qr_base64()
                .map_err(|e| AuthError::Internal(format!("QR code: {e}")))?,
            secret: secret.clone(),
        };
        self.store
            .set_totp(&user.id, Some(&secret), None, now)
            .await?;
        Ok(enrolment)
    }

    /// Completes enrolment with a first code from the app; returns the recovery codes,
    /// shown once.
    pub async fn confirm_totp(
        &self,
        user: &User,
        code: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, AuthError> {
        match self.store.totp_secret(&user.id).await? {
            Some((_, true)) => return Err(AuthError::Conflict("MFA is already enrolled".into())),
            None => {
                return Err(AuthError::InvalidRequest(
                    "start the enrolment first (POST /api/v1/users/me/mfa/totp)".into(),
                ));
            }
            Some((_, false)) => {}
        }
        if !self.check_totp_secret(user, code, now).await? {
            return Err(AuthError::InvalidCode(
                "the code does not match; check the device's clock".into(),
            ));
        }
        self.store.enable_totp(&user.id, now).await?;
        let codes = self.replace_recovery_codes(&user.id).await?;
        self.audit(
            now,
            &user.id,
            "auth.mfa_enrolled",
            Some(&user.id),
            serde_json::json!({ "kind": "totp" }),
        )
        .await?;
        Ok(codes)
    }

    /// Removes TOTP and the recovery codes; `actor` is the user or an admin.
    pub async fn remove_totp(
        &self,
        actor: &str,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        self.existing_user(user_id).await?;
        self.store.set_totp(user_id, None, None, now).await?;
        self.store.replace_recovery_codes(user_id, &[]).await?;
        self.audit(
            now,
            actor,
            "auth.mfa_removed",
            Some(user_id),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    /// Checks a code of an enrolled user (login, step-up).
    pub(crate) async fn check_totp(
        &self,
        user_id: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<bool, AuthError> {
        let user = self.existing_user(user_id).await?;
        if !user.mfa_enabled {
            return Ok(false);
        }
        self.check_totp_secret(&user, code, now).await
    }

    /// One step of skew either way; each time step is accepted once.
    async fn check_totp_secret(
        &self,
        user: &User,
        code: &str,
        now: Timestamp,
    ) -> Result<bool, AuthError> {
        let Some((secret, _)) = self.store.totp_secret(&user.id).await? else {
            return Ok(false);
        };
        let t = totp(&secret, user.email.as_str())?;
        let Ok(seconds) = u64::try_from(now.as_second()) else {
            return Ok(false);
        };
        let Some(step) = t.check(code.trim(), seconds) else {
            return Ok(false);
        };
        Ok(self.store.accept_totp_step(&user.id, step as i64).await?)
    }

    pub(crate) async fn use_recovery_code(
        &self,
        user_id: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<bool, AuthError> {
        Ok(self
            .store
            .use_recovery_code(user_id, &hash_token(&normalise_recovery_code(code)), now)
            .await?)
    }

    /// New recovery codes replace the old ones.
    pub async fn replace_recovery_codes(&self, user_id: &str) -> Result<Vec<String>, AuthError> {
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| hash_token(&normalise_recovery_code(c)))
            .collect();
        self.store.replace_recovery_codes(user_id, &hashes).await?;
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_compare_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalise_recovery_code(&code.to_lowercase().replace('-', " ")),
            normalise_recovery_code(&code)
        );
    }
}
