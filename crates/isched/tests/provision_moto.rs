//! Self-service on the `aws` provider, against moto: `isched serve` configured from the
//! standard AWS environment creates an EC2 instance with an ed25519 key pair whose private
//! key its owner sees once, tagged with the template's fallback instance types; a launch the cloud refuses fails the job and leaves nothing.

use isched_testkit::{Moto, ServeProcess, isched_on_aws, sdk_config_for};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ec2_instance_with_a_key_pair_shown_once() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("isched.db").display());
    let app = ServeProcess::start(env!("CARGO_BIN_EXE_isched"), |c| {
        isched_on_aws(c, &moto.endpoint, "us-east-1");
        c.env("ISCHED_DATABASE_URL", &db);
    })
    .await;
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    for (name, subnet) in [("linux", None), ("broken", Some("subnet-00000000"))] {
        let template = json!({ "name": name, "image": "ami-12c6146b", "subnet": subnet, "instance_types": ["t3.micro"], "fallback_instance_types": ["t3a.micro", "m5.large"], "schedule": "office" });
        let res = app.post("/api/v1/templates", Some(&admin), &template).await;
        assert_eq!(
            res.status(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let user = app
        .user_token(&admin, "dev@isched.test", "dev-password-1")
        .await;

    let created: Value = app
        .post(
            "/api/v1/instances",
            Some(&user),
            &json!({ "template": "linux", "name": "box" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let job_id = created["job"]["id"].as_str().expect("job").to_owned();
    let job = app.finished_job(&user, &job_id, 600).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let key = job["result"]["login"]["private_key"]
        .as_str()
        .unwrap_or_else(|| panic!("the key, once: {job}"));
    assert!(key.contains("PRIVATE KEY"), "{key}");
    assert_eq!(job["result"]["login"]["username"], "ec2-user");
    let cloud_id = job["result"]["cloud_id"]
        .as_str()
        .expect("cloud id")
        .to_owned();

    let ec2 = aws_sdk_ec2::Client::new(&sdk_config_for(&moto.endpoint, "us-east-1").await);
    let pairs = ec2.describe_key_pairs().send().await.expect("key pairs");
    let names: Vec<_> = pairs
        .key_pairs()
        .iter()
        .filter_map(|k| k.key_name())
        .collect();
    assert_eq!(names, vec![format!("isched-{job_id}").as_str()]);
    let reservations = ec2.describe_instances().send().await.expect("instances");
    let instances: Vec<_> = reservations
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .collect();
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].instance_id(), Some(cloud_id.as_str()));
    assert_eq!(
        instances[0].key_name(),
        Some(format!("isched-{job_id}").as_str())
    );
    let tag = |k: &str| {
        instances[0]
            .tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
            .map(str::to_owned)
    };
    assert_eq!(tag("Schedule").as_deref(), Some("office"));
    assert_eq!(tag("isched:owner").as_deref(), Some("dev@isched.test"));
    // The template's fallback types, behind the chosen one, in upstream's tag: a start
    // refused for capacity tries them in this order.
    assert_eq!(
        tag("IS-PreferredInstanceTypes").as_deref(),
        Some("t3.micro,t3a.micro,m5.large")
    );

    let again: Value = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            Some(&user),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(
        again["result"]["login"].get("private_key").is_none(),
        "{again}"
    );
    assert_eq!(
        again["result"]["login"]["fingerprint"],
        pairs.key_pairs()[0].key_fingerprint().unwrap_or_default()
    );

    // The cloud refuses a subnet that does not exist (moto checks subnets, not images): the job fails with the cloud's words and
    // deletes the key pair it made.
    let created: Value = app
        .post(
            "/api/v1/instances",
            Some(&user),
            &json!({ "template": "broken", "name": "nope" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let failed_id = created["job"]["id"].as_str().expect("job").to_owned();
    let failed = app.finished_job(&user, &failed_id, 600).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "cloud_refused", "{failed}");
    assert!(
        failed["result"].is_null(),
        "no login for a failed job: {failed}"
    );
    let names: Vec<String> = ec2
        .describe_key_pairs()
        .send()
        .await
        .expect("key pairs")
        .key_pairs()
        .iter()
        .filter_map(|k| k.key_name().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        vec![format!("isched-{job_id}")],
        "the failed job's key pair is gone"
    );

    let id = created["instance"]["id"].as_str().expect("id");
    let instance: Value = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/instances/{id}"),
            Some(&user),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(instance["state"], "failed");
}
