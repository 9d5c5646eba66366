//! Notices from the scheduler: a reminder before a scheduled stop (email to the owner, a
//! signed webhook) whose link snoozes the stop, and failed starts retried with backoff, then
//! reported to the admins.

use fantoccini::Locator;
use isched_cloud::sandbox::{ACCOUNT, SandboxOptions, SandboxProvider};
use isched_cloud::{Provider, ResourceKind, ResourceRef, Target};
use isched_testkit::{
    ADMIN_EMAIL, Backend, Browser, SmtpSink, TestApp, WebhookSink, backend_tests, spawn_app_with,
};
use jiff::{SignedDuration, Timestamp, ToSpan};
use secrecy::SecretString;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

backend_tests!(reminds_before_a_stop_and_the_link_snoozes_it);
backend_tests!(failed_starts_are_retried_then_reported);

fn sandbox(app: &TestApp) -> SandboxProvider {
    let options = SandboxOptions {
        transition_delay: SignedDuration::ZERO,
        ..Default::default()
    };
    SandboxProvider::new(app.store.clone(), options)
}

async fn create(app: &TestApp, admin: &str, path: &str, body: serde_json::Value) {
    let r = app.post(path, Some(admin), &body).await;
    assert_eq!(
        r.status(),
        201,
        "{path}: {}",
        r.text().await.unwrap_or_default()
    );
}

fn key(id: &str) -> String {
    format!("sandbox:{ACCOUNT}:sandbox-1:{id}")
}

/// Waits until `f` holds for the resource's history; returns it.
async fn history_until(
    app: &TestApp,
    id: &str,
    what: &str,
    f: impl Fn(&[isched_store::scheduling::HistoryEntry]) -> bool,
) -> Vec<isched_store::scheduling::HistoryEntry> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let h = app.store.history(&key(id)).await.expect("history");
        if f(&h) {
            return h;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {h:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running app whose scheduler has just sent the reminder of a stop 30 s away.
struct Reminded {
    app: TestApp,
    sink: SmtpSink,
    hook: WebhookSink,
    id: String,
    stop: Timestamp,
    /// The snooze link from the email.
    link: String,
}

async fn reminded(backend: Backend) -> Option<Reminded> {
    let sink = SmtpSink::start();
    let hook = WebhookSink::start().await;
    let app = spawn_app_with(backend, |c| {
        c.scheduler_enabled = true;
        c.sandbox.transition_secs = 0;
        c.smtp_url = Some(SecretString::from(sink.url()));
        c.webhook_url = Some(SecretString::from(hook.url.clone()));
        c.webhook_secret = Some(SecretString::from("hook-secret"));
        c.reminder_minutes = 1;
        c.snooze_minutes = 60;
    })
    .await?;
    let admin = app.admin_token().await;
    let tags = BTreeMap::from([
        ("Schedule".to_owned(), "late".to_owned()),
        ("Owner".to_owned(), "owner@example.test".to_owned()),
    ]);
    let ids = sandbox(&app)
        .seed("sandbox-1", 1, "t3.micro", &tags)
        .await
        .expect("seed");
    // 30 s before a minute boundary, at which the period ends: the 1-minute reminder is due.
    let into_minute = app.clock.now().as_second().rem_euclid(60);
    app.clock
        .advance(SignedDuration::from_secs((90 - into_minute) % 60));
    let stop = Timestamp::from_second((app.clock.now().as_second() / 60 + 1) * 60).expect("stop");
    let end = stop.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let begin = end.checked_sub(2.hours()).expect("earlier");
    create(
        &app,
        &admin,
        "/api/v1/periods",
        json!({"name": "late", "begintime": begin.strftime("%H:%M").to_string(), "endtime": end.strftime("%H:%M").to_string()}),
    )
    .await;
    create(
        &app,
        &admin,
        "/api/v1/schedules",
        json!({"name": "late", "timezone": "UTC", "periods": ["late"]}),
    )
    .await;

    let mail = sink
        .wait_for_to("owner@example.test", 1, Duration::from_secs(20))
        .await;
    assert_eq!(mail.len(), 1, "one reminder to the owner");
    let subject = mail[0].header("Subject").unwrap_or_default();
    assert!(
        subject.contains(&ids[0]) && subject.contains("stops at"),
        "{subject}"
    );
    let link = mail[0]
        .highlighted()
        .expect("the snooze link on its own line");
    assert!(link.starts_with(&app.url("/snooze?")), "{link}");

    Some(Reminded {
        app,
        sink,
        hook,
        id: ids[0].clone(),
        stop,
        link,
    })
}

async fn reminds_before_a_stop_and_the_link_snoozes_it(backend: Backend) {
    let Some(Reminded {
        app,
        sink,
        hook,
        id,
        stop,
        link,
    }) = reminded(backend).await
    else {
        return;
    };
    let hooks = hook.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(hooks.len(), 1);
    let body = hooks[0].json();
    assert_eq!(body["event"], "reminder");
    assert_eq!(body["link"], link.as_str());
    assert_eq!(body["to"], "owner@example.test");
    assert_eq!(
        hooks[0].header("x-isched-signature"),
        Some(isched_engine::notify::signature(
            "hook-secret",
            &hooks[0].body
        )),
        "the body is signed with the webhook secret"
    );

    // Opening the link only asks; a tampered link is refused.
    let page = app.client.get(&link).send().await.expect("GET link");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("page").contains("Keep it running"));
    let url = reqwest::Url::parse(&link).expect("link is a URL");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let mut tampered = pairs.clone();
    for (k, v) in tampered.iter_mut() {
        if k == "u" {
            *v = (v.parse::<i64>().expect("ms") + 3_600_000).to_string();
        }
    }
    let refused = app
        .client
        .post(app.url("/snooze"))
        .form(&tampered)
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 400);
    assert!(
        refused.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html")),
        "a page for the browser, not the API's JSON envelope"
    );
    assert!(refused.text().await.expect("page").contains("damaged"));
    let overrides = app.store.overrides().await.expect("overrides");
    assert!(overrides.is_empty(), "{overrides:?}");

    let snoozed = app
        .client
        .post(app.url("/snooze"))
        .form(&pairs)
        .send()
        .await
        .expect("POST");
    assert_eq!(snoozed.status(), 200);
    assert!(
        snoozed
            .text()
            .await
            .expect("page")
            .contains("keeps running until")
    );
    let overrides = app.store.overrides().await.expect("overrides");
    let o = overrides.get(&key(&id)).expect("an override");
    assert_eq!(o.state, "running");
    assert_eq!(o.until, stop + SignedDuration::from_hours(1));
    assert_eq!(o.created_by, "snooze link");

    // The snooze moved the stop an hour on: no second reminder now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.to().contains("owner@example.test"))
            .count(),
        1
    );
    app.stop().await;
}

async fn failed_starts_are_retried_then_reported(backend: Backend) {
    let sink = SmtpSink::start();
    let Some(app) = spawn_app_with(backend, |c| {
        c.scheduler_enabled = true;
        c.sandbox.transition_secs = 0;
        c.sandbox.failure_rate = 1.0;
        c.smtp_url = Some(SecretString::from(sink.url()));
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    let tags = BTreeMap::from([("Schedule".to_owned(), "always".to_owned())]);
    let cloud = sandbox(&app);
    let ids = cloud
        .seed("sandbox-1", 1, "t3.micro", &tags)
        .await
        .expect("seed");
    let target = Target {
        account: ACCOUNT.into(),
        region: "sandbox-1".into(),
    };
    let stopped = cloud
        .stop(
            &target,
            &[ResourceRef {
                kind: ResourceKind::SandboxInstance,
                id: ids[0].clone(),
            }],
            false,
        )
        .await;
    assert!(stopped[0].outcome.is_ok());
    create(
        &app,
        &admin,
        "/api/v1/periods",
        json!({"name": "always", "weekdays": "mon-sun"}),
    )
    .await;
    // Enforced: a stopped instance inside its period is started, and every start fails.
    create(
        &app,
        &admin,
        "/api/v1/schedules",
        json!({"name": "always", "timezone": "UTC", "periods": ["always"], "enforced": true}),
    )
    .await;

    let failed = |h: &[isched_store::scheduling::HistoryEntry]| {
        h.iter()
            .filter(|e| e.action == "start" && e.outcome.starts_with("failed"))
            .count()
    };
    // Each retry comes 15 s, 30 s, 1, 2, 4 min after the failure before it: move the
    // clock on to each, and see it happen.
    for n in 1..=5u32 {
        history_until(&app, &ids[0], &format!("failed start #{n}"), |h| {
            failed(h) >= n as usize
        })
        .await;
        app.clock
            .advance(SignedDuration::from_secs(15 * 2i64.pow(n - 1) + 1));
    }
    let h = history_until(&app, &ids[0], "the report", |h| {
        h.iter().any(|e| e.outcome == "reported")
    })
    .await;
    assert_eq!(failed(&h), 6, "{h:#?}");
    let report = h.iter().find(|e| e.outcome == "reported").expect("report");
    assert!(
        report.reason.contains("failed 6 times"),
        "{}",
        report.reason
    );
    let mail = sink
        .wait_for_to(ADMIN_EMAIL, 1, Duration::from_secs(10))
        .await;
    assert_eq!(mail.len(), 1, "the admins hear of it once");
    let subject = mail[0].header("Subject").unwrap_or_default();
    assert!(subject.contains("cannot start"), "{subject}");
    app.stop().await;
}

/// The same link, opened and confirmed in headless Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snooze_link_in_a_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(r) = reminded(Backend::Sqlite).await else {
        return;
    };
    let b = &browser.client;
    b.goto(&r.link).await.expect("open the link");
    let title = b
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(title, "Keep it running?");
    let page = b.source().await.expect("source");
    assert!(page.contains(&r.id), "the page names the instance");
    browser.screenshot("snooze-confirm").await;
    b.find(Locator::Css("button[type=submit]"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("click");
    let done = b
        .wait()
        .for_element(Locator::XPath("//h1[text()='Snoozed']"))
        .await
        .expect("the confirmation");
    assert_eq!(done.text().await.expect("text"), "Snoozed");
    browser.screenshot("snooze-done").await;
    let overrides = r.app.store.overrides().await.expect("overrides");
    assert_eq!(
        overrides.get(&key(&r.id)).map(|o| o.until),
        Some(r.stop + SignedDuration::from_hours(1))
    );
    browser.close().await;
    drop((r.sink, r.hook));
    r.app.stop().await;
}
