//! Provisioning throughput on the sandbox (issue F): jobs per second from the first create
//! request to the last finished job, with 1 and 3 replicas of isched on one Postgres
//! database, requests spread over the replicas.
//! Run: `cargo bench -p isched-testkit --bench provisioning` (`ISCHED_BENCH_JOBS=N`).

use futures_util::StreamExt;
use isched_testkit::{Backend, TestApp, spawn_app_with};
use serde_json::json;
use std::time::{Duration, Instant};

async fn replica(url: Option<String>) -> Option<TestApp> {
    spawn_app_with(Backend::Postgres, move |c| {
        c.sandbox.transition_secs = 0;
        // One issuer for all replicas, so that a token works on each.
        c.public_url = Some("http://isched.test".into());
        if let Some(url) = url {
            c.database_url = secrecy::SecretString::from(url);
        }
    })
    .await
}

#[tokio::main]
async fn main() {
    let jobs: usize = std::env::var("ISCHED_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    println!(
        "{:<9} {:>6} {:>10} {:>10}",
        "replicas", "jobs", "seconds", "jobs/s"
    );
    for replicas in [1usize, 3] {
        let Some(first) = replica(None).await else {
            eprintln!("Postgres is not available");
            return;
        };
        let mut apps = vec![first];
        for _ in 1..replicas {
            let url = apps[0].db.url().to_owned();
            apps.push(replica(Some(url)).await.expect("replica"));
        }
        let admin = apps[0].admin_token().await;
        apps[0].office_schedule(&admin).await;
        let template = json!({ "name": "dev", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "office" });
        assert_eq!(
            apps[0]
                .post("/api/v1/templates", Some(&admin), &template)
                .await
                .status(),
            201
        );
        let user = apps[0]
            .user_token(&admin, "dev@isched.test", "dev-password-1")
            .await;

        let started = Instant::now();
        futures_util::stream::iter(0..jobs)
            .map(|n| {
                let app = &apps[n % replicas];
                let user = &user;
                async move {
                    let res = app
                        .post(
                            "/api/v1/instances",
                            Some(user),
                            &json!({ "template": "dev", "name": format!("box-{n}") }),
                        )
                        .await;
                    assert_eq!(res.status(), 202);
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await;
        while apps[0].store.open_jobs().await.expect("jobs") > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{replicas:<9} {jobs:>6} {seconds:>10.2} {:>10.1}",
            jobs as f64 / seconds
        );
        for app in apps.into_iter().rev() {
            app.stop().await;
        }
    }
}
