//! Signing keys and refresh tokens.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::fmt;

#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: String,
    pub private_key_pem: String,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

/// The private key stays out of Debug output.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    algorithm: String,
    private_key_pem: String,
    created_at: i64,
    retired_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: String,
    pub user_id: String,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    token_hash: String,
    family_id: String,
    user_id: String,
    auth_time: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Valid: it is now spent; issue its successor in the same family.
    Spent(RefreshToken),
    /// Already spent: a replay. Its whole family has been revoked.
    Reused {
        user_id: String,
        family_id: String,
    },
    Revoked,
    Expired,
    Unknown,
}

impl Store {
    /// Every signing key, newest first.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let rows: Vec<KeyRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT kid, algorithm, private_key_pem, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid"
        )
        .fetch_all(p)
        .await
        })?;
        rows.into_iter()
            .map(|r| {
                Ok(SigningKey {
                    created_at: from_ms(r.created_at)?,
                    retired_at: r.retired_at.map(from_ms).transpose()?,
                    kid: r.kid,
                    algorithm: r.algorithm,
                    private_key_pem: r.private_key_pem,
                })
            })
            .collect()
    }

    pub async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO signing_keys (kid, algorithm, private_key_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&key.kid)
        .bind(&key.algorithm)
        .bind(&key.private_key_pem)
        .bind(to_ms(key.created_at))
        .bind(key.retired_at.map(to_ms))
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(StoreError::unique("a signing key with this id"))
    }

    /// Replaces the stored form of a key's private half (sealed again under a new secret).
    pub async fn reseal_signing_key(&self, kid: &str, stored: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE signing_keys SET private_key_pem = $2 WHERE kid = $1"
        )
        .bind(kid)
        .bind(stored)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Retires every signing key but `kid`, and forgets keys retired before `forget_before`
    /// (no token they signed can still be valid).
    pub async fn retire_signing_keys_except(
        &self,
        kid: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL"
        )
        .bind(to_ms(now))
        .bind(kid)
        .execute(p)
        .await
        .map(|_| ()))?;
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1"
        )
        .bind(to_ms(forget_before))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn insert_refresh_token(&self, t: &RefreshToken) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&t.token_hash)
        .bind(&t.family_id)
        .bind(&t.user_id)
        .bind(to_ms(t.auth_time))
        .bind(to_ms(t.created_at))
        .bind(to_ms(t.expires_at))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Spends a refresh token. Spending is a conditional update, so of two concurrent uses
    /// exactly one wins and the other is a reuse.
    pub async fn use_refresh_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<RefreshUse, StoreError> {
        let row: Option<RefreshRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT token_hash, family_id, user_id, auth_time, created_at, expires_at, used_at, revoked_at \
             FROM refresh_tokens WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await
        })?;
        let Some(row) = row else {
            return Ok(RefreshUse::Unknown);
        };
        if row.revoked_at.is_some() {
            return Ok(RefreshUse::Revoked);
        }
        if row.used_at.is_none() && row.expires_at <= to_ms(now) {
            return Ok(RefreshUse::Expired);
        }
        let won = row.used_at.is_none()
            && on_pool!(self, |p| {
                sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL")
                .bind(to_ms(now))
                .bind(token_hash)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
            })? == 1;
        if !won {
            self.revoke_refresh_family(&row.family_id, now).await?;
            return Ok(RefreshUse::Reused {
                user_id: row.user_id,
                family_id: row.family_id,
            });
        }
        Ok(RefreshUse::Spent(RefreshToken {
            auth_time: from_ms(row.auth_time)?,
            created_at: from_ms(row.created_at)?,
            expires_at: from_ms(row.expires_at)?,
            token_hash: row.token_hash,
            family_id: row.family_id,
            user_id: row.user_id,
        }))
    }

    pub async fn revoke_refresh_family(
        &self,
        family_id: &str,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |p| sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL"
        )
        .bind(to_ms(now))
        .bind(family_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Revokes the family of the token with this hash (logout); false if there is none.
    pub async fn revoke_refresh_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let family: Option<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        match family {
            Some((f,)) => self.revoke_refresh_family(&f, now).await.map(|_| true),
            None => Ok(false),
        }
    }

    /// Revokes every refresh token of a user (password change, disable).
    pub async fn revoke_user_refresh_tokens(
        &self,
        user_id: &str,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |p| sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
        )
        .bind(to_ms(now))
        .bind(user_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
