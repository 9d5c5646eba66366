//! Notices from the scheduler to people: email through the sign-in service's mailer (to a
//! resource's owner, else to every active admin) and a webhook. Webhook bodies are signed
//! with HMAC-SHA256 (`X-Isched-Signature: sha256=HEX`) so that a receiver can tell they
//! come from this isched. Failures are logged and counted, never fatal to a pass.

use hmac::{Hmac, Mac};
use isched_auth::mail::{Mailer, compose};
use isched_store::Store;
use secrecy::{ExposeSecret, SecretString};
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
    http: reqwest::Client,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.emails())
            .field("webhook", &self.webhook.as_ref().map(|w| &w.url))
            .finish()
    }
}

/// The header a webhook receiver checks.
pub const SIGNATURE_HEADER: &str = "X-Isched-Signature";

/// `sha256=HEX` of HMAC-SHA256(secret, body).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
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
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    fn emails(&self) -> bool {
        self.mail.is_some()
    }

    /// Whether any notice can reach anyone (reminders are not computed otherwise).
    pub fn is_active(&self) -> bool {
        self.emails() || self.webhook.is_some()
    }

    /// Sends by email and webhook; true if at least one way worked.
    pub async fn send(&self, notice: &Notice) -> bool {
        let mailed = self.email(notice).await;
        let posted = self.post(notice).await;
        let ok = mailed || posted;
        metrics::counter!("isched_notices_total", "event" => notice.event, "outcome" => if ok { "sent" } else { "failed" })
            .increment(1);
        ok
    }

    async fn email(&self, notice: &Notice) -> bool {
        let Some((mailer, store)) = &self.mail else {
            return false;
        };
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
                    return false;
                }
            },
        };
        let paragraphs: Vec<&str> = notice.paragraphs.iter().map(String::as_str).collect();
        let mut any = false;
        for to in recipients {
            let email = compose(
                &to,
                &notice.subject,
                &paragraphs,
                notice.link.as_deref(),
                &[],
            );
            match mailer.send(&email).await {
                Ok(()) => any = true,
                Err(e) => tracing::warn!(error = %e, event = notice.event, "notice email not sent"),
            }
        }
        any
    }

    async fn post(&self, notice: &Notice) -> bool {
        let Some(hook) = &self.webhook else {
            return false;
        };
        let body = serde_json::to_vec(&serde_json::json!({
            "event": notice.event,
            "subject": notice.subject,
            "text": notice.paragraphs.join("\n\n"),
            "link": notice.link,
            "resource": notice.resource,
            "to": notice.owner.as_deref().unwrap_or("admins"),
        }))
        .unwrap_or_default();
        let mut request = self
            .http
            .post(&hook.url)
            .header("content-type", "application/json");
        if let Some(secret) = &hook.secret {
            request = request.header(SIGNATURE_HEADER, signature(secret.expose_secret(), &body));
        }
        match request.body(body).send().await {
            Ok(r) if r.status().is_success() => true,
            // The URL may carry a token: only its status is logged.
            Ok(r) => {
                tracing::warn!(status = %r.status(), event = notice.event, "webhook refused the notice");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e.without_url(), event = notice.event, "webhook not reached");
                false
            }
        }
    }
}
