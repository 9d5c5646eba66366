//! Sign-in flows: password login (with the NEW_PASSWORD_REQUIRED challenge), rotating
//! refresh tokens with reuse detection, logout, and access-token verification.

use crate::external::{ExternalIssuer, ExternalVerifier};
use crate::hashing::HashingPool;
use crate::jwt::{self, Claims, InvalidToken};
use crate::keys::{KeyError, KeyRing};
use crate::lockout;
use crate::mail::Mailer;
use crate::password::{hash_password, hash_password_in, verify_password_in};
use crate::policy::PasswordPolicy;
use crate::sealing::Sealer;
use base64::Engine;
use isched_store::audit::NewAuditEntry;
use isched_store::tokens::{RefreshToken, RefreshUse};
use isched_store::users::{User, UserStatus};
use isched_store::{Email, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `iss` of our tokens: the public base URL.
    pub issuer: String,
    pub audience: String,
    pub access_ttl: SignedDuration,
    pub refresh_ttl: SignedDuration,
    pub challenge_ttl: SignedDuration,
    pub policy: PasswordPolicy,
    /// How long an admin-issued temporary password works (Cognito: 7 days).
    pub temporary_password_ttl: SignedDuration,
    pub code_ttl: SignedDuration,
    pub code_attempts: i64,
    /// Password hashes computed at once; bounds memory under a login flood (19 MiB each).
    pub max_concurrent_hashes: usize,
    /// Anyone may register (with email verification); off by default.
    pub self_signup: bool,
    /// Admins must have TOTP enrolled to use admin routes.
    pub require_admin_mfa: bool,
    /// Admin routes need a sign-in at most this long ago.
    pub step_up_window: SignedDuration,
}

impl AuthSettings {
    pub fn new(issuer: &str) -> AuthSettings {
        AuthSettings {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: "isched".into(),
            access_ttl: SignedDuration::from_mins(15),
            refresh_ttl: SignedDuration::from_hours(30 * 24),
            challenge_ttl: SignedDuration::from_mins(5),
            policy: PasswordPolicy::default(),
            temporary_password_ttl: SignedDuration::from_hours(7 * 24),
            code_ttl: SignedDuration::from_mins(15),
            code_attempts: 5,
            max_concurrent_hashes: 4,
            self_signup: false,
            require_admin_mfa: false,
            step_up_window: SignedDuration::from_mins(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Tokens(TokenSet),
    Challenge {
        challenge: &'static str,
        session: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong email or password, or a disabled account; deliberately indistinguishable.
    #[error("incorrect email or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {} seconds", retry_after.as_secs())]
    LockedOut { retry_after: SignedDuration },
    #[error("the temporary password has expired; ask an administrator to reset it")]
    TemporaryPasswordExpired,
    #[error("confirm your email first with the code sent to it (POST /api/v1/auth/verify-email)")]
    EmailNotVerified,
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    InvalidCode(String),
    #[error("{0}")]
    PasswordPolicy(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AuthError::NotFound(what),
            StoreError::Conflict(what) => AuthError::Conflict(format!("{what} already exists")),
            other => AuthError::Internal(other.to_string()),
        }
    }
}

impl From<InvalidToken> for AuthError {
    fn from(e: InvalidToken) -> Self {
        AuthError::InvalidToken(e.to_string())
    }
}

pub struct AuthService {
    pub(crate) store: Store,
    keys: std::sync::RwLock<Arc<KeyRing>>,
    /// Opens the stored signing keys (for reloads after a rotation).
    sealer: Arc<Sealer>,
    /// When the key ring was last read from the database.
    keys_loaded: std::sync::Mutex<Timestamp>,
    pub(crate) settings: AuthSettings,
    pub(crate) mailer: Mailer,
    pub(crate) external: Option<ExternalVerifier>,
    hashing: Arc<HashingPool>,
    /// Verified against when the email is unknown, so both cases take the same time.
    dummy_hash: String,
}

/// SHA-256 hex of a high-entropy secret (refresh tokens, codes, access tokens) for storage;
/// such secrets need no slow hash.
pub(crate) fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn new_opaque_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

impl AuthService {
    /// What seals secrets at rest (the token and snooze-link signing keys).
    pub fn sealer(&self) -> &Arc<Sealer> {
        &self.sealer
    }

    pub async fn new(
        store: Store,
        settings: AuthSettings,
        mailer: Mailer,
        external_issuers: Vec<ExternalIssuer>,
        sealer: Arc<Sealer>,
        now: Timestamp,
    ) -> Result<AuthService, KeyError> {
        let keys = KeyRing::load_or_create(&store, &sealer, now).await?;
        let dummy = SecretString::from(new_opaque_token());
        let dummy_hash = tokio::task::spawn_blocking(move || hash_password(&dummy))
            .await
            .map_err(|e| KeyError::Invalid {
                kid: "-".into(),
                message: e.to_string(),
            })?
            .map_err(|e| KeyError::Invalid {
                kid: "-".into(),
                message: e.to_string(),
            })?;
        let hashing = Arc::new(HashingPool::new(settings.max_concurrent_hashes));
        Ok(AuthService {
            store,
            keys: std::sync::RwLock::new(Arc::new(keys)),
            sealer,
            keys_loaded: std::sync::Mutex::new(now),
            settings,
            mailer,
            external: (!external_issuers.is_empty())
                .then(|| ExternalVerifier::new(external_issuers)),
            hashing,
            dummy_hash,
        })
    }

    pub fn keys(&self) -> Arc<KeyRing> {
        self.keys.read().expect("key ring lock").clone()
    }

    /// Rereads the signing keys when they are older than `max_age`, so that a rotation
    /// (by `isched keys rotate`, possibly on another replica) reaches every process.
    pub async fn reload_keys_if_older(
        &self,
        max_age: SignedDuration,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        {
            let mut loaded = self.keys_loaded.lock().expect("key time lock");
            if now < *loaded + max_age {
                return Ok(());
            }
            *loaded = now;
        }
        let ring = KeyRing::load(&self.store, &self.sealer)
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        *self.keys.write().expect("key ring lock") = Arc::new(ring);
        Ok(())
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    pub(crate) async fn verify_hash(
        &self,
        hash: String,
        password: &SecretString,
    ) -> Result<bool, AuthError> {
        let password = password.clone();
        self.hashing
            .run(move |memory| verify_password_in(&hash, &password, memory))
            .await
            .map_err(AuthError::Internal)
    }

    /// The user with this id, or `NotFound`.
    pub(crate) async fn existing_user(&self, id: &str) -> Result<User, AuthError> {
        self.store
            .user_by_id(id)
            .await?
            .ok_or(AuthError::NotFound("user"))
    }

    /// Checks `password` against the policy and hashes it (bounded like verification).
    pub(crate) async fn new_password_hash(
        &self,
        password: &SecretString,
    ) -> Result<String, AuthError> {
        self.settings
            .policy
            .check(password.expose_secret())
            .map_err(|v| AuthError::PasswordPolicy(v.to_string()))?;
        self.hash(password).await
    }

    /// The user chose a new password (policy checked here): it replaces the old one, their
    /// refresh tokens are revoked, and the change is audited with how it happened.
    pub(crate) async fn set_own_password(
        &self,
        user_id: &str,
        password: &SecretString,
        via: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let hash = self.new_password_hash(password).await?;
        self.store
            .set_user_password(user_id, &hash, UserStatus::Active, None, now)
            .await?;
        self.store.revoke_user_refresh_tokens(user_id, now).await?;
        self.audit(
            now,
            user_id,
            "auth.password_changed",
            Some(user_id),
            serde_json::json!({ "via": via }),
        )
        .await
    }

    pub(crate) async fn hash(&self, password: &SecretString) -> Result<String, AuthError> {
        let password = password.clone();
        self.hashing
            .run(move |memory| hash_password_in(&password, memory))
            .await
            .map_err(AuthError::Internal)?
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    pub(crate) async fn audit(
        &self,
        now: Timestamp,
        actor: &str,
        action: &str,
        target: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), AuthError> {
        self.store
            .append_audit(NewAuditEntry {
                at: now,
                actor,
                action,
                target,
                detail,
            })
            .await?;
        Ok(())
    }

    /// Refuses while the email is locked out (whether or not it has an account).
    pub(crate) async fn check_lockout(&self, email: &str, now: Timestamp) -> Result<(), AuthError> {
        if let Some(until) = self.store.login_locked_until(email, now).await? {
            let retry_after = SignedDuration::from_secs(
                (until.as_millisecond() - now.as_millisecond() + 999) / 1000,
            );
            return Err(AuthError::LockedOut { retry_after });
        }
        Ok(())
    }

    /// Counts a failed sign-in (password or MFA code) and locks the email when due.
    pub(crate) async fn login_failed(
        &self,
        email: &str,
        user_id: Option<&str>,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let failures = self.store.record_login_failure(email, now).await?;
        self.audit(
            now,
            user_id.unwrap_or("anonymous"),
            "auth.login_failed",
            user_id,
            serde_json::json!({ "email": email, "reason": reason, "failures": failures }),
        )
        .await?;
        if let Some(delay) = lockout::delay_after(failures) {
            self.store.lock_login(email, now + delay).await?;
            self.audit(
                now,
                user_id.unwrap_or("anonymous"),
                "auth.lockout",
                user_id,
                serde_json::json!({ "email": email, "seconds": delay.as_secs() }),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        now: Timestamp,
    ) -> Result<LoginOutcome, AuthError> {
        let normalised = email.trim().to_lowercase();
        self.check_lockout(&normalised, now).await?;
        let user = match Email::parse(email) {
            Ok(e) => self.store.user_by_email(&e).await?,
            Err(_) => None,
        };
        let hash = user
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let matches = self.verify_hash(hash, password).await?;
        let user = match user {
            Some(u) if matches && u.password_hash.is_some() && u.status != UserStatus::Disabled => {
                u
            }
            other => {
                let reason = match &other {
                    Some(u) if u.status == UserStatus::Disabled => "disabled",
                    Some(_) => "wrong password",
                    None => "unknown email",
                };
                self.login_failed(
                    &normalised,
                    other.as_ref().map(|u| u.id.as_str()),
                    reason,
                    now,
                )
                .await?;
                return Err(AuthError::InvalidCredentials);
            }
        };
        self.store.clear_login_failures(&normalised).await?;
        if user.password_expires_at.is_some_and(|t| t <= now) {
            self.audit(
                now,
                &user.id,
                "auth.login_failed",
                Some(&user.id),
                serde_json::json!({ "reason": "temporary password expired" }),
            )
            .await?;
            return Err(AuthError::TemporaryPasswordExpired);
        }
        if user.email_verified_at.is_none() {
            return Err(AuthError::EmailNotVerified);
        }
        if user.status == UserStatus::MustChangePassword {
            return self.challenge(&user, NEW_PASSWORD_REQUIRED, now).await;
        }
        self.after_password(&user, now).await
    }

    /// The password is settled: ask for the second factor, or sign in.
    async fn after_password(&self, user: &User, now: Timestamp) -> Result<LoginOutcome, AuthError> {
        if user.mfa_enabled {
            return self.challenge(user, SOFTWARE_TOKEN_MFA, now).await;
        }
        self.audit(
            now,
            &user.id,
            "auth.login",
            Some(&user.id),
            serde_json::json!({}),
        )
        .await?;
        Ok(LoginOutcome::Tokens(
            self.issue(user, now, now, None).await?,
        ))
    }

    async fn challenge(
        &self,
        user: &User,
        challenge: &'static str,
        now: Timestamp,
    ) -> Result<LoginOutcome, AuthError> {
        let session = self.sign(
            user,
            "challenge",
            now,
            now,
            self.settings.challenge_ttl,
            Some(challenge),
        );
        self.audit(
            now,
            &user.id,
            "auth.challenge",
            Some(&user.id),
            serde_json::json!({ "challenge": challenge }),
        )
        .await?;
        Ok(LoginOutcome::Challenge { challenge, session })
    }

    /// The user a challenge session was issued to, if the session is valid for `challenge`.
    async fn session_user(
        &self,
        session: &str,
        challenge: &str,
        now: Timestamp,
    ) -> Result<User, AuthError> {
        let claims = jwt::verify(
            &self.keys(),
            session,
            &self.settings.issuer,
            &self.settings.audience,
            "challenge",
            now,
        )?;
        if claims.challenge.as_deref() != Some(challenge) {
            return Err(AuthError::InvalidToken(format!(
                "the session is not for {challenge}"
            )));
        }
        let user = self
            .store
            .user_by_id(&claims.sub)
            .await?
            .filter(|u| u.status != UserStatus::Disabled);
        user.ok_or_else(|| AuthError::InvalidToken("the session no longer applies".into()))
    }

    /// Answers NEW_PASSWORD_REQUIRED: sets the new password, then continues the sign-in
    /// (which may still ask for MFA).
    pub async fn respond_new_password(
        &self,
        session: &str,
        new_password: &SecretString,
        now: Timestamp,
    ) -> Result<LoginOutcome, AuthError> {
        let user = self
            .session_user(session, NEW_PASSWORD_REQUIRED, now)
            .await?;
        if user.status != UserStatus::MustChangePassword {
            return Err(AuthError::InvalidToken(
                "the session no longer applies".into(),
            ));
        }
        self.set_own_password(&user.id, new_password, NEW_PASSWORD_REQUIRED, now)
            .await?;
        let user = self.existing_user(&user.id).await?;
        self.after_password(&user, now).await
    }

    /// Answers SOFTWARE_TOKEN_MFA with a TOTP code or a recovery code. Failures count
    /// towards the lockout like wrong passwords.
    pub async fn respond_mfa(
        &self,
        session: &str,
        code: Option<&str>,
        recovery_code: Option<&str>,
        now: Timestamp,
    ) -> Result<TokenSet, AuthError> {
        let user = self.session_user(session, SOFTWARE_TOKEN_MFA, now).await?;
        let email = user.email.as_str().to_owned();
        self.check_lockout(&email, now).await?;
        let ok = match (code, recovery_code) {
            (Some(code), _) => self.check_totp(&user.id, code, now).await?,
            (None, Some(rc)) => {
                let used = self.use_recovery_code(&user.id, rc, now).await?;
                if used {
                    self.audit(
                        now,
                        &user.id,
                        "auth.recovery_code_used",
                        Some(&user.id),
                        serde_json::json!({}),
                    )
                    .await?;
                }
                used
            }
            (None, None) => {
                return Err(AuthError::InvalidRequest(
                    "send code (from the authenticator app) or recovery_code".into(),
                ));
            }
        };
        if !ok {
            self.login_failed(&email, Some(&user.id), "wrong MFA code", now)
                .await?;
            return Err(AuthError::InvalidCode(
                "the code is wrong or already used".into(),
            ));
        }
        self.store.clear_login_failures(&email).await?;
        self.audit(
            now,
            &user.id,
            "auth.login",
            Some(&user.id),
            serde_json::json!({ "mfa": true }),
        )
        .await?;
        self.issue(&user, now, now, None).await
    }

    /// Spends a refresh token and issues its successor; a spent token presented again
    /// revokes its whole family (someone else may hold a copy).
    pub async fn refresh(&self, token: &str, now: Timestamp) -> Result<TokenSet, AuthError> {
        match self
            .store
            .use_refresh_token(&hash_token(token), now)
            .await?
        {
            RefreshUse::Spent(old) => {
                let user = self
                    .store
                    .user_by_id(&old.user_id)
                    .await?
                    .filter(|u| u.status == UserStatus::Active);
                let Some(user) = user else {
                    return Err(AuthError::InvalidToken("the account is not active".into()));
                };
                self.issue(&user, old.auth_time, now, Some(old.family_id))
                    .await
            }
            RefreshUse::Reused { user_id, family_id } => {
                self.audit(
                    now,
                    &user_id,
                    "auth.refresh_token_reuse",
                    Some(&user_id),
                    serde_json::json!({ "family": family_id }),
                )
                .await?;
                Err(AuthError::InvalidToken(
                    "refresh token already used; its sessions are revoked".into(),
                ))
            }
            RefreshUse::Revoked => Err(AuthError::InvalidToken("refresh token revoked".into())),
            RefreshUse::Expired => Err(AuthError::InvalidToken("refresh token expired".into())),
            RefreshUse::Unknown => Err(AuthError::InvalidToken("unknown refresh token".into())),
        }
    }

    /// Revokes the refresh token's family. Unknown tokens are not an error (idempotent).
    pub async fn logout(&self, token: &str, now: Timestamp) -> Result<(), AuthError> {
        self.store
            .revoke_refresh_token(&hash_token(token), now)
            .await?;
        Ok(())
    }

    /// The claims of a valid access token.
    pub fn authenticate(&self, token: &str, now: Timestamp) -> Result<Claims, AuthError> {
        Ok(jwt::verify(
            &self.keys(),
            token,
            &self.settings.issuer,
            &self.settings.audience,
            "access",
            now,
        )?)
    }

    /// `auth_time` is the original sign-in, kept across refreshes (admin step-up reads it).
    pub(crate) fn sign(
        &self,
        user: &User,
        token_use: &str,
        now: Timestamp,
        auth_time: Timestamp,
        ttl: SignedDuration,
        challenge: Option<&str>,
    ) -> String {
        let claims = Claims {
            sub: user.id.clone(),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            exp: (now + ttl).as_second(),
            iat: now.as_second(),
            jti: uuid::Uuid::new_v4().to_string(),
            token_use: token_use.into(),
            groups: user.roles.clone(),
            auth_time: auth_time.as_second(),
            challenge: challenge.map(str::to_owned),
        };
        jwt::sign(&self.keys(), &claims)
    }

    pub(crate) async fn issue(
        &self,
        user: &User,
        auth_time: Timestamp,
        now: Timestamp,
        family: Option<String>,
    ) -> Result<TokenSet, AuthError> {
        self.reload_keys_if_older(SignedDuration::from_mins(1), now)
            .await?;
        let access = self.sign(
            user,
            "access",
            now,
            auth_time,
            self.settings.access_ttl,
            None,
        );
        let refresh = new_opaque_token();
        self.store
            .insert_refresh_token(&RefreshToken {
                token_hash: hash_token(&refresh),
                family_id: family.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                user_id: user.id.clone(),
                auth_time,
                created_at: now,
                expires_at: now + self.settings.refresh_ttl,
            })
            .await?;
        Ok(TokenSet {
            access_token: access,
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: self.settings.access_ttl.as_secs(),
        })
    }
}
