//! `isched serve` as a child process, for what needs a real process: killing it with
//! SIGKILL, or the `aws` provider configured from the environment as in production.

use crate::http::Http;
use crate::python::{ChildGuard, start_reporting};
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD};
use std::ops::Deref;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct ServeProcess {
    pub http: Http,
    child: ChildGuard,
}

impl ServeProcess {
    /// Starts `bin serve` on a loopback port of its choosing with the bootstrap admin of the tests,
    /// `configure` adding the rest (database, provider), and waits until `/health` answers.
    pub async fn start(bin: &str, configure: impl FnOnce(&mut Command)) -> ServeProcess {
        let mut cmd = Command::new(bin);
        // Port 0: the server binds a port the system picks and says which when it is up.
        cmd.arg("serve")
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_LISTEN", "127.0.0.1:0")
            .env("ISCHED_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ISCHED_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("ISCHED_LOG_LEVEL", "warn")
            .env("ISCHED_SANDBOX_DEMO", "false");
        configure(&mut cmd);
        let (guard, port) = start_reporting(cmd, false, port_announced, "isched serve");
        let process = ServeProcess {
            http: Http::new(format!("http://127.0.0.1:{port}")),
            child: guard,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = process.client.get(process.url("/health")).send().await
                && res.status().is_success()
            {
                return process;
            }
            assert!(
                Instant::now() < deadline,
                "isched serve did not answer /health within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, as a crash or an OOM kill.
    pub fn kill9(&mut self) {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
    }
}

impl Deref for ServeProcess {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

/// The port in `isched serve`'s announcement, `isched is running at http://127.0.0.1:PORT`.
fn port_announced(line: &str) -> Option<u16> {
    let url = line.split("isched is running at ").nth(1)?;
    let address = url.split_whitespace().next()?;
    address.rsplit_once(':')?.1.parse().ok()
}

/// Runs `command` (standard output discarded) until it exits, for a command that must
/// exit, such as `serve` refusing to start: its exit code and standard error. Killed after
/// `patience`, which gives no exit code.
pub fn exit_within(command: &mut Command, patience: Duration) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > patience {
            child.kill().expect("kill");
            child.wait().expect("reaped");
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (code, stderr)
}
