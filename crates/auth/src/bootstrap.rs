//! The first administrator. If no active admin exists, one is created: with the configured
//! password (active), or with a generated one that the caller shows once and that must be
//! changed at first sign-in.

use crate::password::{generate_password, hash_password};
use isched_store::audit::{NewAuditEntry, SYSTEM_ACTOR};
use isched_store::users::{NewUser, ROLE_ADMIN, UserStatus};
use isched_store::{Email, Store, StoreError};
use jiff::Timestamp;
use secrecy::SecretString;

#[derive(Debug)]
pub enum Bootstrap {
    /// An admin exists; nothing was done.
    AdminExists,
    /// Created with the configured password.
    Created { email: Email },
    /// Created with this generated password, to be shown once.
    CreatedWithGeneratedPassword {
        email: Email,
        password: SecretString,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] crate::password::HashError),
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error(
        "the bootstrap admin {0} exists but is not an active admin; fix it with `isched users`"
    )]
    EmailTaken(Email),
}

pub async fn ensure_admin(
    store: &Store,
    email: &Email,
    password: Option<&SecretString>,
    now: Timestamp,
) -> Result<Bootstrap, BootstrapError> {
    if store.count_users_with_role(ROLE_ADMIN).await? > 0 {
        return Ok(Bootstrap::AdminExists);
    }
    let (password, generated) = match password {
        Some(p) => (p.clone(), false),
        None => (generate_password(), true),
    };
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&to_hash)).await??;
    let status = if generated {
        UserStatus::MustChangePassword
    } else {
        UserStatus::Active
    };
    let user = match store
        .create_user(NewUser {
            email,
            password_hash: Some(&hash),
            password_expires_at: None,
            email_verified: true,
            status,
            roles: &[ROLE_ADMIN],
            now,
        })
        .await
    {
        Ok(u) => u,
        Err(StoreError::Conflict(_)) => return Err(BootstrapError::EmailTaken(email.clone())),
        Err(e) => return Err(e.into()),
    };
    store
        .append_audit(NewAuditEntry {
            at: now,
            actor: SYSTEM_ACTOR,
            action: "user.bootstrap_admin",
            target: Some(&user.id),
            detail: serde_json::json!({ "email": email.as_str(), "generated_password": generated }),
        })
        .await?;
    tracing::info!(email = %email, generated_password = generated, "created bootstrap admin");
    Ok(if generated {
        Bootstrap::CreatedWithGeneratedPassword {
            email: email.clone(),
            password,
        }
    } else {
        Bootstrap::Created {
            email: email.clone(),
        }
    })
}
