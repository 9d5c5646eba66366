//! Personal access tokens for the CLI and automation: named, scoped, expiring, stored
//! hashed, revocable. Shown once at creation.

use crate::service::{AuthError, AuthService, hash_token, new_opaque_token};
use isched_store::identity::PersonalAccessToken;
use isched_store::users::User;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;

/// Tokens carry a recognisable prefix so that secret scanners and isched itself can tell
/// them from JWTs.
pub const PAT_PREFIX: &str = "isched_pat_";
pub const MAX_PAT_DAYS: i64 = 366;
pub const DEFAULT_PAT_DAYS: i64 = 90;

/// `read`: GET only. `write`: everything the user may do. `admin`: also admin routes,
/// without the step-up (automation has no one to re-enter a password), admins only.
pub const SCOPES: [&str; 3] = ["read", "write", "admin"];

pub struct NewPersonalAccessToken {
    pub token: SecretString,
    pub info: PersonalAccessToken,
}

impl AuthService {
    pub async fn create_personal_access_token(
        &self,
        user: &User,
        name: &str,
        scopes: &[String],
        days: Option<i64>,
        now: Timestamp,
    ) -> Result<NewPersonalAccessToken, AuthError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AuthError::InvalidRequest(
                "name: must be 1 to 100 characters".into(),
            ));
        }
        if scopes.is_empty() {
            return Err(AuthError::InvalidRequest(format!(
                "scopes: give at least one of {}",
                SCOPES.join(", ")
            )));
        }
        for s in scopes {
            if !SCOPES.contains(&s.as_str()) {
                return Err(AuthError::InvalidRequest(format!(
                    "scopes: {s:?} is not one of {}",
                    SCOPES.join(", ")
                )));
            }
        }
        if scopes.iter().any(|s| s == "admin") && !user.is_admin() {
            return Err(AuthError::Forbidden(
                "only admins can create tokens with the admin scope".into(),
            ));
        }
        let days = days.unwrap_or(DEFAULT_PAT_DAYS);
        if !(1..=MAX_PAT_DAYS).contains(&days) {
            return Err(AuthError::InvalidRequest(format!(
                "expires_in_days: must be 1 to {MAX_PAT_DAYS}"
            )));
        }
        let token = format!("{PAT_PREFIX}{}", new_opaque_token());
        let info = PersonalAccessToken {
            id: uuid::Uuid::now_v7().to_string(),
            user_id: user.id.clone(),
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            created_at: now,
            expires_at: now + SignedDuration::from_hours(24 * days),
            last_used_at: None,
            revoked_at: None,
        };
        self.store
            .insert_personal_access_token(&info, &hash_token(&token))
            .await?;
        self.audit(
            now,
            &user.id,
            "auth.token_created",
            Some(&info.id),
            serde_json::json!({ "name": info.name, "scopes": info.scopes }),
        )
        .await?;
        Ok(NewPersonalAccessToken {
            token: SecretString::from(token),
            info,
        })
    }

    pub async fn revoke_personal_access_token(
        &self,
        user: &User,
        id: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        self.store
            .revoke_personal_access_token(&user.id, id, now)
            .await?;
        self.audit(
            now,
            &user.id,
            "auth.token_revoked",
            Some(id),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn personal_access_token(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<PersonalAccessToken, AuthError> {
        self.store
            .use_personal_access_token(&hash_token(token), now)
            .await?
            .ok_or_else(|| {
                AuthError::InvalidToken("the access token is unknown, revoked or expired".into())
            })
    }
}
