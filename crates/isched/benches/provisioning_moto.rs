//! The latency isched adds to a launch (issue F), on moto: the time from `POST
//! /api/v1/instances` to its job's success, against the same cloud calls made directly
//! with the SDK (CreateKeyPair, RunInstances with tags, DescribeInstances until it runs).
//! Sequential runs, so that each figure is one request's latency, not a queue's.
//! Run: `cargo bench -p isched --bench provisioning_moto` (`ISCHED_BENCH_RUNS=N`).

use aws_sdk_ec2::types::{
    InstanceStateName, InstanceType, KeyType, ResourceType, Tag, TagSpecification,
};
use isched_testkit::{Moto, ServeProcess, isched_on_aws, sdk_config_for};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const IMAGE: &str = "ami-12c6146b";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let p50 = percentile(&times, 0.5);
    println!(
        "{name:<18} {:>5} {p50:>9.1} {:>9.1} {:>9.1}",
        times.len(),
        percentile(&times, 0.9),
        percentile(&times, 1.0)
    );
    p50
}

/// The cloud's own part: what a launch costs without isched.
async fn direct(ec2: &aws_sdk_ec2::Client, n: usize) -> Duration {
    let started = Instant::now();
    let key = format!("direct-{n}");
    ec2.create_key_pair()
        .key_name(&key)
        .key_type(KeyType::Ed25519)
        .send()
        .await
        .expect("key pair");
    let launched = ec2
        .run_instances()
        .image_id(IMAGE)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .key_name(&key)
        .client_token(format!("direct-token-{n}"))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(
                    Tag::builder()
                        .key("isched:instance")
                        .value(format!("direct-{n}"))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("run instances");
    let id = launched.instances()[0]
        .instance_id()
        .expect("id")
        .to_owned();
    loop {
        let seen = ec2
            .describe_instances()
            .instance_ids(&id)
            .send()
            .await
            .expect("describe");
        let state = seen.reservations()[0].instances()[0]
            .state()
            .and_then(|s| s.name())
            .cloned();
        if state == Some(InstanceStateName::Running) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn through_isched(app: &ServeProcess, user: &str, n: usize) -> Duration {
    let started = Instant::now();
    let created: Value = app
        .post(
            "/api/v1/instances",
            Some(user),
            &json!({ "template": "linux", "name": format!("box-{n}") }),
        )
        .await
        .json()
        .await
        .expect("json");
    let job = created["job"]["id"].as_str().expect("job").to_owned();
    loop {
        let seen: Value = app
            .client
            .get(app.url(&format!("/api/v1/jobs/{job}")))
            .bearer_auth(user)
            .send()
            .await
            .expect("job")
            .json()
            .await
            .expect("json");
        match seen["state"].as_str() {
            Some("succeeded") => return started.elapsed(),
            Some("failed") => panic!("job failed: {seen}"),
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("ISCHED_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let moto = Moto::start();
    let ec2 = aws_sdk_ec2::Client::new(&sdk_config_for(&moto.endpoint, "us-east-1").await);
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("isched.db").display());
    let app = ServeProcess::start(env!("CARGO_BIN_EXE_isched"), |c| {
        isched_on_aws(c, &moto.endpoint, "us-east-1");
        c.env("ISCHED_DATABASE_URL", &db)
            .env("ISCHED_SCHEDULER_ENABLED", "false");
    })
    .await;
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "linux", "image": IMAGE, "instance_types": ["t3.micro"], "schedule": "office" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = app
        .user_token(&admin, "dev@isched.test", "dev-password-1")
        .await;
    // Warm both paths (connections, moto's lazy set-up) before measuring.
    direct(&ec2, usize::MAX).await;
    through_isched(&app, &user, usize::MAX).await;

    println!(
        "{:<18} {:>5} {:>9} {:>9} {:>9}",
        "path", "runs", "p50 ms", "p90 ms", "max ms"
    );
    let mut cloud = Vec::new();
    let mut ours = Vec::new();
    for n in 0..runs {
        cloud.push(direct(&ec2, n).await);
        ours.push(through_isched(&app, &user, n).await);
    }
    let a = report("sdk directly", cloud);
    let b = report("through isched", ours);
    println!("isched adds {:.1} ms at the median", b - a);
}
