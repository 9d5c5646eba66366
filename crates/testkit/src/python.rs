//! The project's Python virtualenv, which holds the servers tests start (moto, aiosmtpd).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `.venv` at the repository root, or `ISCHED_VENV`.
pub fn venv_bin(program: &str) -> PathBuf {
    let venv = std::env::var_os("ISCHED_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let path = venv.join("bin").join(program);
    assert!(
        path.exists(),
        "{} not found: the Python virtualenv for test servers is missing. \
         Run ./scripts/test (it creates .venv from scripts/requirements-test.lock), \
         or set ISCHED_VENV to an existing one.",
        path.display()
    );
    path
}

/// A free loopback port (bound and released; the server binds it right after).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A child process killed when dropped.
pub(crate) struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program args...` and waits until it accepts connections on `port`.
pub(crate) fn start_server(program: PathBuf, args: &[String], port: u16, what: &str) -> ChildGuard {
    let child = Command::new(&program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({}): {e}", program.display()));
    let mut guard = ChildGuard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = guard.0.try_wait() {
            panic!("{what} exited before accepting connections: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not accept connections on port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    guard
}
