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

/// Starts `program args...`, which binds a port the system picks and reports it: `port_of`
/// finds it in a line of the child's standard output (`stdout`) or standard error. Waits
/// for that line; the child's other lines go on to this process's standard error.
pub(crate) fn start_reporting(
    mut command: Command,
    stdout: bool,
    port_of: fn(&str) -> Option<u16>,
    what: &str,
) -> (ChildGuard, u16) {
    use std::io::BufRead;
    command.stdin(Stdio::null());
    if stdout {
        command.stdout(Stdio::piped()).stderr(Stdio::null());
    } else {
        command.stdout(Stdio::null()).stderr(Stdio::piped());
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let pipe: Box<dyn std::io::Read + Send> = if stdout {
        Box::new(child.stdout.take().expect("stdout"))
    } else {
        Box::new(child.stderr.take().expect("stderr"))
    };
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads to the end, so that the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut found = false;
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            match port_of(&line) {
                Some(port) if !found => {
                    found = true;
                    let _ = tx.send(port);
                }
                _ => eprintln!("{line}"),
            }
        }
    });
    let mut guard = ChildGuard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(port) => return (guard, port),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = guard.0.try_wait() {
                    panic!("{what} exited before it reported its port: {status}");
                }
                assert!(
                    Instant::now() < deadline,
                    "{what} did not report its port within 30 s"
                );
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let status = guard.0.wait();
                panic!("{what} closed its output without reporting its port: {status:?}");
            }
        }
    }
}

/// One of scripts/test_servers.py's servers: `PORT n` on its first line.
pub(crate) fn start_test_server(args: &[&str], what: &str) -> (ChildGuard, u16) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test_servers.py");
    let mut command = Command::new(venv_bin("python"));
    command.arg(script).args(args);
    start_reporting(
        command,
        true,
        |line| line.strip_prefix("PORT ")?.trim().parse().ok(),
        what,
    )
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
