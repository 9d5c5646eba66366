//! Days replayed with `isched reconcile --once --at` on moto, through the real binary and
//! the `aws` provider: office hours in New York with a manual stop, a resize period, an
//! override that expires and a weekend; then the two DST Sundays; then a day on which the
//! cloud throttles, fails, hangs and drops connections.

use aws_sdk_ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use isched_testkit::{Backend, Fault, FaultProxy, Moto, TestDb, backend_tests, isched_on_aws};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

const DEFINITIONS: &str = r#"
periods:
  - name: office
    begintime: "09:00"
    endtime: "17:00"
    weekdays: mon-fri
  - name: early
    begintime: "02:30"
    endtime: "04:00"
  - name: small-hours
    begintime: "01:30"
    endtime: "03:00"
schedules:
  - name: office-hours
    timezone: America/New_York
    periods: [office]
  - name: office-large
    timezone: America/New_York
    periods: ["office@t3.large"]
  - name: spring-gap
    timezone: America/New_York
    periods: [early]
  - name: fall-twice
    timezone: America/New_York
    periods: [small-hours]
  - name: office-patched
    timezone: America/New_York
    periods: [office]
    use_maintenance_window: true
    ssm_maintenance_window: [thursday-patching]
"#;

struct MotoDay {
    moto: Moto,
    ec2: aws_sdk_ec2::Client,
    _dir: tempfile::TempDir,
    db: TestDb,
    /// More configuration, as `ISCHED_*` variables.
    env: Vec<(&'static str, &'static str)>,
    /// Where isched reaches AWS: moto, or a proxy in front of it.
    endpoint: String,
}

impl MotoDay {
    /// None when `backend` is unavailable here (never under CI).
    async fn new(backend: Backend) -> Option<MotoDay> {
        let db = TestDb::create(backend).await?;
        let moto = Moto::start();
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config("us-east-1").await);
        let dir = tempfile::tempdir().expect("tmp");
        let defs = dir.path().join("schedules.yaml");
        std::fs::write(&defs, DEFINITIONS).expect("write definitions");
        let day = MotoDay {
            endpoint: moto.endpoint.clone(),
            moto,
            ec2,
            _dir: dir,
            db,
            env: Vec::new(),
        };
        day.ok(&["schedules", "import", defs.to_str().expect("utf-8")]);
        Some(day)
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_isched"));
        command
            .args(args)
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_DATABASE_URL", self.db.url())
            .envs(self.env.iter().copied());
        isched_on_aws(&mut command, &self.endpoint, "us-east-1");
        command.output().expect("isched runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "isched {args:?}: {} {}",
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// One pass at `at`: whether it exited 0 (no action failed), and instance id →
    /// (action, outcome, reason).
    fn pass(&self, at: &str) -> (bool, BTreeMap<String, (String, String, String)>) {
        let out = self.run(&["reconcile", "--once", "--at", at, "--format", "json"]);
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                (s("resource"), (s("action"), s("outcome"), s("reason")))
            })
            .collect();
        (out.status.success(), lines)
    }

    /// One pass at `at` in which nothing failed: instance id → (action, outcome, reason).
    fn reconcile(&self, at: &str) -> BTreeMap<String, (String, String, String)> {
        let (ok, lines) = self.pass(at);
        assert!(ok, "the pass at {at} failed: {lines:?}");
        lines
    }

    /// Actions of one pass, by instance.
    fn actions(&self, at: &str) -> BTreeMap<String, String> {
        self.reconcile(at)
            .into_iter()
            .map(|(id, (action, outcome, _))| {
                assert!(!outcome.starts_with("failed"), "{id} at {at}: {outcome}");
                (id, action)
            })
            .collect()
    }

    async fn launch(&self, schedule: Option<&str>, instance_type: InstanceType) -> String {
        let mut run = self
            .ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .instance_type(instance_type)
            .min_count(1)
            .max_count(1);
        if let Some(s) = schedule {
            run = run.tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Instance)
                    .tags(Tag::builder().key("Schedule").value(s).build())
                    .build(),
            );
        }
        let out = run.send().await.expect("run instance");
        out.instances()[0]
            .instance_id()
            .expect("instance id")
            .to_owned()
    }

    async fn stop_by_hand(&self, id: &str) {
        self.ec2
            .stop_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("stop by hand");
    }

    /// The tags of `id` as EC2 reports them.
    async fn tags(&self, id: &str) -> BTreeMap<String, String> {
        let out = self
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("describe");
        out.reservations()[0].instances()[0]
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// State name and instance type as EC2 reports them.
    async fn describe(&self, id: &str) -> (String, String) {
        let out = self
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("describe");
        let i = &out.reservations()[0].instances()[0];
        (
            i.state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            i.instance_type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        )
    }
}

fn only(actions: &BTreeMap<String, String>, ids: &[&str], action: &str) -> bool {
    ids.iter()
        .all(|id| actions.get(*id).map(String::as_str) == Some(action))
}

// Each scenario on both databases.
backend_tests!(
    office_hours_resize_override_and_weekend_on_moto,
    dst_sundays_on_moto,
    started_and_stopped_tags_on_moto,
    preferred_types_on_moto,
    an_auto_scaling_group_on_moto,
    an_ssm_maintenance_window_on_moto,
    a_day_under_cloud_faults_on_moto
);

async fn office_hours_resize_override_and_weekend_on_moto(backend: Backend) {
    let Some(day) = MotoDay::new(backend).await else {
        return;
    };
    let a = day
        .launch(Some("office-hours"), InstanceType::T3Micro)
        .await;
    let b = day
        .launch(Some("office-hours"), InstanceType::T3Micro)
        .await;
    let c = day
        .launch(Some("office-large"), InstanceType::T3Micro)
        .await;
    let untagged = day.launch(None, InstanceType::T3Micro).await;

    // Wednesday 25 November 2026, New York. 08:00: first seen running outside the period.
    let first = day.actions("2026-11-25T08:00:00-05:00");
    assert!(!first.contains_key(&untagged), "untagged is not scheduled");
    assert!(only(&first, &[&a, &b, &c], "stop"), "{first:?}");
    assert_eq!(day.describe(&a).await.0, "stopped");
    assert!(only(
        &day.actions("2026-11-25T08:59:59-05:00"),
        &[&a, &b, &c],
        "none"
    ));

    // 09:00: two starts, and a resize to the period's type (stopped: change type, start).
    let nine = day.actions("2026-11-25T09:00:00-05:00");
    assert!(only(&nine, &[&a, &b], "start"), "{nine:?}");
    assert_eq!(nine[&c], "resize");
    assert_eq!(
        day.describe(&c).await,
        ("running".to_owned(), "t3.large".to_owned())
    );
    assert_eq!(day.describe(&a).await.0, "running");

    // 10:00: A stopped by hand stays stopped (not enforced).
    day.stop_by_hand(&a).await;
    let ten = day.reconcile("2026-11-25T10:00:00-05:00");
    assert_eq!(
        ten[&a],
        (
            "none".into(),
            "none".into(),
            "manually stopped, schedule not enforced".into()
        )
    );

    // Noon: B is kept running until 18:00.
    day.ok(&[
        "override",
        &b,
        "--running-until",
        "2026-11-25T18:00:00-05:00",
        "--at",
        "2026-11-25T12:00:00-05:00",
    ]);
    // 17:00: C stops; B runs on (override); A is already stopped.
    let five = day.actions("2026-11-25T17:00:00-05:00");
    assert_eq!(five[&c], "stop");
    assert_eq!(five[&b], "none");
    assert_eq!(five[&a], "none");
    assert_eq!(day.describe(&b).await.0, "running");
    // 18:00: the override expires (recorded) and B stops.
    let six = day.actions("2026-11-25T18:00:00-05:00");
    assert_eq!(six[&b], "stop", "{six:?}");
    let history = day.ok(&["history", &b, "--format", "json"]);
    assert!(history.contains("override expired"), "{history}");

    // The weekend: nothing to do, and Monday 09:00 starts all three again.
    for at in [
        "2026-11-28T09:00:00-05:00",
        "2026-11-28T17:00:00-05:00",
        "2026-11-29T12:00:00-05:00",
    ] {
        assert!(only(&day.actions(at), &[&a, &b, &c], "none"), "{at}");
    }
    let monday = day.actions("2026-11-30T09:00:00-05:00");
    assert!(only(&monday, &[&a, &b], "start"), "{monday:?}");
    assert_eq!(monday[&c], "start", "already t3.large: a plain start");
}

async fn dst_sundays_on_moto(backend: Backend) {
    let Some(day) = MotoDay::new(backend).await else {
        return;
    };
    let spring = day.launch(Some("spring-gap"), InstanceType::T3Micro).await;
    let fall = day.launch(Some("fall-twice"), InstanceType::T3Micro).await;

    // 1 November 2026, New York falls back at 02:00 EDT (06:00Z) to 01:00 EST. The period
    // 01:30-03:00 begins at the first 01:30 (05:30Z) and is not begun again at the second
    // (06:30Z): a stop by hand in between stays, and 03:00 EST (08:00Z) ends it.
    assert_eq!(day.actions("2026-11-01T04:00:00Z")[&fall], "stop");
    assert_eq!(day.actions("2026-11-01T05:29:59Z")[&fall], "none");
    assert_eq!(day.actions("2026-11-01T05:30:00Z")[&fall], "start");
    assert_eq!(day.actions("2026-11-01T06:15:00Z")[&fall], "none");
    day.stop_by_hand(&fall).await;
    let second = day.reconcile("2026-11-01T06:30:00Z");
    assert_eq!(
        second[&fall].2, "manually stopped, schedule not enforced",
        "no second start at the repeated 01:30"
    );
    assert_eq!(second[&fall].0, "none");

    // 14 March 2027 springs forward from 02:00 EST to 03:00 EDT (07:00Z): 02:30 never
    // happens, so the period 02:30-04:00 begins at the first instant after the gap.
    assert_eq!(
        day.actions("2027-03-14T06:00:00Z")[&spring],
        "none",
        "stopped since it was first seen in November"
    );
    assert_eq!(day.actions("2027-03-14T06:59:59Z")[&spring], "none");
    assert_eq!(day.actions("2027-03-14T07:00:00Z")[&spring], "start");
    assert_eq!(day.actions("2027-03-14T07:59:59Z")[&spring], "none");
    assert_eq!(day.actions("2027-03-14T08:00:00Z")[&spring], "stop");
}

/// Upstream's `started_tags` and `stopped_tags` with its placeholders: each action writes
/// its own and takes the other's off, and a success takes an earlier error tag off.
async fn started_and_stopped_tags_on_moto(backend: Backend) {
    let Some(mut day) = MotoDay::new(backend).await else {
        return;
    };
    day.env = vec![
        (
            "ISCHED_STARTED_TAGS",
            "StartedBy={scheduler},Started={year}-{month}-{day} {hour}:{minute} {timezone}",
        ),
        (
            "ISCHED_STOPPED_TAGS",
            "Stopped={day}/{month} {hour}:{minute}",
        ),
        ("ISCHED_ERROR_TAG", "IS-Error"),
    ];
    let a = day
        .launch(Some("office-hours"), InstanceType::T3Micro)
        .await;
    let b = day
        .launch(Some("office-hours"), InstanceType::T3Micro)
        .await;
    // B failed before: a success takes the error off.
    day.ec2
        .create_tags()
        .resources(&b)
        .tags(Tag::builder().key("IS-Error").value("StopFailed").build())
        .tags(
            Tag::builder()
                .key("IS-ErrorMessage")
                .value("earlier")
                .build(),
        )
        .send()
        .await
        .expect("tag");

    let first = day.actions("2026-11-25T08:00:00-05:00");
    assert!(only(&first, &[&a, &b], "stop"), "{first:?}");
    for id in [&a, &b] {
        let tags = day.tags(id).await;
        assert_eq!(tags.get("Stopped").map(String::as_str), Some("25/11 13:00"));
        assert!(!tags.contains_key("StartedBy"), "{tags:?}");
        assert!(!tags.contains_key("IS-Error"), "{tags:?}");
        assert!(!tags.contains_key("IS-ErrorMessage"), "{tags:?}");
    }

    let nine = day.actions("2026-11-25T09:00:00-05:00");
    assert!(only(&nine, &[&a, &b], "start"), "{nine:?}");
    for id in [&a, &b] {
        let tags = day.tags(id).await;
        assert_eq!(
            tags.get("Started").map(String::as_str),
            Some("2026-11-25 14:00 UTC")
        );
        assert_eq!(tags.get("StartedBy").map(String::as_str), Some("isched"));
        assert!(!tags.contains_key("Stopped"), "{tags:?}");
        assert_eq!(
            tags.get("Schedule").map(String::as_str),
            Some("office-hours")
        );
    }
}

/// Upstream's preferred instance types: a start refused for capacity falls back to the
/// next type and is recorded as a resize to it; the next start brings the first type back.
async fn preferred_types_on_moto(backend: Backend) {
    let Some(mut day) = MotoDay::new(backend).await else {
        return;
    };
    let a = day
        .launch(Some("office-hours"), InstanceType::T3Large)
        .await;
    day.ec2
        .create_tags()
        .resources(&a)
        .tags(
            Tag::builder()
                .key("IS-PreferredInstanceTypes")
                .value("t3.large, m5.large")
                .build(),
        )
        .send()
        .await
        .expect("tag");
    assert_eq!(day.actions("2026-11-25T08:00:00-05:00")[&a], "stop");

    // 09:00: EC2 has no t3.large to give.
    let proxy = FaultProxy::with_fault(
        &day.moto.endpoint,
        Fault::NoCapacity,
        1,
        "Action=StartInstances",
    )
    .await;
    day.endpoint = proxy.endpoint.clone();
    let (action, outcome, reason) = day.reconcile("2026-11-25T09:00:00-05:00")[&a].clone();
    assert_eq!(
        (action.as_str(), outcome.as_str()),
        ("resize", "ok"),
        "{reason}"
    );
    assert!(
        reason.contains("no capacity for t3.large: started as m5.large"),
        "{reason}"
    );
    assert_eq!(proxy.injected(), 1, "one start was refused");
    assert_eq!(
        day.describe(&a).await,
        ("running".to_owned(), "m5.large".to_owned())
    );
    let history = day.ok(&["history", &a, "--format", "json"]);
    assert!(history.contains("started as m5.large"), "{history}");

    // The next day's start goes back to the first type, capacity permitting.
    assert_eq!(day.actions("2026-11-25T17:00:00-05:00")[&a], "stop");
    let (action, _, reason) = day.reconcile("2026-11-26T09:00:00-05:00")[&a].clone();
    assert_eq!(action, "resize");
    assert!(
        reason.contains("back to its preferred type t3.large"),
        "{reason}"
    );
    assert_eq!(
        day.describe(&a).await,
        ("running".to_owned(), "t3.large".to_owned())
    );
}

/// An Auto Scaling group tagged with a schedule goes to 0 at the stop, keeping its sizes in
/// upstream's `IS-MinDesiredMax` tag, and back to them at the start. Its instances (which
/// carry the propagated schedule tag) are left to the group.
async fn an_auto_scaling_group_on_moto(backend: Backend) {
    let Some(mut day) = MotoDay::new(backend).await else {
        return;
    };
    day.env = vec![("ISCHED_STOPPED_TAGS", "StoppedBy={scheduler}")];
    let asg = aws_sdk_autoscaling::Client::new(&day.moto.sdk_config("us-east-1").await);
    asg.create_launch_configuration()
        .launch_configuration_name("web")
        .image_id("ami-12c6146b")
        .instance_type("t3.micro")
        .send()
        .await
        .expect("launch configuration");
    asg.create_auto_scaling_group()
        .auto_scaling_group_name("web-fleet")
        .launch_configuration_name("web")
        .availability_zones("us-east-1a")
        .min_size(1)
        .desired_capacity(2)
        .max_size(3)
        .tags(
            aws_sdk_autoscaling::types::Tag::builder()
                .key("Schedule")
                .value("office-hours")
                .propagate_at_launch(true)
                .build(),
        )
        .send()
        .await
        .expect("Auto Scaling group");
    let sizes = || async {
        let out = asg
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("web-fleet")
            .send()
            .await
            .expect("describe");
        let g = &out.auto_scaling_groups()[0];
        let tag = |key: &str| {
            g.tags()
                .iter()
                .find(|t| t.key() == Some(key))
                .and_then(|t| t.value())
                .map(str::to_owned)
        };
        let saved = tag("IS-MinDesiredMax");
        let stopped_by = tag("StoppedBy");
        (
            (
                g.min_size().unwrap_or(-1),
                g.desired_capacity().unwrap_or(-1),
                g.max_size().unwrap_or(-1),
            ),
            saved,
            stopped_by,
        )
    };

    let eight = day.reconcile("2026-11-25T08:00:00-05:00");
    assert_eq!(
        eight.keys().collect::<Vec<_>>(),
        ["web-fleet"],
        "only the group is scheduled, not its instances"
    );
    assert_eq!(
        (eight["web-fleet"].0.as_str(), eight["web-fleet"].1.as_str()),
        ("stop", "ok")
    );
    assert_eq!(
        sizes().await,
        (
            (0, 0, 0),
            Some("1-2-3".to_owned()),
            Some("isched".to_owned())
        )
    );
    assert_eq!(
        day.actions("2026-11-25T08:30:00-05:00")["web-fleet"],
        "none",
        "stopped as scheduled"
    );

    assert_eq!(
        day.actions("2026-11-25T09:00:00-05:00")["web-fleet"],
        "start"
    );
    assert_eq!(sizes().await.0, (1, 2, 3));
    assert_eq!(
        day.actions("2026-11-25T17:00:00-05:00")["web-fleet"],
        "stop"
    );
    assert_eq!(sizes().await.0, (0, 0, 0));
}

/// A schedule with `use_maintenance_window` runs its EC2 instances through the SSM windows
/// it names: from 10 minutes before the window to its end, whatever the periods say; the
/// plan and the history say why.
async fn an_ssm_maintenance_window_on_moto(backend: Backend) {
    let Some(day) = MotoDay::new(backend).await else {
        return;
    };
    let ssm = aws_sdk_ssm::Client::new(&day.moto.sdk_config("us-east-1").await);
    ssm.create_maintenance_window()
        .name("thursday-patching")
        .schedule("cron(0 2 ? * THU *)")
        .schedule_timezone("America/New_York")
        .duration(2)
        .cutoff(1)
        .allow_unassociated_targets(true)
        .send()
        .await
        .expect("maintenance window");
    let a = day
        .launch(Some("office-patched"), InstanceType::T3Micro)
        .await;
    assert_eq!(day.actions("2026-11-25T08:00:00-05:00")[&a], "stop");

    // Thursday 26 November, the window 02:00-04:00 New York time (07:00Z-09:00Z).
    assert_eq!(day.actions("2026-11-26T01:49:59-05:00")[&a], "none");
    let (action, _, reason) = day.reconcile("2026-11-26T01:50:00-05:00")[&a].clone();
    assert_eq!(action, "start", "{reason}");
    assert!(
        reason.contains("in SSM maintenance window thursday-patching until 2026-11-26T09:00:00Z"),
        "{reason}"
    );
    let plan = day.ok(&[
        "plan",
        "--at",
        "2026-11-26T03:00:00-05:00",
        "--format",
        "json",
    ]);
    assert!(
        plan.contains("maintenance window thursday-patching"),
        "{plan}"
    );
    assert_eq!(day.actions("2026-11-26T03:59:59-05:00")[&a], "none");
    assert_eq!(day.actions("2026-11-26T04:00:00-05:00")[&a], "stop");
    assert_eq!(day.describe(&a).await.0, "stopped");
    let history = day.ok(&["history", &a, "--format", "json"]);
    assert!(history.contains("maintenance window"), "{history}");
}

/// A day on which EC2 answers badly: 5xx, throttling, attempts that hang past the attempt
/// timeout and connections dropped before the answer (those two after EC2 has acted), on
/// discovery, stops, starts and tag writes. Faults within the attempts are retried inside
/// the pass; a stop that fails on every attempt is reported as failed and done by the next
/// pass. No transition is missed or done twice, and the history holds each one.
async fn a_day_under_cloud_faults_on_moto(backend: Backend) {
    let Some(mut day) = MotoDay::new(backend).await else {
        return;
    };
    day.env = vec![
        ("ISCHED_AWS_MAX_ATTEMPTS", "3"),
        ("ISCHED_AWS_INITIAL_BACKOFF_MS", "20"),
        ("ISCHED_AWS_ATTEMPT_TIMEOUT_SECS", "1"),
        ("ISCHED_STARTED_TAGS", "StartedBy={scheduler}"),
    ];
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(
            day.launch(Some("office-hours"), InstanceType::T3Micro)
                .await,
        );
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let hang = Fault::Slow(std::time::Duration::from_secs(2));
    let proxy = FaultProxy::with_rules(
        &day.moto.endpoint,
        vec![
            (
                "Action=DescribeInstances",
                vec![Fault::ServerError, Fault::Dropped],
            ),
            // 08:00: two failed attempts after EC2 acted, then the answer.
            ("Action=StopInstances", vec![Fault::Dropped, hang]),
            ("Action=StartInstances", vec![Fault::Throttled, hang]),
            (
                "Action=CreateTags",
                vec![Fault::Dropped, Fault::ServerError],
            ),
        ],
    )
    .await;
    day.endpoint = proxy.endpoint.clone();

    let state = |want: &'static str| {
        let day = &day;
        let ids = ids.clone();
        async move {
            for id in &ids {
                assert_eq!(day.describe(id).await.0, want, "{id}");
            }
        }
    };
    let eight = day.actions("2026-11-25T08:00:00-05:00");
    assert!(only(&eight, &ids, "stop"), "{eight:?}");
    state("stopped").await;
    let nine = day.actions("2026-11-25T09:00:00-05:00");
    assert!(only(&nine, &ids, "start"), "{nine:?}");
    state("running").await;
    for id in &ids {
        assert_eq!(
            day.tags(id).await.get("StartedBy").map(String::as_str),
            Some("isched"),
            "{id}: the started tag, written through a dropped connection and a 5xx"
        );
    }

    // 17:00: three failures in three attempts. Reported (and the command exits 1), not
    // acted on.
    proxy.add(
        "Action=StopInstances",
        vec![Fault::ServerError, Fault::Throttled, Fault::ServerError],
    );
    let (ok, five) = day.pass("2026-11-25T17:00:00-05:00");
    assert!(!ok, "a pass with failures exits non-zero");
    for id in &ids {
        let (action, outcome, _) = &five[*id];
        assert_eq!(action, "stop", "{id}");
        assert!(outcome.starts_with("failed"), "{id}: {outcome}");
    }
    state("running").await;
    assert_eq!(proxy.pending(), 0, "every fault was injected");
    // The next pass stops them, and the one after has nothing left to do.
    let retry = day.actions("2026-11-25T17:01:00-05:00");
    assert!(only(&retry, &ids, "stop"), "{retry:?}");
    state("stopped").await;
    assert!(only(
        &day.actions("2026-11-25T17:02:00-05:00"),
        &ids,
        "none"
    ));
    assert_eq!(proxy.injected(), 11);

    // Each transition once in the history, the failed attempt too.
    for id in &ids {
        let history: Vec<(String, String)> = day
            .ok(&["history", id, "--format", "json"])
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                (s("action"), s("outcome"))
            })
            .collect();
        let count = |action: &str, ok: bool| {
            history
                .iter()
                .filter(|(a, o)| a == action && (o == "ok") == ok)
                .count()
        };
        assert_eq!(
            (
                count("stop", true),
                count("start", true),
                count("stop", false)
            ),
            (2, 1, 1),
            "{id}: {history:?}"
        );
    }
}
