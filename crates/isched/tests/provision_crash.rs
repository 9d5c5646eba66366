//! kill -9 during provisioning loses nothing and doubles nothing: 20 create requests, with
//! `isched serve` killed by SIGKILL at random moments (during requests and during the jobs'
//! steps) and started again, end with exactly one instance per request and every job
//! finished. Clients repeat a request whose answer they did not get with the same
//! Idempotency-Key, as the API asks them to.

use isched_testkit::{Backend, ServeProcess, TestDb};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const REQUESTS: usize = 20;

async fn start(db: &TestDb) -> ServeProcess {
    let url = db.url().to_owned();
    ServeProcess::start(env!("CARGO_BIN_EXE_isched"), move |c| {
        c.env("ISCHED_DATABASE_URL", url)
            .env("ISCHED_PROVIDER", "sandbox")
            // Slow enough that kills land inside wait_running too.
            .env("ISCHED_SANDBOX_TRANSITION_SECS", "1")
            // A killed worker's jobs are taken over soon after the restart.
            .env("ISCHED_JOB_LEASE_SECS", "2")
            .env("ISCHED_SCHEDULER_ENABLED", "false")
            // Tokens name their issuer; each restart gets a new port, not a new issuer.
            .env("ISCHED_PUBLIC_URL", "http://isched.test");
    })
    .await
}

async fn survives(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let mut dice = StdRng::seed_from_u64(isched_testkit::crash_seed());

    let mut app = start(&db).await;
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "dev", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "office" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = app
        .user_token(&admin, "dev@isched.test", "dev-password-1")
        .await;

    // request number → the job its answer named.
    let mut answered: BTreeMap<usize, Value> = BTreeMap::new();
    let mut kills = 0;
    while answered.len() < REQUESTS || kills < 5 {
        let pending: Vec<usize> = (0..REQUESTS)
            .filter(|n| !answered.contains_key(n))
            .collect();
        let kill_after = Duration::from_millis(dice.random_range(20..900));
        // Answers are kept as they arrive, whatever happens to the others.
        let got = std::sync::Mutex::new(Vec::new());
        {
            let requests =
                futures_util::future::join_all(pending.iter().enumerate().map(|(i, &n)| {
                    let app = &app;
                    let user = &user;
                    let got = &got;
                    async move {
                        // Spread over the round, so that kills land between and inside requests.
                        tokio::time::sleep(Duration::from_millis(40 * i as u64)).await;
                        let res = app
                            .client
                            .post(app.url("/api/v1/instances"))
                            .bearer_auth(user)
                            .header("Idempotency-Key", format!("request-{n}"))
                            .json(&json!({ "template": "dev", "name": format!("box-{n}") }))
                            .send()
                            .await;
                        match res {
                            Ok(r) if r.status() == 202 => {
                                if let Ok(answer) = r.json::<Value>().await {
                                    got.lock().expect("answers").push((n, answer));
                                }
                            }
                            Ok(r) => panic!(
                                "request {n}: {} {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            ),
                            // Killed before it answered: asked again after the restart.
                            Err(_) => {}
                        }
                    }
                }));
            let killer = tokio::time::sleep(kill_after);
            tokio::pin!(requests, killer);
            tokio::select! {
                _ = &mut requests => {
                    // The jobs are running now: kill in the middle of their steps.
                    tokio::time::sleep(Duration::from_millis(dice.random_range(0..1500))).await;
                }
                _ = &mut killer => {}
            }
        }
        answered.extend(got.into_inner().expect("answers"));
        eprintln!(
            "kill {}: {} of {REQUESTS} requests answered",
            kills + 1,
            answered.len()
        );
        app.kill9();
        kills += 1;
        app = start(&db).await;
    }
    eprintln!("{kills} kills");

    // The last process runs every job to its end.
    let mut jobs = BTreeSet::new();
    let mut instances = BTreeSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    for (n, answer) in &answered {
        let job_id = answer["job"]["id"].as_str().expect("job id").to_owned();
        let finished = loop {
            let res = app
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/jobs/{job_id}"),
                    Some(&user),
                    None,
                )
                .await;
            assert_eq!(res.status(), 200, "job {job_id}");
            let job: Value = res.json().await.expect("json");
            if job["state"] == "succeeded" || job["state"] == "failed" {
                break job;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job {job_id} did not finish: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(finished["state"], "succeeded", "request {n}: {finished}");
        jobs.insert(job_id);
        instances.insert(
            finished["result"]["cloud_id"]
                .as_str()
                .expect("cloud id")
                .to_owned(),
        );
    }
    assert_eq!(jobs.len(), REQUESTS, "one job per request");
    assert_eq!(instances.len(), REQUESTS, "one instance per request");
    let store = isched_store::Store::connect(db.url()).await.expect("store");
    let sandbox = store
        .sandbox_list("sandbox", "sandbox-1")
        .await
        .expect("sandbox");
    let made: BTreeSet<String> = sandbox.iter().map(|s| s.id.clone()).collect();
    assert_eq!(
        made, instances,
        "the cloud holds exactly the instances of the requests, no more"
    );
    assert_eq!(store.open_jobs().await.expect("jobs"), 0);
    let mut resumed = 0;
    for id in &jobs {
        if store.job(id).await.expect("job").expect("stored").attempts > 1 {
            resumed += 1;
        }
    }
    eprintln!("{resumed} of {REQUESTS} jobs were resumed after a kill");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_provisioning_on_sqlite() {
    survives(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_provisioning_on_postgres() {
    survives(Backend::Postgres).await;
}
