//! User management by administrators (create with a temporary password, reset, disable,
//! enable, delete, groups) and a user's own password change. Every change is audited.

use crate::mail::compose;
use crate::password::generate_password;
use crate::service::{AuthError, AuthService};
use isched_store::users::{NewUser, ROLE_ADMIN, ROLE_USER, User, UserStatus};
use isched_store::{Email, audit};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

/// A temporary password goes by email when SMTP is configured and the message was
/// accepted; otherwise it is returned here, to be shown to the admin once.
pub struct IssuedPassword {
    pub emailed: bool,
    pub temporary_password: Option<SecretString>,
}

/// Group names: lowercase letters, digits, `-` and `_`, 1 to 64 characters.
pub fn validate_groups(groups: &[String]) -> Result<Vec<String>, AuthError> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        let g = g.trim().to_lowercase();
        if g.is_empty()
            || g.len() > 64
            || !g
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(AuthError::InvalidRequest(format!(
                "groups: {g:?} is not a group name (a-z, 0-9, - and _, at most 64)"
            )));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out)
}

impl AuthService {
    /// Creates a user who must choose a password at first sign-in. Admins are told by
    /// email (as the AWS seeds do with SNS).
    pub async fn create_user(
        &self,
        actor: &User,
        email: &str,
        groups: Option<&[String]>,
        now: Timestamp,
    ) -> Result<(User, IssuedPassword), AuthError> {
        let email =
            Email::parse(email).map_err(|e| AuthError::InvalidRequest(format!("email: {e}")))?;
        let groups = match groups {
            Some(g) => validate_groups(g)?,
            None => vec![ROLE_USER.to_owned()],
        };
        let roles: Vec<&str> = groups.iter().map(String::as_str).collect();
        let password = generate_password();
        let hash = self.hash(&password).await?;
        let user = self
            .store
            .create_user(NewUser {
                email: &email,
                password_hash: Some(&hash),
                password_expires_at: Some(now + self.settings.temporary_password_ttl),
                email_verified: true,
                status: UserStatus::MustChangePassword,
                roles: &roles,
                now,
            })
            .await?;
        let issued = self
            .deliver_temporary_password(&user, password, "Your isched account")
            .await;
        self.audit(now, &actor.id, "user.created", Some(&user.id), serde_json::json!({ "email": user.email.as_str(), "groups": groups, "emailed": issued.emailed })).await?;
        Ok((user, issued))
    }

    /// Replaces the password with a new temporary one; sessions end.
    pub async fn reset_password(
        &self,
        actor: &User,
        user_id: &str,
        now: Timestamp,
    ) -> Result<IssuedPassword, AuthError> {
        let user = self.existing_user(user_id).await?;
        if user.status == UserStatus::Disabled {
            return Err(AuthError::Conflict(
                "the user is disabled; enable them first".into(),
            ));
        }
        let password = generate_password();
        let hash = self.hash(&password).await?;
        self.store
            .set_user_password(
                &user.id,
                &hash,
                UserStatus::MustChangePassword,
                Some(now + self.settings.temporary_password_ttl),
                now,
            )
            .await?;
        self.store.revoke_user_refresh_tokens(&user.id, now).await?;
        self.store.clear_login_failures(user.email.as_str()).await?;
        let issued = self
            .deliver_temporary_password(&user, password, "Your isched password was reset")
            .await;
        self.audit(
            now,
            &actor.id,
            "user.password_reset",
            Some(&user.id),
            serde_json::json!({ "emailed": issued.emailed }),
        )
        .await?;
        Ok(issued)
    }

    async fn deliver_temporary_password(
        &self,
        user: &User,
        password: SecretString,
        subject: &str,
    ) -> IssuedPassword {
        if self.mailer.is_configured() {
            let days = self.settings.temporary_password_ttl.as_hours() / 24;
            let message = compose(
                user.email.as_str(),
                subject,
                &[&format!(
                    "An administrator created an isched sign-in for {}. Your temporary password is:",
                    user.email.as_str()
                )],
                Some(password.expose_secret()),
                &[&format!(
                    "Sign in at {} within {days} days; you will be asked to choose your own password.",
                    self.settings.issuer
                )],
            );
            match self.mailer.send(&message).await {
                Ok(()) => {
                    return IssuedPassword {
                        emailed: true,
                        temporary_password: None,
                    };
                }
                Err(e) => {
                    tracing::warn!(error = %e, user = %user.id, "temporary password not emailed; returning it to the admin")
                }
            }
        }
        IssuedPassword {
            emailed: false,
            temporary_password: Some(password),
        }
    }

    /// Refuses a change that would leave no active admin.
    async fn keep_an_admin(&self, user: &User, what: &str) -> Result<(), AuthError> {
        if user.is_admin()
            && user.status != UserStatus::Disabled
            && self.store.count_users_with_role(ROLE_ADMIN).await? <= 1
        {
            return Err(AuthError::Conflict(format!(
                "cannot {what} the last active admin"
            )));
        }
        Ok(())
    }

    pub async fn set_disabled(
        &self,
        actor: &User,
        user_id: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<User, AuthError> {
        let user = self.existing_user(user_id).await?;
        if disabled {
            if user.id == actor.id {
                return Err(AuthError::Conflict("you cannot disable yourself".into()));
            }
            self.keep_an_admin(&user, "disable").await?;
            self.store
                .set_user_status(&user.id, UserStatus::Disabled, now)
                .await?;
            self.store.revoke_user_refresh_tokens(&user.id, now).await?;
        } else if user.status == UserStatus::Disabled {
            let status = if user.password_expires_at.is_some() {
                UserStatus::MustChangePassword
            } else {
                UserStatus::Active
            };
            self.store.set_user_status(&user.id, status, now).await?;
        }
        let action = if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        };
        self.audit(
            now,
            &actor.id,
            action,
            Some(&user.id),
            serde_json::json!({}),
        )
        .await?;
        self.existing_user(user_id).await
    }

    pub async fn delete_user(
        &self,
        actor: &User,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let user = self.existing_user(user_id).await?;
        if user.id == actor.id {
            return Err(AuthError::Conflict("you cannot delete yourself".into()));
        }
        self.keep_an_admin(&user, "delete").await?;
        self.store.delete_user(&user.id).await?;
        self.audit(
            now,
            &actor.id,
            "user.deleted",
            Some(&user.id),
            serde_json::json!({ "email": user.email.as_str() }),
        )
        .await?;
        Ok(())
    }

    pub async fn set_groups(
        &self,
        actor: &User,
        user_id: &str,
        groups: &[String],
        now: Timestamp,
    ) -> Result<User, AuthError> {
        let user = self.existing_user(user_id).await?;
        let groups = validate_groups(groups)?;
        if !groups.iter().any(|g| g == ROLE_ADMIN) {
            self.keep_an_admin(&user, "remove the admin group from")
                .await?;
        }
        self.store.set_user_roles(&user.id, &groups, now).await?;
        self.audit(
            now,
            &actor.id,
            "user.groups_changed",
            Some(&user.id),
            serde_json::json!({ "from": user.roles, "to": groups }),
        )
        .await?;
        self.existing_user(user_id).await
    }

    /// A signed-in user changes their own password; their other sessions end. A wrong
    /// current password counts towards the lockout, so a stolen token cannot be used to
    /// guess it.
    pub async fn change_password(
        &self,
        user: &User,
        current: &SecretString,
        new: &SecretString,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        self.settings
            .policy
            .check(new.expose_secret())
            .map_err(|v| AuthError::PasswordPolicy(v.to_string()))?;
        let hash = user.password_hash.clone().ok_or_else(|| {
            AuthError::Conflict(
                "this account signs in through an external identity provider".into(),
            )
        })?;
        let email = user.email.as_str();
        self.check_lockout(email, now).await?;
        if !self.verify_hash(hash, current).await? {
            self.login_failed(email, Some(&user.id), "wrong current password", now)
                .await?;
            return Err(AuthError::Forbidden(
                "current_password is not the current password".into(),
            ));
        }
        self.set_own_password(&user.id, new, "change", now).await?;
        Ok(())
    }

    /// The audit log, newest first (admin dashboards).
    pub async fn audit_log(
        &self,
        limit: u32,
        before: Option<i64>,
        filter: &audit::AuditFilter,
    ) -> Result<Vec<audit::AuditEntry>, AuthError> {
        Ok(self
            .store
            .list_audit_filtered(limit, before, filter)
            .await?)
    }
}
