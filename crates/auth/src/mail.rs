//! Email through SMTP (lettre): temporary passwords, one-time codes, and notices to admins.
//! Every message has a plain-text and an HTML part.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("email is not configured (set ISCHED_SMTP_URL)")]
    NotConfigured,
    #[error("invalid address {0:?}")]
    Address(String),
    /// The SMTP URL may carry a password, so only lettre's classification is kept.
    #[error("sending email failed: {0}")]
    Send(String),
}

/// A message to one recipient.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// When a send happened and whether it worked (the error text when not).
pub type SendOutcome = (jiff::Timestamp, Result<(), String>);

/// Sends email, or knows that it cannot (no SMTP configured).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    /// The outcome of the last send, for `/health/components`.
    last: std::sync::Arc<std::sync::Mutex<Option<SendOutcome>>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("configured", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    pub fn disabled() -> Mailer {
        Mailer {
            transport: None,
            from: "isched <isched@localhost>".parse().expect("static mailbox"),
            last: Default::default(),
        }
    }

    /// `smtp://HOST:PORT` (plain; `?tls=required` for STARTTLS) or `smtps://USER:PASS@HOST`.
    pub fn from_url(url: &SecretString, from: &str) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| {
                MailError::Send(if e.is_client() {
                    "invalid SMTP URL".into()
                } else {
                    "SMTP transport".into()
                })
            })?
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        Ok(Mailer {
            transport: Some(transport),
            from,
            last: Default::default(),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// When the last message was sent or failed, and how.
    pub fn last_outcome(&self) -> Option<SendOutcome> {
        self.last.lock().expect("mail outcome lock").clone()
    }

    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let result = self.send_once(email).await;
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        *self.last.lock().expect("mail outcome lock") = Some((jiff::Timestamp::now(), outcome));
        result
    }

    async fn send_once(&self, email: &Email) -> Result<(), MailError> {
        let Some(transport) = &self.transport else {
            return Err(MailError::NotConfigured);
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| MailError::Send(e.to_string()))?;
        transport.send(message).await.map_err(|e| {
            let kind = if e.is_permanent() {
                "the server refused the message"
            } else if e.is_transient() {
                "the server is temporarily unavailable"
            } else {
                "cannot reach the SMTP server"
            };
            MailError::Send(kind.into())
        })?;
        Ok(())
    }
}

/// `isched <isched@example.com>` or a bare address.
pub fn is_mailbox(s: &str) -> bool {
    s.trim().parse::<Mailbox>().is_ok()
}

/// Builds a message from paragraphs; `highlight` (a password or code) stands on its own
/// line so that it can be copied.
pub fn compose(
    to: &str,
    subject: &str,
    before: &[&str],
    highlight: Option<&str>,
    after: &[&str],
) -> Email {
    let mut text = String::new();
    let mut html = String::from("<!doctype html><html><body style=\"font-family:sans-serif\">");
    for p in before {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some(h) = highlight {
        text.push_str(&format!("    {h}\n\n"));
        html.push_str(&format!(
            "<p style=\"font-family:monospace;font-size:1.3em\"><strong>{}</strong></p>",
            escape(h)
        ));
    }
    for p in after {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    text.push_str("-- \nisched\n");
    html.push_str("<p style=\"color:#666\">isched</p></body></html>");
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// Text made safe to place in HTML (elements and double-quoted attributes).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_part_is_escaped() {
        let m = compose("a@b.c", "Hi", &["<script>"], Some("x&y"), &[]);
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(m.html.contains("x&amp;y"));
        assert!(m.text.contains("    x&y\n"));
    }

    #[test]
    fn debug_hides_the_transport() {
        let m = Mailer::from_url(
            &SecretString::from("smtp://user:hunter2@127.0.0.1:2525"),
            "isched <i@example.com>",
        )
        .expect("mailer");
        assert!(!format!("{m:?}").contains("hunter2"));
    }
}
