//! What crash trials share: a seed for their random kill moments that a failed run prints
//! and `ISCHED_CRASH_SEED` replays, and a look inside a SQLite file after a crash.

use std::path::Path;
use std::process::Command;

/// `ISCHED_CRASH_SEED` when set, else the clock; printed, so that a failure can be replayed.
pub fn crash_seed() -> u64 {
    let seed = std::env::var("ISCHED_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| jiff::Timestamp::now().as_millisecond() as u64);
    eprintln!("ISCHED_CRASH_SEED={seed}");
    seed
}

/// The first column of the first row of `sql` on the SQLite file `file`, read by Python's
/// own sqlite3 (another SQLite than the one that wrote it), such as
/// `pragma integrity_check`.
pub fn sqlite_scalar(file: &Path, sql: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])",
        ])
        .arg(file)
        .arg(sql)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
