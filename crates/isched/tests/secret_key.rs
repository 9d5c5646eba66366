//! `isched serve` refuses to start when a stored signing key does not open with the
//! configured secret key, says which key and which secret, and changes nothing; with the
//! right secret it starts.

use isched_testkit::{ServeProcess, exit_within};
use std::process::{Command, Output};
use std::time::Duration;

const SECRET: &str = "the-secret-key-that-sealed-the-signing-key";
const OTHER: &str = "some-other-secret-key-of-enough-characters";

fn isched(db: &str, secret: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_isched"));
    c.args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", db)
        .env("ISCHED_SECRET_KEY", secret)
        .env("ISCHED_LISTEN", "127.0.0.1:0")
        .env("ISCHED_SANDBOX_DEMO", "false")
        .env("ISCHED_SCHEDULER_ENABLED", "false");
    c
}

/// Runs `serve`, which must exit (within a minute, else it is killed and the test fails).
fn serve_until_exit(db: &str, secret: &str) -> (Option<i32>, String) {
    exit_within(&mut isched(db, secret, &["serve"]), Duration::from_secs(60))
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_sealed_under_another_secret_stops_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("isched.db").display());
    // `isched keys rotate` stores a new signing key sealed under SECRET.
    let out = ok(isched(&db, SECRET, &["keys", "rotate"])
        .output()
        .expect("runs"));
    let kid = out
        .split_whitespace()
        .nth(3)
        .expect("the new key's id")
        .trim_end_matches(';')
        .to_owned();

    let (code, stderr) = serve_until_exit(&db, OTHER);
    assert_eq!(code, Some(1), "exits at once, with 1: {stderr}");
    assert!(stderr.contains(&kid), "names the key: {stderr}");
    assert!(
        stderr.contains("ISCHED_SECRET_KEY_PREVIOUS"),
        "says what to set: {stderr}"
    );
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(OTHER),
        "{stderr}"
    );

    // The right secret starts it (`start` waits for /health), and its keys sign tokens.
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_isched"), |c| {
        c.env("ISCHED_DATABASE_URL", &db)
            .env("ISCHED_SECRET_KEY", SECRET);
    })
    .await;
    let jwks: serde_json::Value = server
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("a JWK set");
    assert_eq!(jwks["keys"][0]["kid"], kid.as_str(), "{jwks}");
}
