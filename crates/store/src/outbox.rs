//! The notice outbox: each notice is written here, one row per channel and recipient,
//! before anyone tries to deliver it, so a restart or a receiver that is down loses
//! nothing. A row is claimed by pushing its `next_attempt_at` past the attempt (with
//! `FOR UPDATE SKIP LOCKED` on Postgres, so replicas never deliver the same row at once).

use crate::time::{from_ms, to_ms};
use crate::{Pool, Store, StoreError, on_pool};
use jiff::Timestamp;

/// How a notice travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Result<Channel, StoreError> {
        match s {
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            other => Err(StoreError::Corrupt(format!("outbox channel {other:?}"))),
        }
    }
}

/// A notice to write: `payload` is the notice as JSON (never a secret).
#[derive(Debug, Clone)]
pub struct NewOutboxItem<'a> {
    pub channel: Channel,
    /// The email address for email; None for the webhook.
    pub recipient: Option<&'a str>,
    pub event: &'a str,
    pub payload: &'a str,
}

/// A row being delivered by the worker that claimed it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub channel: Channel,
    pub recipient: Option<String>,
    pub event: String,
    pub payload: String,
    pub created_at: Timestamp,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

type Row = (i64, String, Option<String>, String, String, i64, i64);

fn item(row: Row) -> Result<OutboxItem, StoreError> {
    let (id, channel, recipient, event, payload, created_at, attempts) = row;
    Ok(OutboxItem {
        id,
        channel: Channel::parse(&channel)?,
        recipient,
        event,
        payload,
        created_at: from_ms(created_at)?,
        attempts,
    })
}

macro_rules! returning {
    () => {
        " RETURNING id, channel, recipient, event, payload, created_at, attempts"
    };
}

/// The due rows to claim; `$lock` is empty on SQLite, which takes one writer at a time.
/// The outer conditions repeat the inner ones so that Postgres re-checks them on a row
/// another transaction changed meanwhile.
macro_rules! claim_due {
    ($lock:literal) => {
        concat!(
            "UPDATE notice_outbox SET next_attempt_at = $2, attempts = attempts + 1 \
             WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $1 \
             AND id IN (SELECT id FROM notice_outbox WHERE delivered_at IS NULL \
               AND gave_up_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id \
               LIMIT $3 ",
            $lock,
            ")",
            returning!()
        )
    };
}

impl Store {
    /// Writes notices already claimed for a first attempt by the caller until
    /// `claimed_until`; if the caller dies first, any worker delivers them after that.
    pub async fn enqueue_notices(
        &self,
        items: &[NewOutboxItem<'_>],
        now: Timestamp,
        claimed_until: Timestamp,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            let row: Row = on_pool!(self, |p| sqlx::query_as(concat!(
                "INSERT INTO notice_outbox (channel, recipient, event, payload, created_at, \
                 next_attempt_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, 1)",
                returning!()
            ))
            .bind(i.channel.as_str())
            .bind(i.recipient)
            .bind(i.event)
            .bind(i.payload)
            .bind(to_ms(now))
            .bind(to_ms(claimed_until))
            .fetch_one(p)
            .await)?;
            out.push(item(row)?);
        }
        Ok(out)
    }

    /// Claims up to `limit` rows whose next attempt is due, until `claimed_until`.
    pub async fn claim_due_notices(
        &self,
        now: Timestamp,
        claimed_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let rows: Vec<Row> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(claim_due!(""))
                    .bind(to_ms(now))
                    .bind(to_ms(claimed_until))
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(claim_due!("FOR UPDATE SKIP LOCKED"))
                    .bind(to_ms(now))
                    .bind(to_ms(claimed_until))
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
        };
        rows.into_iter().map(item).collect()
    }

    pub async fn notice_delivered(&self, id: i64, at: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE notice_outbox SET delivered_at = $2, last_error = NULL WHERE id = $1"
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// A failed attempt: tried again at `retry_at`, or never (`None`: given up at `now`).
    pub async fn notice_failed(
        &self,
        id: i64,
        now: Timestamp,
        retry_at: Option<Timestamp>,
        error: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE notice_outbox SET last_error = $2, \
             next_attempt_at = COALESCE($3, next_attempt_at), gave_up_at = $4 WHERE id = $1"
        )
        .bind(id)
        .bind(error)
        .bind(retry_at.map(to_ms))
        .bind(retry_at.is_none().then(|| to_ms(now)))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Rows not yet delivered nor given up (a health figure).
    pub async fn pending_notices(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT COUNT(*) FROM notice_outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL"
        )
        .fetch_one(p)
        .await
        })?;
        Ok(n)
    }
}

impl Store {
    /// True the first time `key` is marked, false ever after: for notices that go out
    /// once per period whichever replica sees the reason first.
    pub async fn mark_notice_once(&self, key: &str, at: Timestamp) -> Result<bool, StoreError> {
        let done = on_pool!(self, |p| sqlx::query(
            "INSERT INTO notice_marks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
        )
        .bind(key)
        .bind(to_ms(at))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
