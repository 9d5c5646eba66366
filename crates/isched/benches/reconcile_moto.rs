//! The budget of issue E on moto: one `isched reconcile --once` that stops 2,000 tagged EC2
//! instances (200 untagged beside them) should spend at most 0.24 s of CPU in the isched
//! process and make at most 10 AWS API requests in all. The real binary runs as a child
//! process (its CPU is read from /proc/self/stat once it has been waited for); every request passes through a counting proxy
//! in front of moto. Run: `cargo bench -p isched --bench reconcile_moto`.

use aws_sdk_ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use isched_testkit::{FaultProxy, Moto, isched_on_aws};
use std::process::Command;
use std::time::{Duration, Instant};

const TAGGED: i32 = 2_000;
const CPU_BUDGET: Duration = Duration::from_millis(240);
const CALL_BUDGET: usize = 10;

/// User + system CPU of the children this process has waited for: `cutime` and `cstime`
/// of /proc/self/stat (Linux), in clock ticks of 10 ms (USER_HZ is 100 on Linux).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields[i - 3].parse::<u64>().expect("ticks");
    Duration::from_millis((ticks(16) + ticks(17)) * 10)
}

async fn fleet(moto: &Moto) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config("us-east-1").await);
    let tagged = TagSpecification::builder()
        .resource_type(ResourceType::Instance)
        .tags(Tag::builder().key("Schedule").value("office-hours").build())
        .build();
    for _ in 0..TAGGED / 500 {
        ec2.run_instances()
            .image_id("ami-12c6146b")
            .instance_type(InstanceType::T3Micro)
            .min_count(500)
            .max_count(500)
            .tag_specifications(tagged.clone())
            .send()
            .await
            .expect("run tagged instances");
    }
    ec2.run_instances()
        .image_id("ami-12c6146b")
        .min_count(200)
        .max_count(200)
        .send()
        .await
        .expect("run untagged instances");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let moto = Moto::start();
    fleet(&moto).await;
    let proxy = FaultProxy::start(&moto.endpoint, 0, "").await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("isched.db").display());
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/schedules.yaml");
    let isched = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_isched"));
        command
            .args(args)
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_DATABASE_URL", &db);
        isched_on_aws(&mut command, &proxy.endpoint, "us-east-1");
        command.output().expect("isched runs")
    };
    let import = isched(&["schedules", "import", examples]);
    assert!(import.status.success(), "{import:?}");

    let calls_before = proxy.forwarded();
    let cpu_before = children_cpu();
    let started = Instant::now();
    // A Saturday: outside office hours, so every running instance is stopped.
    let out = isched(&[
        "reconcile",
        "--once",
        "--at",
        "2026-11-28T12:00:00-05:00",
        "--format",
        "json",
    ]);
    let wall = started.elapsed();
    let cpu = children_cpu() - cpu_before;
    let calls = proxy.forwarded() - calls_before;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stopped = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(r#""action":"stop""#) && l.contains(r#""outcome":"ok""#))
        .count();
    assert_eq!(stopped, TAGGED as usize, "every tagged instance stopped");
    let verdict = |ok: bool| if ok { "within budget" } else { "OVER BUDGET" };
    println!(
        "reconcile --once on moto: stopped {stopped} of 2,200 instances in {wall:.2?} wall; \
         isched CPU {cpu:.3?} (budget {CPU_BUDGET:.2?}: {}); AWS API requests {calls} (budget {CALL_BUDGET}: {})",
        verdict(cpu <= CPU_BUDGET),
        verdict(calls <= CALL_BUDGET)
    );
}
