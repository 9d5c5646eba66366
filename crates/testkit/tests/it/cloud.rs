//! One provider conformance story, run against the sandbox (on both databases) and against
//! AWS as moto serves it; then what only the AWS provider does.

use isched_cloud::aws::{AccountRole, AwsProvider, AwsSettings};
use isched_cloud::sandbox::{SandboxOptions, SandboxProvider};
use isched_cloud::{
    ErrorKind, LaunchSpec, Provider, Resource, ResourceKind, ResourceRef, ResourceState, TagChange,
    TagFilter, Target,
};
use isched_store::Store;
use isched_testkit::{Backend, FaultProxy, Moto, TestDb, backend_tests, sdk_config_for};
use std::collections::BTreeMap;
use std::time::Duration;

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Writes `StartedBy=isched` and takes `Schedule` off.
fn started_not_scheduled() -> TagChange {
    TagChange {
        set: tags(&[("StartedBy", "isched")]),
        remove: ["Schedule".to_owned()].into(),
    }
}

fn spec(token: &str, instance_type: &str, t: &[(&str, &str)]) -> LaunchSpec {
    LaunchSpec {
        client_token: token.into(),
        image_id: "ami-12c6146b".into(),
        instance_type: instance_type.into(),
        subnet_id: None,
        security_group_ids: Vec::new(),
        key_name: None,
        user_data: None,
        tags: tags(t),
    }
}

async fn find(p: &dyn Provider, target: &Target, id: &str) -> Option<Resource> {
    p.discover(target, &TagFilter::default())
        .await
        .expect("discover")
        .into_iter()
        .find(|r| r.id == id)
}

/// Waits until the resource settles into `state` (providers move through pending/stopping).
async fn settle(p: &dyn Provider, target: &Target, id: &str, state: ResourceState) -> Resource {
    for _ in 0..100 {
        if let Some(r) = find(p, target, id).await
            && r.state == state
        {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{id} never became {state}: {:?}", find(p, target, id).await);
}

/// What every provider must do.
async fn conformance(
    p: &dyn Provider,
    target: &Target,
    kind: ResourceKind,
    small: &str,
    large: &str,
) {
    // Create is idempotent through the client token.
    let a = p
        .create(
            target,
            &spec("token-a", small, &[("Schedule", "office"), ("team", "x")]),
        )
        .await
        .expect("create");
    let again = p
        .create(target, &spec("token-a", small, &[("Schedule", "office")]))
        .await
        .expect("create again");
    assert_eq!(
        a.id, again.id,
        "the same client token created two instances"
    );
    let b = p
        .create(target, &spec("token-b", small, &[]))
        .await
        .expect("create untagged");
    assert_eq!(a.kind, kind);
    assert_eq!(a.provider, p.name());

    // Discovery filters by tag key and reports tags, type and state.
    let tagged = p
        .discover(target, &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    assert!(
        tagged.iter().any(|r| r.id == a.id) && !tagged.iter().any(|r| r.id == b.id),
        "{tagged:?}"
    );
    let ra = settle(p, target, &a.id, ResourceState::Running).await;
    assert_eq!(ra.tags.get("team").map(String::as_str), Some("x"));
    assert_eq!(ra.instance_type.as_deref(), Some(small));
    assert_eq!(
        (ra.account.as_str(), ra.region.as_str()),
        (target.account.as_str(), target.region.as_str())
    );

    // A batch with one unknown instance: the others still act, the unknown one fails alone.
    let ghost = ResourceRef {
        kind,
        id: "i-0123456789abcdef0".replace(
            "i-",
            if kind == ResourceKind::SandboxInstance {
                "sbx-"
            } else {
                "i-"
            },
        ),
    };
    let results = p
        .stop(
            target,
            &[a.reference(), ghost.clone(), b.reference()],
            false,
        )
        .await;
    assert_eq!(results.len(), 3);
    assert!(
        results[0].outcome.is_ok() && results[2].outcome.is_ok(),
        "{results:?}"
    );
    assert_eq!(
        results[1].outcome.as_ref().map_err(|e| e.kind),
        Err(ErrorKind::NotFound),
        "{results:?}"
    );
    settle(p, target, &a.id, ResourceState::Stopped).await;

    // Resize while stopped, then start.
    p.modify_instance_type(target, &a.reference(), large)
        .await
        .expect("resize");
    let results = p.start(target, &[a.reference()]).await;
    assert!(results[0].outcome.is_ok(), "{results:?}");
    let ra = settle(p, target, &a.id, ResourceState::Running).await;
    assert_eq!(ra.instance_type.as_deref(), Some(large));

    // Tags can be added; terminated instances leave discovery.
    p.set_tags(target, &b.reference(), &tags(&[("Schedule", "nights")]))
        .await
        .expect("tag");
    let rb = find(p, target, &b.id).await.expect("b");
    assert_eq!(rb.tags.get("Schedule").map(String::as_str), Some("nights"));
    // One change on several resources: tags written and tags taken off.
    let change = started_not_scheduled();
    p.retag(target, &[a.reference(), b.reference()], &change)
        .await
        .expect("retag");
    for id in [&a.id, &b.id] {
        let r = find(p, target, id).await.expect("found");
        assert_eq!(
            r.tags.get("StartedBy").map(String::as_str),
            Some("isched"),
            "{r:?}"
        );
        assert!(!r.tags.contains_key("Schedule"), "{r:?}");
    }
    p.terminate(target, &b.reference())
        .await
        .expect("terminate");
    let gone = find(p, target, &b.id).await;
    assert!(
        gone.as_ref()
            .is_none_or(|r| r.state == ResourceState::Terminated),
        "{gone:?}"
    );
}

fn sandbox(store: Store) -> SandboxProvider {
    SandboxProvider::new(
        store,
        SandboxOptions {
            transition_delay: jiff::SignedDuration::ZERO,
            ..SandboxOptions::default()
        },
    )
}

backend_tests!(
    sandbox_conformance,
    sandbox_survives_restart_and_simulates_faults
);

async fn sandbox_conformance(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("store");
    let p = sandbox(store);
    let target = p.targets().await.expect("targets").remove(0);
    assert_eq!(target.account, "sandbox");
    conformance(
        &p,
        &target,
        ResourceKind::SandboxInstance,
        "t3.small",
        "t3.large",
    )
    .await;
}

async fn sandbox_survives_restart_and_simulates_faults(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("store");
    let seeded = sandbox(store.clone())
        .seed(
            "sandbox-1",
            250,
            "m5.large",
            &tags(&[("Schedule", "office")]),
        )
        .await
        .expect("seed");
    assert_eq!(seeded.len(), 250);
    store.close().await;
    // A new process (new store, new provider) sees the same fleet.
    let p = sandbox(Store::connect(db.url()).await.expect("reopen"));
    let target = Target {
        account: "sandbox".into(),
        region: "sandbox-1".into(),
    };
    let found = p
        .discover(&target, &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    assert_eq!(found.len(), 250);
    assert!(
        found
            .iter()
            .all(|r| r.state == ResourceState::Running && r.provider == "sandbox")
    );
    // Fault knobs: every call throttled, or every action failing.
    let store = Store::connect(db.url()).await.expect("store");
    let throttled = SandboxProvider::new(
        store.clone(),
        SandboxOptions {
            throttle_rate: 1.0,
            ..SandboxOptions::default()
        },
    );
    assert_eq!(
        throttled
            .discover(&target, &TagFilter::default())
            .await
            .map_err(|e| e.kind),
        Err(ErrorKind::Throttled)
    );
    let failing = SandboxProvider::new(
        store,
        SandboxOptions {
            failure_rate: 1.0,
            ..SandboxOptions::default()
        },
    );
    let r = failing.stop(&target, &[found[0].reference()], false).await;
    assert_eq!(
        r[0].outcome.as_ref().map_err(|e| e.kind),
        Err(ErrorKind::Other)
    );
    // Unknown instance types are refused, as EC2 would.
    assert_eq!(
        p.create(&target, &spec("t", "z9.huge", &[]))
            .await
            .map_err(|e| e.kind),
        Err(ErrorKind::Invalid)
    );
}

async fn aws(endpoint: &str, settings: AwsSettings) -> AwsProvider {
    AwsProvider::new(
        sdk_config_for(endpoint, "us-east-1").await,
        AwsSettings {
            initial_backoff: Duration::from_millis(20),
            ..settings
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_conformance_on_moto() {
    let moto = Moto::start();
    let p = aws(&moto.endpoint, AwsSettings::default()).await;
    let targets = p.targets().await.expect("targets");
    assert_eq!(
        targets,
        vec![Target {
            account: "123456789012".into(),
            region: "us-east-1".into()
        }]
    );
    conformance(
        &p,
        &targets[0],
        ResourceKind::Ec2Instance,
        "t3.small",
        "t3.large",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_discovers_two_regions_page_by_page() {
    let moto = Moto::start();
    let p = aws(
        &moto.endpoint,
        AwsSettings {
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            page_size: 5,
            ..AwsSettings::default()
        },
    )
    .await;
    let targets = p.targets().await.expect("targets");
    assert_eq!(targets.len(), 2);
    for (i, target) in targets.iter().enumerate() {
        for n in 0..(12 + i) {
            p.create(
                target,
                &spec(
                    &format!("{}-{n}", target.region),
                    "t3.micro",
                    &[("Schedule", "office")],
                ),
            )
            .await
            .expect("create");
        }
        p.create(
            target,
            &spec(
                &format!("{}-untagged", target.region),
                "t3.micro",
                &[("Owner", "me")],
            ),
        )
        .await
        .expect("create");
    }
    let before = p.api_calls();
    let east = p
        .discover(&targets[0], &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    let calls = p.api_calls() - before;
    assert_eq!(east.len(), 12);
    // 12 instances at 5 a page: three DescribeInstances pages, plus the two RDS describes
    // and the Auto Scaling groups' describe.
    assert_eq!(calls, 3 + 2 + 1, "API calls for one discovery");
    let west = p
        .discover(&targets[1], &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    assert_eq!(west.len(), 13);
    assert!(west.iter().all(|r| r.region == "eu-west-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_starts_and_stops_rds_instances_and_clusters() {
    let moto = Moto::start();
    let rds = aws_sdk_rds::Client::new(&moto.sdk_config("us-east-1").await);
    let tag = aws_sdk_rds::types::Tag::builder()
        .key("Schedule")
        .value("office")
        .build();
    rds.create_db_instance()
        .db_instance_identifier("orders")
        .db_instance_class("db.t3.medium")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("password123")
        .allocated_storage(20)
        .preferred_maintenance_window("thu:07:00-thu:08:00")
        .tags(tag.clone())
        .send()
        .await
        .expect("create DB instance");
    rds.create_db_cluster()
        .db_cluster_identifier("analytics")
        .engine("aurora-postgresql")
        .master_username("admin")
        .master_user_password("password123")
        .tags(tag.clone())
        .send()
        .await
        .expect("create DB cluster");
    // Neptune (and DocumentDB) clusters are RDS clusters to the RDS API, as upstream treats
    // them: discovered, started and stopped the same way. (moto's RDS refuses the engine
    // `docdb`; DocumentDB takes the same calls on the same endpoint.)
    rds.create_db_cluster()
        .db_cluster_identifier("graph")
        .engine("neptune")
        .master_username("admin")
        .master_user_password("password123")
        .tags(tag.clone())
        .send()
        .await
        .expect("create a Neptune cluster");
    let p = aws(&moto.endpoint, AwsSettings::default()).await;
    let target = p.targets().await.expect("targets").remove(0);
    let found = p
        .discover(&target, &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    let kinds: Vec<_> = found
        .iter()
        .map(|r| (r.kind, r.id.as_str(), r.state))
        .collect();
    assert!(
        kinds.contains(&(ResourceKind::RdsInstance, "orders", ResourceState::Running)),
        "{kinds:?}"
    );
    let orders = found.iter().find(|r| r.id == "orders").expect("orders");
    assert_eq!(
        orders.maintenance_window.as_deref(),
        Some("thu:07:00-thu:08:00"),
        "the preferred maintenance window, for use_maintenance_window"
    );
    for cluster in ["analytics", "graph"] {
        assert!(
            kinds.contains(&(ResourceKind::RdsCluster, cluster, ResourceState::Running)),
            "{cluster}: {kinds:?}"
        );
    }
    let refs: Vec<ResourceRef> = found.iter().map(Resource::reference).collect();
    let stopped = p.stop(&target, &refs, false).await;
    assert!(stopped.iter().all(|r| r.outcome.is_ok()), "{stopped:?}");
    let after = p
        .discover(&target, &TagFilter::keys(&["Schedule"]))
        .await
        .expect("discover");
    assert!(
        after
            .iter()
            .all(|r| matches!(r.state, ResourceState::Stopped | ResourceState::Stopping)),
        "{after:?}"
    );
    let started = p.start(&target, &refs).await;
    assert!(started.iter().all(|r| r.outcome.is_ok()), "{started:?}");

    // Tags by ARN, one resource at a time, for instances and clusters alike.
    p.retag(&target, &refs, &started_not_scheduled())
        .await
        .expect("retag");
    let tagged = p
        .discover(&target, &TagFilter::keys(&["StartedBy"]))
        .await
        .expect("discover");
    assert_eq!(tagged.len(), 3, "{tagged:?}");
    assert!(
        tagged.iter().all(|r| !r.tags.contains_key("Schedule")),
        "{tagged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_assumes_a_role_into_a_second_account() {
    let moto = Moto::start();
    let role = AccountRole {
        role_arn: "arn:aws:iam::111111111111:role/isched".into(),
        external_id: Some("ext-1".into()),
    };
    let p = aws(
        &moto.endpoint,
        AwsSettings {
            accounts: vec![role],
            ..AwsSettings::default()
        },
    )
    .await;
    let targets = p.targets().await.expect("targets");
    assert_eq!(
        targets
            .iter()
            .map(|t| t.account.as_str())
            .collect::<Vec<_>>(),
        vec!["123456789012", "111111111111"]
    );
    let other = &targets[1];
    let created = p
        .create(
            other,
            &spec("other-1", "t3.micro", &[("Schedule", "office")]),
        )
        .await
        .expect("create in the other account");
    // The instance lives in the second account: the first does not see it.
    assert!(find(&p, other, &created.id).await.is_some());
    assert!(find(&p, &targets[0], &created.id).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_retries_throttled_calls() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, 3, "Action=RunInstances").await;
    let p = aws(
        &proxy.endpoint,
        AwsSettings {
            max_attempts: 5,
            ..AwsSettings::default()
        },
    )
    .await;
    let target = Target {
        account: "123456789012".into(),
        region: "us-east-1".into(),
    };
    let created = p
        .create(&target, &spec("throttled", "t3.micro", &[]))
        .await
        .expect("create succeeds after throttling");
    assert_eq!(proxy.injected(), 3);
    assert!(created.id.starts_with("i-"));
    // With fewer attempts than throttled responses, the error reaches the caller, classified.
    let proxy = FaultProxy::start(&moto.endpoint, 10, "Action=DescribeInstances").await;
    let p = aws(
        &proxy.endpoint,
        AwsSettings {
            max_attempts: 2,
            ..AwsSettings::default()
        },
    )
    .await;
    let err = p
        .discover(&target, &TagFilter::default())
        .await
        .expect_err("throttled");
    assert_eq!(err.kind, ErrorKind::Throttled, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_stops_with_hibernation_when_asked() {
    let moto = Moto::start();
    let p = aws(&moto.endpoint, AwsSettings::default()).await;
    let target = p.targets().await.expect("targets").remove(0);
    let r = p
        .create(&target, &spec("hib", "m5.large", &[("Schedule", "office")]))
        .await
        .expect("create");
    let results = p.stop(&target, &[r.reference()], true).await;
    assert!(results[0].outcome.is_ok(), "{results:?}");
    let after = find(&p, &target, &r.id).await.expect("found");
    assert!(
        matches!(
            after.state,
            ResourceState::Stopped | ResourceState::Stopping
        ),
        "{after:?}"
    );
}
