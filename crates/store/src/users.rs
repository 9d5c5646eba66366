//! User accounts and their roles.

use crate::time::{from_ms, to_ms};
use crate::{Email, Store, StoreError, on_pool};
use jiff::Timestamp;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Signed in with a temporary or generated password that must be changed first.
    MustChangePassword,
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::MustChangePassword => "must_change_password",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    fn parse(s: &str) -> Result<UserStatus, StoreError> {
        match s {
            "must_change_password" => Ok(UserStatus::MustChangePassword),
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(StoreError::Corrupt(format!("user status {other:?}"))),
        }
    }
}

pub const ROLE_ADMIN: &str = "admin";
pub const ROLE_USER: &str = "user";

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub email: Email,
    /// PHC string (argon2id); `None` for users who only sign in through an external issuer.
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub roles: Vec<String>,
    /// A temporary password stops working at this instant.
    pub password_expires_at: Option<Timestamp>,
    pub email_verified_at: Option<Timestamp>,
    /// TOTP is enrolled and required at sign-in.
    pub mfa_enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == ROLE_ADMIN)
    }

    /// An admin who can act and be told things (notices go to these).
    pub fn is_active_admin(&self) -> bool {
        self.status == UserStatus::Active && self.is_admin()
    }
}

/// The hash is kept out of Debug output so that it never reaches a log.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("status", &self.status)
            .field("roles", &self.roles)
            .field("mfa_enabled", &self.mfa_enabled)
            .finish()
    }
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: Option<&'a str>,
    /// For a temporary password.
    pub password_expires_at: Option<Timestamp>,
    /// False for self-registered users until they confirm the code sent to them.
    pub email_verified: bool,
    pub status: UserStatus,
    pub roles: &'a [&'a str],
    pub now: Timestamp,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    password_hash: Option<String>,
    status: String,
    password_expires_at: Option<i64>,
    email_verified_at: Option<i64>,
    totp_enabled_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    fn into_user(self, roles: Vec<String>) -> Result<User, StoreError> {
        Ok(User {
            email: Email::parse(&self.email).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            status: UserStatus::parse(&self.status)?,
            password_expires_at: self.password_expires_at.map(from_ms).transpose()?,
            email_verified_at: self.email_verified_at.map(from_ms).transpose()?,
            mfa_enabled: self.totp_enabled_at.is_some(),
            created_at: from_ms(self.created_at)?,
            updated_at: from_ms(self.updated_at)?,
            id: self.id,
            password_hash: self.password_hash,
            roles,
        })
    }
}

/// `SELECT` of every user column; sqlx wants SQL as literals, so this is a macro.
macro_rules! select_user {
    ($where:literal) => {
        concat!(
            "SELECT id, email, password_hash, status, password_expires_at, email_verified_at, \
             totp_enabled_at, created_at, updated_at FROM users WHERE ",
            $where
        )
    };
}

impl Store {
    /// Creates a user with its roles in one transaction. A taken email is `Conflict`.
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = to_ms(new.now);
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, status, password_expires_at, email_verified_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $6, $7, $5, $5)",
            )
            .bind(&id)
            .bind(new.email.as_str())
            .bind(new.password_hash)
            .bind(new.status.as_str())
            .bind(now)
            .bind(new.password_expires_at.map(to_ms))
            .bind(new.email_verified.then_some(now))
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("a user with this email"))?;
            for role in new.roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(&id)
                    .bind(*role)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.user_by_id(&id)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, |p| sqlx::query_as(select_user!("id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        self.with_roles(row).await
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            on_pool!(self, |p| sqlx::query_as(select_user!("lower(email) = $1"))
                .bind(email.as_str())
                .fetch_optional(p)
                .await)?;
        self.with_roles(row).await
    }

    pub async fn count_users_with_role(&self, role: &str) -> Result<i64, StoreError> {
        let count: (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id \
             WHERE r.role = $1 AND u.status <> 'disabled'"
        )
        .bind(role)
        .fetch_one(p)
        .await)?;
        Ok(count.0)
    }

    pub async fn set_user_status(
        &self,
        id: &str,
        status: UserStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(status.as_str())
        .bind(to_ms(now))
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// Every user, oldest first.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_pool!(self, |p| sqlx::query_as(select_user!(
            "1 = 1 ORDER BY created_at, id"
        ))
        .fetch_all(p)
        .await)?;
        let roles: Vec<(String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id, role FROM user_roles ORDER BY role"
        )
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|row| {
                let mine = roles
                    .iter()
                    .filter(|(u, _)| *u == row.id)
                    .map(|(_, r)| r.clone())
                    .collect();
                row.into_user(mine)
            })
            .collect()
    }

    /// Deletes the user; their tokens, codes and identities go with them (cascade).
    pub async fn delete_user(&self, id: &str) -> Result<(), StoreError> {
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// Replaces the user's groups.
    pub async fn set_user_roles(
        &self,
        id: &str,
        roles: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
                .bind(to_ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("user"));
            }
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for role in roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets a password hash and status; `expires_at` is set for temporary passwords and
    /// cleared otherwise.
    pub async fn set_user_password(
        &self,
        user_id: &str,
        password_hash: &str,
        status: UserStatus,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE users SET password_hash = $1, status = $2, password_expires_at = $3, updated_at = $4 WHERE id = $5"
        )
        .bind(password_hash)
        .bind(status.as_str())
        .bind(expires_at.map(to_ms))
        .bind(to_ms(now))
        .bind(user_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    pub async fn set_email_verified(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2"
        )
        .bind(to_ms(now))
        .bind(id)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    async fn with_roles(&self, row: Option<UserRow>) -> Result<Option<User>, StoreError> {
        let Some(row) = row else { return Ok(None) };
        let roles: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role"
        )
        .bind(&row.id)
        .fetch_all(p)
        .await)?;
        row.into_user(roles.into_iter().map(|(r,)| r).collect())
            .map(Some)
    }
}
