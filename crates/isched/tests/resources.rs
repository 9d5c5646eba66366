//! `isched sandbox seed` and `isched resources list`, on the sandbox and on AWS (moto),
//! the latter configured only through the SDK's standard environment.

use isched_testkit::Moto;
use std::process::{Command, Output};

fn isched(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_isched"));
    cmd.args(args).env_remove("ISCHED_CONFIG");
    for var in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).output().expect("isched runs")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn sandbox_seed_then_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("isched.db").display());
    let env = [
        ("ISCHED_DATABASE_URL", url.as_str()),
        ("ISCHED_SANDBOX_TRANSITION_SECS", "0"),
    ];
    let o = isched(
        &[
            "sandbox",
            "seed",
            "--instances",
            "5",
            "--tag",
            "Schedule=office-hours",
            "--tag",
            "team=web",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    isched(
        &["sandbox", "seed", "--instances", "2", "--type", "m5.large"],
        &env,
    );
    let list = json(&isched(&["resources", "list", "--format", "json"], &env));
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 7);
    let scheduled: Vec<_> = rows
        .iter()
        .filter(|r| r["schedule"] == "office-hours")
        .collect();
    assert_eq!(scheduled.len(), 5);
    for r in rows {
        for key in [
            "id",
            "provider",
            "kind",
            "account",
            "region",
            "state",
            "instance_type",
            "tags",
            "schedule",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_eq!(r["provider"], "sandbox");
        assert_eq!(r["kind"], "sandbox-instance");
        assert_eq!(r["state"], "running");
    }
    assert_eq!(scheduled[0]["tags"]["team"], "web");
    let o = isched(
        &["sandbox", "seed", "--instances", "1", "--tag", "novalue"],
        &env,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_list_on_aws_through_the_standard_environment() {
    let moto = Moto::start();
    for region in ["us-east-1", "eu-west-1"] {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config(region).await);
        let tag = aws_sdk_ec2::types::Tag::builder()
            .key("Schedule")
            .value(format!("{region}-hours"))
            .build();
        ec2.run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(2)
            .max_count(2)
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Instance)
                    .tags(tag)
                    .build(),
            )
            .send()
            .await
            .expect("run instances");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("isched.db").display());
    let env = [
        ("ISCHED_DATABASE_URL", url.as_str()),
        ("ISCHED_PROVIDER", "aws"),
        ("ISCHED_AWS_REGIONS", "us-east-1,eu-west-1"),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let list = json(&isched(&["resources", "list", "--format", "json"], &env));
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 4, "{list}");
    assert!(rows.iter().all(|r| r["provider"] == "aws"
        && r["kind"] == "ec2-instance"
        && r["account"] == "123456789012"));
    let west: Vec<_> = rows.iter().filter(|r| r["region"] == "eu-west-1").collect();
    assert_eq!(west.len(), 2);
    assert_eq!(west[0]["schedule"], "eu-west-1-hours");
    // Seeding makes no sense with the aws provider, and says so.
    let o = isched(&["sandbox", "seed", "--instances", "1"], &env);
    assert_eq!(o.status.code(), Some(2));
}
