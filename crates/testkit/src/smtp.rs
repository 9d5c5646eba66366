//! A real SMTP server (aiosmtpd) on a free loopback port that stores what it receives in a
//! maildir, so tests read the message that was actually sent.

use crate::python::{ChildGuard, free_port, start_server, venv_bin};
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

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let port = free_port();
        let maildir = tempfile::tempdir().expect("maildir");
        let dir = maildir.path().join("mail");
        let child = start_server(
            venv_bin("python"),
            &[
                "-m".into(),
                "aiosmtpd".into(),
                "-n".into(),
                "-l".into(),
                format!("127.0.0.1:{port}"),
                "-c".into(),
                "aiosmtpd.handlers.Mailbox".into(),
                dir.display().to_string(),
            ],
            port,
            "aiosmtpd",
        );
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
            paths.sort();
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
