//! No notice is lost to a restart: a webhook receiver that is down when isched has
//! something to say gets it, signed, after `isched serve` was killed with SIGKILL and
//! started again, once and only once.

use isched_testkit::{Backend, ServeProcess, TestDb, WebhookSink};
use serde_json::json;
use std::time::Duration;

async fn start(db: &TestDb, hook: &WebhookSink) -> ServeProcess {
    let url = db.url().to_owned();
    let hook_url = hook.url.clone();
    ServeProcess::start(env!("CARGO_BIN_EXE_isched"), move |c| {
        c.env("ISCHED_DATABASE_URL", url)
            .env("ISCHED_PROVIDER", "sandbox")
            .env("ISCHED_SCHEDULER_ENABLED", "false")
            .env("ISCHED_WEBHOOK_URL", hook_url)
            .env("ISCHED_WEBHOOK_SECRET", "outbox-secret")
            .env("ISCHED_PUBLIC_URL", "http://isched.test");
    })
    .await
}

async fn survives_a_restart(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let hook = WebhookSink::start().await;
    hook.refuse(true);
    let mut app = start(&db, &hook).await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "new@isched.test" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    // The first attempt is made during the request, and refused.
    assert_eq!(hook.refused(), 1, "one attempt while the receiver was down");
    app.kill9();

    hook.refuse(false);
    let _app = start(&db, &hook).await;
    // The first retry is due 5 s after the refusal; the job runner looks every second.
    let got = hook.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1, "delivered after the restart");
    let notice = got[0].json();
    assert_eq!(notice["event"], "user_created", "{notice}");
    assert_eq!(
        notice["subject"], "New isched user new@isched.test",
        "{notice}"
    );
    assert_eq!(
        got[0].header("x-isched-signature"),
        Some(isched_engine::notify::signature(
            "outbox-secret",
            &got[0].body
        )),
        "signed as on the first attempt"
    );
    // Delivered rows are done with: nothing comes twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hook.received().len(), 1, "delivered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_survives_a_restart_on_sqlite() {
    survives_a_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_survives_a_restart_on_postgres() {
    survives_a_restart(Backend::Postgres).await;
}
