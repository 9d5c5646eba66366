//! What sign-in needs beyond users and tokens: failed-login counters, one-time codes,
//! TOTP secrets, recovery codes, personal access tokens, external identities.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::fmt;

/// The outcome of presenting a one-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Matched; the code is consumed.
    Accepted,
    /// Did not match; this many attempts remain (0: the code is gone).
    Rejected { attempts_left: i64 },
    /// No live code (never sent, expired, used up).
    Missing,
}

#[derive(Clone)]
pub struct PersonalAccessToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl fmt::Debug for PersonalAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalAccessToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct PatRow {
    id: String,
    user_id: String,
    name: String,
    scopes: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl PatRow {
    fn into_token(self) -> Result<PersonalAccessToken, StoreError> {
        Ok(PersonalAccessToken {
            scopes: self
                .scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: from_ms(self.created_at)?,
            expires_at: from_ms(self.expires_at)?,
            last_used_at: self.last_used_at.map(from_ms).transpose()?,
            revoked_at: self.revoked_at.map(from_ms).transpose()?,
            id: self.id,
            user_id: self.user_id,
            name: self.name,
        })
    }
}

macro_rules! select_pat {
    ($where:literal) => {
        concat!(
            "SELECT id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at \
             FROM personal_access_tokens WHERE ",
            $where
        )
    };
}

impl Store {
    /// The instant until which sign-in for this email is refused, if it is in the future.
    pub async fn login_locked_until(
        &self,
        email: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let row: Option<(Option<i64>,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT locked_until FROM login_failures WHERE email = $1"
        )
        .bind(email)
        .fetch_optional(p)
        .await)?;
        match row.and_then(|(t,)| t) {
            Some(t) if t > to_ms(now) => Ok(Some(from_ms(t)?)),
            _ => Ok(None),
        }
    }

    /// Counts a failed sign-in and returns the number of consecutive failures so far.
    pub async fn record_login_failure(
        &self,
        email: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO login_failures (email, failures, updated_at) VALUES ($1, 1, $2) \
             ON CONFLICT (email) DO UPDATE SET failures = login_failures.failures + 1, updated_at = $2 \
             RETURNING failures"
        )
        .bind(email)
        .bind(to_ms(now))
        .fetch_one(p)
        .await
        })?;
        Ok(n)
    }

    pub async fn lock_login(&self, email: &str, until: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE login_failures SET locked_until = $1 WHERE email = $2"
        )
        .bind(to_ms(until))
        .bind(email)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, email: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM login_failures WHERE email = $1"
        )
        .bind(email)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Stores a new code for (user, purpose), replacing any earlier one.
    pub async fn put_one_time_code(
        &self,
        user_id: &str,
        purpose: &str,
        code_hash: &str,
        expires_at: Timestamp,
        attempts: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO one_time_codes (user_id, purpose, code_hash, expires_at, attempts_left, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = $3, expires_at = $4, attempts_left = $5, created_at = $6"
        )
        .bind(user_id)
        .bind(purpose)
        .bind(code_hash)
        .bind(to_ms(expires_at))
        .bind(attempts)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Checks a code: a match consumes it; a miss costs an attempt, and the last miss
    /// deletes it.
    pub async fn check_one_time_code(
        &self,
        user_id: &str,
        purpose: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<CodeCheck, StoreError> {
        let consumed = on_pool!(self, |p| sqlx::query(
            "DELETE FROM one_time_codes WHERE user_id = $1 AND purpose = $2 AND code_hash = $3 \
             AND expires_at > $4 AND attempts_left > 0"
        )
        .bind(user_id)
        .bind(purpose)
        .bind(code_hash)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if consumed == 1 {
            return Ok(CodeCheck::Accepted);
        }
        let left: Option<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "UPDATE one_time_codes SET attempts_left = attempts_left - 1 \
             WHERE user_id = $1 AND purpose = $2 AND expires_at > $3 AND attempts_left > 0 \
             RETURNING attempts_left"
        )
        .bind(user_id)
        .bind(purpose)
        .bind(to_ms(now))
        .fetch_optional(p)
        .await)?;
        on_pool!(self, |p| {
            sqlx::query(
            "DELETE FROM one_time_codes WHERE user_id = $1 AND purpose = $2 AND (attempts_left <= 0 OR expires_at <= $3)"
        )
        .bind(user_id)
        .bind(purpose)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(match left {
            Some((n,)) => CodeCheck::Rejected { attempts_left: n },
            None => CodeCheck::Missing,
        })
    }

    /// The user's TOTP secret (base32) and whether enrolment is complete.
    pub async fn totp_secret(&self, user_id: &str) -> Result<Option<(String, bool)>, StoreError> {
        let row: Option<(Option<String>, Option<i64>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1"
        )
        .bind(user_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.and_then(|(s, e)| s.map(|s| (s, e.is_some()))))
    }

    /// Starts an enrolment (`enabled_at` None) or clears TOTP (`secret` None).
    pub async fn set_totp(
        &self,
        user_id: &str,
        secret: Option<&str>,
        enabled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = NULL, updated_at = $3 WHERE id = $4"
        )
        .bind(secret)
        .bind(enabled_at.map(to_ms))
        .bind(to_ms(now))
        .bind(user_id)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn enable_totp(&self, user_id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE users SET totp_enabled_at = $1, updated_at = $1 WHERE id = $2 AND totp_secret IS NOT NULL")
            .bind(to_ms(now))
            .bind(user_id)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Records that the TOTP code of time step `step` was used; false if that step (or a
    /// later one) was already used, which makes the code a replay.
    pub async fn accept_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"
        )
        .bind(step)
        .bind(user_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Replaces the user's recovery codes.
    pub async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for h in code_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Spends a recovery code; false if it is unknown or already used.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL"
        )
        .bind(to_ms(now))
        .bind(user_id)
        .bind(code_hash)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    pub async fn insert_personal_access_token(
        &self,
        t: &PersonalAccessToken,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&t.id)
        .bind(&t.user_id)
        .bind(&t.name)
        .bind(token_hash)
        .bind(t.scopes.join(" "))
        .bind(to_ms(t.created_at))
        .bind(to_ms(t.expires_at))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// A live (unrevoked, unexpired) token by hash, marking it used.
    pub async fn use_personal_access_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        let row: Option<PatRow> = on_pool!(self, |p| sqlx::query_as(select_pat!(
            "token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(token_hash)
        .bind(to_ms(now))
        .fetch_optional(p)
        .await)?;
        let Some(row) = row else { return Ok(None) };
        on_pool!(self, |p| sqlx::query(
            "UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2"
        )
        .bind(to_ms(now))
        .bind(&row.id)
        .execute(p)
        .await
        .map(|_| ()))?;
        row.into_token().map(Some)
    }

    pub async fn list_personal_access_tokens(
        &self,
        user_id: &str,
    ) -> Result<Vec<PersonalAccessToken>, StoreError> {
        let rows: Vec<PatRow> = on_pool!(self, |p| sqlx::query_as(select_pat!(
            "user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(PatRow::into_token).collect()
    }

    /// Revokes one of the user's tokens; NotFound if they have no such token.
    pub async fn revoke_personal_access_token(
        &self,
        user_id: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3"
        )
        .bind(to_ms(now))
        .bind(id)
        .bind(user_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::NotFound("personal access token"));
        }
        Ok(())
    }

    pub async fn revoke_user_personal_access_tokens(
        &self,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "UPDATE personal_access_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
        )
        .bind(to_ms(now))
        .bind(user_id)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The local user an external (issuer, subject) maps to.
    pub async fn external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2"
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(u,)| u))
    }

    pub async fn link_external_identity(
        &self,
        issuer: &str,
        subject: &str,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO external_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (issuer, subject) DO NOTHING"
        )
        .bind(issuer)
        .bind(subject)
        .bind(user_id)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
