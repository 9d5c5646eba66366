//! Codes by email: forgot-password and email verification (with self sign-up when it is
//! turned on). Codes are 6 digits, stored hashed, short-lived, with limited attempts. No
//! answer says whether an email has an account.

use crate::mail::compose;
use crate::service::{AuthError, AuthService, hash_token};
use isched_store::identity::CodeCheck;
use isched_store::users::{NewUser, ROLE_USER, User, UserStatus};
use isched_store::{Email, StoreError};
use jiff::Timestamp;
use rand::RngExt;
use secrecy::SecretString;

const FORGOT_PASSWORD: &str = "forgot_password";
const VERIFY_EMAIL: &str = "verify_email";

fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Codes are bound to their user so that equal codes of two users never collide.
fn code_hash(user_id: &str, code: &str) -> String {
    hash_token(&format!("{user_id}:{}", code.trim()))
}

impl AuthService {
    async fn send_code(
        &self,
        user: &User,
        purpose: &str,
        subject: &str,
        intro: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        if !self.mailer.is_configured() {
            return Err(AuthError::InvalidRequest(
                "email is not configured on this server; ask an administrator".into(),
            ));
        }
        let code = new_code();
        let expires = now + self.settings.code_ttl;
        self.store
            .put_one_time_code(
                &user.id,
                purpose,
                &code_hash(&user.id, &code),
                expires,
                self.settings.code_attempts,
                now,
            )
            .await?;
        let minutes = self.settings.code_ttl.as_mins();
        let message = compose(
            user.email.as_str(),
            subject,
            &[intro],
            Some(&code),
            &[&format!(
                "The code works for {minutes} minutes. If you did not ask for it, ignore this email."
            )],
        );
        if let Err(e) = self.mailer.send(&message).await {
            tracing::warn!(error = %e, user = %user.id, purpose, "code not emailed");
            return Err(AuthError::Internal(format!("code not emailed: {e}")));
        }
        Ok(())
    }

    async fn user_for_code(&self, email: &str) -> Result<Option<User>, AuthError> {
        Ok(match Email::parse(email) {
            Ok(e) => self.store.user_by_email(&e).await?,
            Err(_) => None,
        })
    }

    async fn take_code(
        &self,
        user: Option<&User>,
        purpose: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<User, AuthError> {
        let wrong = || AuthError::InvalidCode("the code is wrong or has expired".into());
        let Some(user) = user else {
            return Err(wrong());
        };
        match self
            .store
            .check_one_time_code(&user.id, purpose, &code_hash(&user.id, code), now)
            .await?
        {
            CodeCheck::Accepted => Ok(user.clone()),
            CodeCheck::Rejected { .. } | CodeCheck::Missing => {
                self.audit(
                    now,
                    &user.id,
                    "auth.code_rejected",
                    Some(&user.id),
                    serde_json::json!({ "purpose": purpose }),
                )
                .await?;
                Err(wrong())
            }
        }
    }

    /// Sends a reset code if the email has an account that can sign in with a password;
    /// answers the same either way.
    pub async fn forgot_password(&self, email: &str, now: Timestamp) -> Result<(), AuthError> {
        if !self.mailer.is_configured() {
            return Err(AuthError::InvalidRequest("email is not configured on this server; ask an administrator to reset your password".into()));
        }
        let user = self
            .user_for_code(email)
            .await?
            .filter(|u| u.status != UserStatus::Disabled && u.password_hash.is_some());
        if let Some(user) = user {
            self.send_code(&user, FORGOT_PASSWORD, "Your isched password reset code", "Someone (hopefully you) asked to reset the isched password of this email. Your code is:", now).await?;
            self.audit(
                now,
                &user.id,
                "auth.forgot_password",
                Some(&user.id),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok(())
    }

    /// Sets a new password with a code from [`forgot_password`]; sessions end and the
    /// lockout is lifted.
    pub async fn confirm_forgot_password(
        &self,
        email: &str,
        code: &str,
        new_password: &SecretString,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        self.settings
            .policy
            .check(secrecy::ExposeSecret::expose_secret(new_password))
            .map_err(|v| AuthError::PasswordPolicy(v.to_string()))?;
        let user = self.user_for_code(email).await?;
        let user = self
            .take_code(user.as_ref(), FORGOT_PASSWORD, code, now)
            .await?;
        self.set_own_password(&user.id, new_password, "forgot_password", now)
            .await?;
        // Receiving the code proves the email.
        if user.email_verified_at.is_none() {
            self.store.set_email_verified(&user.id, now).await?;
        }
        self.store.clear_login_failures(user.email.as_str()).await?;
        Ok(())
    }

    /// Registers a user when self sign-up is on. The account signs in once the emailed
    /// code is confirmed. A taken email gets the same answer (and no second account): the
    /// caller must not tell the two apart; it gets the new user to announce it to admins.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &SecretString,
        now: Timestamp,
    ) -> Result<Option<User>, AuthError> {
        if !self.settings.self_signup {
            return Err(AuthError::Forbidden(
                "self sign-up is turned off; ask an administrator for an account".into(),
            ));
        }
        let parsed =
            Email::parse(email).map_err(|e| AuthError::InvalidRequest(format!("email: {e}")))?;
        let hash = self.new_password_hash(password).await?;
        let created = self
            .store
            .create_user(NewUser {
                email: &parsed,
                password_hash: Some(&hash),
                password_expires_at: None,
                email_verified: false,
                status: UserStatus::Active,
                roles: &[ROLE_USER],
                now,
            })
            .await;
        let user = match created {
            Ok(u) => u,
            Err(StoreError::Conflict(_)) => {
                self.audit(
                    now,
                    "anonymous",
                    "auth.sign_up_duplicate",
                    None,
                    serde_json::json!({ "email": parsed.as_str() }),
                )
                .await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        self.audit(
            now,
            &user.id,
            "user.signed_up",
            Some(&user.id),
            serde_json::json!({ "email": user.email.as_str() }),
        )
        .await?;
        self.send_code(
            &user,
            VERIFY_EMAIL,
            "Confirm your isched email",
            "Welcome to isched. Confirm this email with the code:",
            now,
        )
        .await?;
        Ok(Some(user))
    }

    /// Sends a new verification code to an unverified account (same answer otherwise).
    pub async fn resend_verification(&self, email: &str, now: Timestamp) -> Result<(), AuthError> {
        let user = self
            .user_for_code(email)
            .await?
            .filter(|u| u.email_verified_at.is_none() && u.status != UserStatus::Disabled);
        if let Some(user) = user {
            self.send_code(
                &user,
                VERIFY_EMAIL,
                "Confirm your isched email",
                "Confirm this email with the code:",
                now,
            )
            .await?;
        }
        Ok(())
    }

    pub async fn verify_email(
        &self,
        email: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let user = self.user_for_code(email).await?;
        let user = self
            .take_code(user.as_ref(), VERIFY_EMAIL, code, now)
            .await?;
        self.store.set_email_verified(&user.id, now).await?;
        self.audit(
            now,
            &user.id,
            "auth.email_verified",
            Some(&user.id),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }
}
