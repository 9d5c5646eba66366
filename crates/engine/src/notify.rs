//! Notices from the scheduler to people: email through the sign-in service's mailer (to a
//! resource's owner, else to every active admin) and a webhook. Webhook bodies are signed
//! with HMAC-SHA256 (`X-Isched-Signature: sha256=HEX`) so that a receiver can tell they
//! come from this isched.
//!
//! With a store, every notice goes through the durable outbox (one row per channel and
//! recipient): it is written first, tried at once, and a failed attempt is retried with
//! backoff by whichever replica's job runner finds it due, across restarts, for about a
//! day. Failures are logged and counted, never fatal to a pass.

use hmac::{Hmac, Mac};
use isched_auth::mail::{Mailer, compose};
use isched_store::Store;
use isched_store::outbox::{Channel, NewOutboxItem, OutboxItem};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where webhook notices go.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    /// Signs each body; receivers verify `X-Isched-Signature`.
    pub secret: Option<SecretString>,
}

/// One notice: a subject, some paragraphs, an optional link that stands on its own line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    /// What happened: `reminder`, `start_failed`, `instance_created`, `instance_ready` (to
    /// the owner), `instance_failed`, `instance_terminated`.
    pub event: &'static str,
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub link: Option<String>,
    /// The resource's `provider:account:region:id`.
    pub resource: Option<String>,
    /// The owner's email; None sends to the admins.
    #[serde(skip)]
    pub owner: Option<String>,
}

#[derive(Clone)]
pub struct Notifier {
    /// With the store that knows the admins; None sends no email.
    mail: Option<(Mailer, Store)>,
    webhook: Option<Webhook>,
    /// Where notices wait for delivery; None tries each once, at once.
    outbox: Option<Store>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.emails())
            .field("webhook", &self.webhook.as_ref().map(|w| &w.url))
            .field("outbox", &self.outbox.is_some())
            .finish()
    }
}

/// The header a webhook receiver checks.
pub const SIGNATURE_HEADER: &str = "X-Isched-Signature";

/// Attempts per notice and channel before it is given up (about a day of retries).
pub const MAX_ATTEMPTS: i64 = 30;
/// How long one attempt may take before another worker may try the same row.
const ATTEMPT_CLAIM: SignedDuration = SignedDuration::from_secs(60);
const FIRST_RETRY: SignedDuration = SignedDuration::from_secs(5);
const LONGEST_RETRY: SignedDuration = SignedDuration::from_hours(1);

/// The wait after the `attempts`-th failed attempt: 5 s, tripled each time, at most an hour.
pub fn retry_delay(attempts: i64) -> SignedDuration {
    let mut delay = FIRST_RETRY;
    for _ in 1..attempts.max(1) {
        delay = delay.saturating_mul(3);
        if delay >= LONGEST_RETRY {
            return LONGEST_RETRY;
        }
    }
    delay
}

/// `sha256=HEX` of HMAC-SHA256(secret, body).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// An email as it waits in the outbox.
#[derive(Serialize, Deserialize)]
struct EmailPayload {
    subject: String,
    paragraphs: Vec<String>,
    link: Option<String>,
}

/// A webhook body, stored as the exact bytes that are signed and posted.
#[derive(Serialize)]
struct WebhookBody<'a> {
    event: &'a str,
    subject: &'a str,
    text: String,
    link: Option<&'a str>,
    resource: Option<&'a str>,
    to: &'a str,
}

/// One delivery: a channel, a recipient, and the payload as stored.
struct Delivery {
    channel: Channel,
    recipient: Option<String>,
    payload: String,
}

impl Notifier {
    /// Nobody to tell: reminders are off and failures only logged.
    pub fn silent() -> Notifier {
        Notifier::new(None, None)
    }

    pub fn new(mail: Option<(Mailer, Store)>, webhook: Option<Webhook>) -> Notifier {
        Notifier {
            mail: mail.filter(|(m, _)| m.is_configured()),
            webhook,
            outbox: None,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    /// Keeps notices in `store`'s outbox until they are delivered.
    pub fn with_outbox(mut self, store: Store) -> Notifier {
        self.outbox = Some(store);
        self
    }

    fn emails(&self) -> bool {
        self.mail.is_some()
    }

    /// Whether any notice can reach anyone (reminders are not computed otherwise).
    pub fn is_active(&self) -> bool {
        self.emails() || self.webhook.is_some()
    }

    /// Sends by email and webhook; true if at least one way worked or waits in the outbox
    /// for a retry.
    pub async fn send(&self, notice: &Notice) -> bool {
        let deliveries = self.deliveries(notice).await;
        if deliveries.is_empty() {
            return false;
        }
        let now = Timestamp::now();
        let mut ok = false;
        let queued = match &self.outbox {
            Some(store) => {
                let rows: Vec<NewOutboxItem<'_>> = deliveries
                    .iter()
                    .map(|d| NewOutboxItem {
                        channel: d.channel,
                        recipient: d.recipient.as_deref(),
                        event: notice.event,
                        payload: &d.payload,
                    })
                    .collect();
                match store.enqueue_notices(&rows, now, now + ATTEMPT_CLAIM).await {
                    Ok(items) => Some(items),
                    Err(e) => {
                        tracing::warn!(error = %e, event = notice.event, "cannot write notices to the outbox; trying once");
                        None
                    }
                }
            }
            None => None,
        };
        match queued {
            Some(items) => {
                for item in &items {
                    // Delivered now, or waiting for a retry: either way it will arrive.
                    self.attempt(item).await;
                    ok = true;
                }
            }
            None => {
                for d in &deliveries {
                    ok |= self
                        .deliver(d.channel, d.recipient.as_deref(), &d.payload)
                        .await
                        .is_ok();
                }
            }
        }
        metrics::counter!("isched_notices_total", "event" => notice.event, "outcome" => if ok { "sent" } else { "failed" })
            .increment(1);
        ok
    }

    /// Delivers what is due in the outbox (retries, and first attempts a dead process
    /// left); returns how many rows it tried.
    pub async fn deliver_due(&self) -> usize {
        let Some(store) = &self.outbox else {
            return 0;
        };
        let mut tried = 0;
        loop {
            let now = Timestamp::now();
            let items = match store.claim_due_notices(now, now + ATTEMPT_CLAIM, 50).await {
                Ok(items) => items,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the notice outbox");
                    return tried;
                }
            };
            if items.is_empty() {
                return tried;
            }
            for item in &items {
                self.attempt(item).await;
            }
            tried += items.len();
        }
    }

    /// One attempt at a claimed outbox row, and its outcome written back.
    async fn attempt(&self, item: &OutboxItem) {
        let Some(store) = &self.outbox else {
            return;
        };
        let outcome = self
            .deliver(item.channel, item.recipient.as_deref(), &item.payload)
            .await;
        let now = Timestamp::now();
        let written = match outcome {
            Ok(()) => store.notice_delivered(item.id, now).await,
            Err(error) => {
                let retry_at =
                    (item.attempts < MAX_ATTEMPTS).then(|| now + retry_delay(item.attempts));
                if retry_at.is_none() {
                    tracing::error!(event = %item.event, channel = item.channel.as_str(), attempts = item.attempts, %error, "notice given up");
                    metrics::counter!("isched_notices_given_up_total").increment(1);
                }
                store.notice_failed(item.id, now, retry_at, &error).await
            }
        };
        if let Err(e) = written {
            // The claim runs out and the row is tried again: at worst a duplicate.
            tracing::warn!(error = %e, "cannot record a notice attempt");
        }
    }

    /// The deliveries a notice makes: an email to its owner or to each active admin, and
    /// the webhook.
    async fn deliveries(&self, notice: &Notice) -> Vec<Delivery> {
        let mut out = Vec::new();
        if let Some((_, store)) = &self.mail {
            let recipients: Vec<String> = match &notice.owner {
                Some(owner) => vec![owner.clone()],
                None => match store.list_users().await {
                    Ok(users) => users
                        .into_iter()
                        .filter(|u| u.is_active_admin())
                        .map(|u| u.email.as_str().to_owned())
                        .collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot list admins to notify");
                        Vec::new()
                    }
                },
            };
            let payload = serde_json::to_string(&EmailPayload {
                subject: notice.subject.clone(),
                paragraphs: notice.paragraphs.clone(),
                link: notice.link.clone(),
            })
            .expect("an email payload serialises");
            out.extend(recipients.into_iter().map(|to| Delivery {
                channel: Channel::Email,
                recipient: Some(to),
                payload: payload.clone(),
            }));
        }
        if self.webhook.is_some() {
            let payload = serde_json::to_string(&WebhookBody {
                event: notice.event,
                subject: &notice.subject,
                text: notice.paragraphs.join("\n\n"),
                link: notice.link.as_deref(),
                resource: notice.resource.as_deref(),
                to: notice.owner.as_deref().unwrap_or("admins"),
            })
            .expect("a webhook body serialises");
            out.push(Delivery {
                channel: Channel::Webhook,
                recipient: None,
                payload,
            });
        }
        out
    }

    /// One attempt; the error says why, without secrets (no webhook URL, which may carry
    /// a token).
    async fn deliver(
        &self,
        channel: Channel,
        recipient: Option<&str>,
        payload: &str,
    ) -> Result<(), String> {
        match channel {
            Channel::Email => {
                let (Some((mailer, _)), Some(to)) = (&self.mail, recipient) else {
                    return Err("email is not configured".into());
                };
                let p: EmailPayload = serde_json::from_str(payload)
                    .map_err(|e| format!("stored email unreadable: {e}"))?;
                let paragraphs: Vec<&str> = p.paragraphs.iter().map(String::as_str).collect();
                let email = compose(to, &p.subject, &paragraphs, p.link.as_deref(), &[]);
                mailer.send(&email).await.map_err(|e| {
                    tracing::warn!(error = %e, "notice email not sent");
                    e.to_string()
                })
            }
            Channel::Webhook => {
                let Some(hook) = &self.webhook else {
                    return Err("no webhook is configured".into());
                };
                let mut request = self
                    .http
                    .post(&hook.url)
                    .header("content-type", "application/json");
                if let Some(secret) = &hook.secret {
                    request = request.header(
                        SIGNATURE_HEADER,
                        signature(secret.expose_secret(), payload.as_bytes()),
                    );
                }
                match request.body(payload.to_owned()).send().await {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => {
                        tracing::warn!(status = %r.status(), "webhook refused the notice");
                        Err(format!("webhook answered {}", r.status()))
                    }
                    Err(e) => {
                        let e = e.without_url();
                        tracing::warn!(error = %e, "webhook not reached");
                        Err(format!("webhook not reached: {e}"))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let secs: Vec<i64> = (1..=7).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [5, 15, 45, 135, 405, 1215, 3600]);
        assert_eq!(retry_delay(MAX_ATTEMPTS).as_secs(), 3600);
    }
}
