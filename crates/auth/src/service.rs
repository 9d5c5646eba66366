//! Sign-in flows: password login (with the NEW_PASSWORD_REQUIRED challenge), rotating
//! refresh tokens with reuse detection, logout, and access-token verification.

use crate::jwt::{self, Claims, InvalidToken};
use crate::keys::{KeyError, KeyRing};
use crate::password::{hash_password, verify_password};
use base64::Engine;
use isched_store::audit::NewAuditEntry;
use isched_store::tokens::{RefreshToken, RefreshUse};
use isched_store::users::{User, UserStatus};
use isched_store::{Email, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `iss` of our tokens: the public base URL.
    pub issuer: String,
    pub audience: String,
    pub access_ttl: SignedDuration,
    pub refresh_ttl: SignedDuration,
    pub challenge_ttl: SignedDuration,
    pub min_password_len: usize,
    /// Password hashes computed at once; bounds memory under a login flood (19 MiB each).
    pub max_concurrent_hashes: usize,
}

impl AuthSettings {
    pub fn new(issuer: &str) -> AuthSettings {
        AuthSettings {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: "isched".into(),
            access_ttl: SignedDuration::from_mins(15),
            refresh_ttl: SignedDuration::from_hours(30 * 24),
            challenge_ttl: SignedDuration::from_mins(5),
            min_password_len: 8,
            max_concurrent_hashes: 4,
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
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    PasswordPolicy(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        AuthError::Internal(e.to_string())
    }
}

impl From<InvalidToken> for AuthError {
    fn from(e: InvalidToken) -> Self {
        AuthError::InvalidToken(e.to_string())
    }
}

pub struct AuthService {
    store: Store,
    keys: KeyRing,
    settings: AuthSettings,
    hashing: Arc<Semaphore>,
    /// Verified against when the email is unknown, so both cases take the same time.
    dummy_hash: String,
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_opaque_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

impl AuthService {
    pub async fn new(
        store: Store,
        settings: AuthSettings,
        now: Timestamp,
    ) -> Result<AuthService, KeyError> {
        let keys = KeyRing::load_or_create(&store, now).await?;
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
        let hashing = Arc::new(Semaphore::new(settings.max_concurrent_hashes.max(1)));
        Ok(AuthService {
            store,
            keys,
            settings,
            hashing,
            dummy_hash,
        })
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    async fn verify_hash(&self, hash: String, password: &SecretString) -> Result<bool, AuthError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        let password = password.clone();
        tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    async fn audit(
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

    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        now: Timestamp,
    ) -> Result<LoginOutcome, AuthError> {
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
                let target = other.as_ref().map(|u| u.id.as_str());
                self.audit(
                    now,
                    target.unwrap_or("anonymous"),
                    "auth.login_failed",
                    target,
                    serde_json::json!({ "email": email.trim().to_lowercase() }),
                )
                .await?;
                return Err(AuthError::InvalidCredentials);
            }
        };
        if user.status == UserStatus::MustChangePassword {
            let session = self.sign(
                &user,
                "challenge",
                now,
                now,
                self.settings.challenge_ttl,
                Some(NEW_PASSWORD_REQUIRED),
            );
            self.audit(
                now,
                &user.id,
                "auth.challenge",
                Some(&user.id),
                serde_json::json!({ "challenge": NEW_PASSWORD_REQUIRED }),
            )
            .await?;
            return Ok(LoginOutcome::Challenge {
                challenge: NEW_PASSWORD_REQUIRED,
                session,
            });
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
            self.issue(&user, now, now, None).await?,
        ))
    }

    /// Answers NEW_PASSWORD_REQUIRED: sets the new password and signs in.
    pub async fn respond_new_password(
        &self,
        session: &str,
        new_password: &SecretString,
        now: Timestamp,
    ) -> Result<TokenSet, AuthError> {
        let claims = jwt::verify(
            &self.keys,
            session,
            &self.settings.issuer,
            &self.settings.audience,
            "challenge",
            now,
        )?;
        if claims.challenge.as_deref() != Some(NEW_PASSWORD_REQUIRED) {
            return Err(AuthError::InvalidToken(
                "not a NEW_PASSWORD_REQUIRED session".into(),
            ));
        }
        let user = self
            .store
            .user_by_id(&claims.sub)
            .await?
            .filter(|u| u.status == UserStatus::MustChangePassword);
        let Some(user) = user else {
            return Err(AuthError::InvalidToken(
                "the session no longer applies".into(),
            ));
        };
        let chars = new_password.expose_secret().chars().count();
        if chars < self.settings.min_password_len || chars > 99 {
            return Err(AuthError::PasswordPolicy(format!(
                "the new password must be {} to 99 characters",
                self.settings.min_password_len
            )));
        }
        let to_hash = new_password.clone();
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        let hash = tokio::task::spawn_blocking(move || hash_password(&to_hash))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        self.store
            .set_user_password(&user.id, &hash, UserStatus::Active, now)
            .await?;
        self.store.revoke_user_refresh_tokens(&user.id, now).await?;
        self.audit(
            now,
            &user.id,
            "auth.password_changed",
            Some(&user.id),
            serde_json::json!({ "via": NEW_PASSWORD_REQUIRED }),
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
            &self.keys,
            token,
            &self.settings.issuer,
            &self.settings.audience,
            "access",
            now,
        )?)
    }

    /// `auth_time` is the original sign-in, kept across refreshes (admin step-up reads it).
    fn sign(
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
        jwt::sign(&self.keys, &claims)
    }

    async fn issue(
        &self,
        user: &User,
        auth_time: Timestamp,
        now: Timestamp,
        family: Option<String>,
    ) -> Result<TokenSet, AuthError> {
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
