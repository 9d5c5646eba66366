//! A real SMTP server (aiosmtpd) on a free loopback port that stores what it receives in a
//! maildir, so tests read the message that was actually sent.

use crate::python::{ChildGuard, start_test_server};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    pub host: String,
    pub port: u16,
    maildir: tempfile::TempDir,
    _child: ChildGuard,
}

/// A received message, raw (RFC 5322) as the server stored it.
#[derive(Debug, Clone)]
pub struct Message {
    pub raw: String,
}

impl Message {
    /// The first value of a header, e.g. `Subject`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\n\n").next().unwrap_or("");
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

impl Message {
    /// The decoded text/plain part (quoted-printable or base64 as the sender chose).
    pub fn text(&self) -> String {
        let start = self.raw.find("Content-Type: text/plain").unwrap_or(0);
        let part = &self.raw[start..];
        let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
        let body = body.split("\n--").next().unwrap_or(body);
        let encoding = head.to_ascii_lowercase();
        if encoding.contains("content-transfer-encoding: quoted-printable") {
            let decoded =
                quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust)
                    .unwrap_or_default();
            String::from_utf8_lossy(&decoded).replace("\r\n", "\n")
        } else if encoding.contains("content-transfer-encoding: base64") {
            let compact: String = body.split_whitespace().collect();
            let decoded =
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact)
                    .unwrap_or_default();
            String::from_utf8_lossy(&decoded).replace("\r\n", "\n")
        } else {
            body.to_owned()
        }
    }

    /// The indented line of the text part: the password or code the message carries.
    pub fn highlighted(&self) -> Option<String> {
        self.text()
            .lines()
            .find(|l| l.starts_with("    "))
            .map(|l| l.trim().to_owned())
    }

    pub fn to(&self) -> String {
        self.header("To").unwrap_or_default()
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let maildir = tempfile::tempdir().expect("maildir");
        let dir = maildir.path().join("mail");
        let (child, port) =
            start_test_server(&["smtp", &dir.display().to_string()], "the SMTP sink");
        SmtpSink {
            host: "127.0.0.1".into(),
            port,
            maildir,
            _child: child,
        }
    }

    /// `smtp://127.0.0.1:PORT`, for `ISCHED_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}:{}", self.host, self.port)
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Message> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail").join(sub)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            // Maildir names start `SECONDS.M<MICROSECONDS>P...`; order by that instant.
            paths.sort_by_key(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut parts = name.split('.');
                let secs: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                let micros: u64 = parts
                    .next()
                    .and_then(|m| m.strip_prefix('M'))
                    .and_then(|m| m.split('P').next())
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(0);
                (secs, micros, name)
            });
            out.extend(
                paths
                    .iter()
                    .filter_map(|p| std::fs::read_to_string(p).ok())
                    .map(|raw| Message {
                        raw: raw.replace("\r\n", "\n"),
                    }),
            );
        }
        out
    }

    /// Waits up to `timeout` for at least `n` messages to `to`; returns those.
    pub async fn wait_for_to(&self, to: &str, n: usize, timeout: Duration) -> Vec<Message> {
        let deadline = Instant::now() + timeout;
        loop {
            let m: Vec<Message> = self
                .messages()
                .into_iter()
                .filter(|m| m.to().contains(to))
                .collect();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to `timeout` for at least `n` messages.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Message> {
        let deadline = Instant::now() + timeout;
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
