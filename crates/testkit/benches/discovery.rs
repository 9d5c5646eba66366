//! Discovery at fleet scale: 10,000 sandbox instances (SQLite, and Postgres when reachable)
//! and 2,000 EC2 instances on moto; wall time (median of several runs) and API calls per
//! discovery. Run: `cargo bench -p isched-testkit --bench discovery`.

use isched_cloud::aws::{AwsProvider, AwsSettings};
use isched_cloud::sandbox::{SandboxOptions, SandboxProvider};
use isched_cloud::{Provider, TagFilter, Target};
use isched_store::Store;
use isched_testkit::{Backend, Moto, TestDb};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

async fn median_of<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        std::hint::black_box(f().await);
        times.push(start.elapsed());
    }
    times.sort();
    times[RUNS / 2]
}

async fn sandbox(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        println!("sandbox on {backend:?}: skipped (unavailable)");
        return;
    };
    let store = Store::connect(db.url()).await.expect("store");
    let p = SandboxProvider::new(store.clone(), SandboxOptions::default());
    let tags: BTreeMap<String, String> = [("Schedule".to_owned(), "office".to_owned())].into();
    let seed = Instant::now();
    p.seed("sandbox-1", 10_000, "t3.medium", &tags)
        .await
        .expect("seed");
    let seeded = seed.elapsed();
    let target = Target {
        account: "sandbox".into(),
        region: "sandbox-1".into(),
    };
    let filter = TagFilter::keys(&["Schedule"]);
    let t =
        median_of(|| async { p.discover(&target, &filter).await.expect("discover").len() }).await;
    println!(
        "sandbox on {backend:?}: seed 10,000 in {seeded:.2?}; discover 10,000: median {t:.2?} (1 query)"
    );
    store.close().await;
}

async fn moto() {
    let moto = Moto::start();
    let config = moto.sdk_config("us-east-1").await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let tagged = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(aws_sdk_ec2::types::ResourceType::Instance)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Schedule")
                .value("office")
                .build(),
        )
        .build();
    for _ in 0..4 {
        ec2.run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(500)
            .max_count(500)
            .tag_specifications(tagged.clone())
            .send()
            .await
            .expect("run instances");
    }
    // 200 untagged beside them, which discovery must not return.
    ec2.run_instances()
        .image_id("ami-12c6146b")
        .min_count(200)
        .max_count(200)
        .send()
        .await
        .expect("run untagged");
    let p = AwsProvider::new(config, AwsSettings::default());
    let target = p.targets().await.expect("targets").remove(0);
    let filter = TagFilter::keys(&["Schedule"]);
    let found = p.discover(&target, &filter).await.expect("discover").len();
    let before = p.api_calls();
    let t =
        median_of(|| async { p.discover(&target, &filter).await.expect("discover").len() }).await;
    let calls = (p.api_calls() - before) as f64 / RUNS as f64;
    println!(
        "aws on moto: discover {found} of 2,200 instances: median {t:.2?}, {calls} API calls per discovery"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would too, but nothing else.
    sandbox(Backend::Sqlite).await;
    sandbox(Backend::Postgres).await;
    moto().await;
}
