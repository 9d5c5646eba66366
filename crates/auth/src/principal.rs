//! Who a bearer token speaks for: isched's own access tokens, personal access tokens, and
//! tokens of trusted external issuers all resolve to a local, active user.

use crate::pat::PAT_PREFIX;
use crate::service::{AuthError, AuthService};
use isched_store::users::{User, UserStatus};
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token from signing in to isched.
    Session,
    PersonalAccessToken {
        id: String,
        scopes: Vec<String>,
    },
    External {
        issuer: String,
    },
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// When the user last entered their password (admin step-up reads it).
    pub auth_time: Option<Timestamp>,
    pub credential: Credential,
}

impl Principal {
    /// The token allows changes (not a read-only personal access token).
    pub fn may_write(&self) -> bool {
        match &self.credential {
            Credential::PersonalAccessToken { scopes, .. } => {
                scopes.iter().any(|s| s == "write" || s == "admin")
            }
            _ => true,
        }
    }
}

impl AuthService {
    pub async fn authenticate_bearer(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Principal, AuthError> {
        let (user_id, auth_time, credential) = if token.starts_with(PAT_PREFIX) {
            let pat = self.personal_access_token(token, now).await?;
            (
                pat.user_id,
                None,
                Credential::PersonalAccessToken {
                    id: pat.id,
                    scopes: pat.scopes,
                },
            )
        } else if let Some(external) = self.external_issuer_of(token) {
            let (user_id, auth_time) = self.authenticate_external(external, token, now).await?;
            (
                user_id,
                auth_time,
                Credential::External {
                    issuer: external.issuer.clone(),
                },
            )
        } else {
            self.reload_keys_if_older(SignedDuration::from_mins(1), now)
                .await?;
            let claims = match self.authenticate(token, now) {
                // A key rotated in the last minute (maybe on another replica): reread, at
                // most every 10 seconds, and try once more.
                Err(AuthError::InvalidToken(m)) if m.contains("unknown key id") => {
                    self.reload_keys_if_older(SignedDuration::from_secs(10), now)
                        .await?;
                    self.authenticate(token, now)?
                }
                other => other?,
            };
            (
                claims.sub,
                Timestamp::from_second(claims.auth_time).ok(),
                Credential::Session,
            )
        };
        let user = self
            .store
            .user_by_id(&user_id)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let user =
            user.ok_or_else(|| AuthError::InvalidToken("the account is not active".into()))?;
        Ok(Principal {
            user,
            auth_time,
            credential,
        })
    }
}
