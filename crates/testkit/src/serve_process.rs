//! `isched serve` as a child process, for what needs a real process: killing it with
//! SIGKILL, or the `aws` provider configured from the environment as in production.

use crate::http::Http;
use crate::python::free_port;
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD};
use std::ops::Deref;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServeProcess {
    pub http: Http,
    child: Child,
}

impl ServeProcess {
    /// Starts `bin serve` on a free loopback port with the bootstrap admin of the tests,
    /// `configure` adding the rest (database, provider), and waits until `/health` answers.
    pub async fn start(bin: &str, configure: impl FnOnce(&mut Command)) -> ServeProcess {
        let port = free_port();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_LISTEN", format!("127.0.0.1:{port}"))
            .env("ISCHED_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ISCHED_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("ISCHED_LOG_LEVEL", "warn")
            .env("ISCHED_SANDBOX_DEMO", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        configure(&mut cmd);
        let child = cmd.spawn().expect("isched serve starts");
        let mut process = ServeProcess {
            http: Http::new(format!("http://127.0.0.1:{port}")),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = process.client.get(process.url("/health")).send().await
                && res.status().is_success()
            {
                return process;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("isched serve exited before it answered /health: {status}");
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Deref for ServeProcess {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
