//! A change made at the command line reaches the scheduler of whichever replica holds the
//! target within a second: the CLI writes through the engine, which bumps the change counter
//! that every replica polls while it holds leases (the resync is minutes away).

use isched_testkit::{Backend, spawn_app_with};
use jiff::SignedDuration;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_override_is_acted_on_within_a_second_by_the_lease_holder() {
    // Postgres: the setup with several replicas.
    let Some(owner) = spawn_app_with(Backend::Postgres, |c| c.sandbox.transition_secs = 0).await
    else {
        return;
    };
    let admin = owner.admin_token().await;
    let period = json!({ "name": "all-day", "begintime": "00:00", "endtime": "23:59" });
    assert_eq!(
        owner
            .post("/api/v1/periods", Some(&admin), &period)
            .await
            .status(),
        201
    );
    let schedule = json!({ "name": "always", "timezone": "UTC", "periods": ["all-day"] });
    assert_eq!(
        owner
            .post("/api/v1/schedules", Some(&admin), &schedule)
            .await
            .status(),
        201
    );
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        owner.store.clone(),
        isched_cloud::sandbox::SandboxOptions {
            transition_delay: SignedDuration::ZERO,
            ..Default::default()
        },
    );
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "always".to_owned())]);
    let id = sandbox
        .seed("sandbox-1", 1, "t3.micro", &tags)
        .await
        .expect("seed")
        .remove(0);
    let key = format!("sandbox:sandbox:sandbox-1:{id}");

    let url = owner.db.url().to_owned();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        let url = url.clone();
        replicas.push(
            spawn_app_with(Backend::Postgres, move |c| {
                c.scheduler_enabled = true;
                c.sandbox.transition_secs = 0;
                c.lease_secs = 3;
                c.resync_secs = 600;
                c.database_url = secrecy::SecretString::from(url);
            })
            .await
            .expect("replica"),
        );
    }
    // A pass has seen the instance (it is in the inventory) before the change is made.
    let deadline = Instant::now() + Duration::from_secs(15);
    while owner
        .store
        .inventory_find(&id)
        .await
        .expect("inventory")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "no replica passed over {key}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let until = (jiff::Timestamp::now() + SignedDuration::from_hours(1)).to_string();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(["override", &id, "--stopped-until", &until])
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", &url)
        .output()
        .await
        .expect("isched runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = Instant::now();
    loop {
        let history = owner.store.history(&key).await.expect("history");
        if history
            .iter()
            .any(|e| e.action == "stop" && e.outcome == "ok")
        {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "not stopped within 1 s of the override: {history:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("stopped {:?} after the CLI returned", changed.elapsed());
    for r in replicas {
        r.stop().await;
    }
    owner.stop().await;
}
