//! The schedule and period editors in real headless Chromium: problems shown next to the
//! field they name with what was typed kept, then the saved schedule's week.

use super::web_steps::{click, fill, fill_when_shown, shown, sign_in, text_of};
use fantoccini::Locator;
use isched_testkit::{Backend, Browser, spawn_app_with};

async fn clear_and_fill(b: &fantoccini::Client, css: &str, text: &str) {
    let input = b
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

/// An admin writes a period and a schedule with mistakes, sees each next to its field,
/// fixes them and lands on the schedule's week.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_writes_a_schedule_and_sees_its_week() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(app) = spawn_app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let b = &browser.client;
    sign_in(
        b,
        &app.url("/"),
        isched_testkit::ADMIN_EMAIL,
        isched_testkit::ADMIN_PASSWORD,
    )
    .await;

    b.goto(&app.url("/ui/periods")).await.expect("periods");
    shown(b, "Periods").await;
    click(b, "a[href='/ui/periods/new']").await;
    fill_when_shown(b, "#f-name", "lunch").await;
    fill(b, "#f-begintime", "12:00").await;
    fill(b, "#f-endtime", "25:00").await;
    fill(b, "#f-weekdays", "mon-fri").await;
    click(b, "form.editor button[type=submit]").await;
    let problem = text_of(
        b,
        Locator::Css("#f-endtime-error"),
        "the end time's problem",
    )
    .await;
    assert!(problem.contains("25:00"), "{problem}");
    browser.screenshot("web-period-editor-error").await;
    clear_and_fill(b, "#f-endtime", "13:30").await;
    click(b, "form.editor button[type=submit]").await;
    shown(b, "Periods").await;
    text_of(
        b,
        Locator::XPath("//td/a[text()='lunch']"),
        "the new period",
    )
    .await;

    b.goto(&app.url("/ui/schedules")).await.expect("schedules");
    click(b, "a[href='/ui/schedules/new']").await;
    fill_when_shown(b, "#f-name", "lunch-breaks").await;
    fill(b, "#f-timezone", "Mars/Olympus").await;
    fill(b, "#f-periods", "lunch, siesta").await;
    click(b, "form.editor button[type=submit]").await;
    let zone = text_of(b, Locator::Css("#f-timezone-error"), "the zone's problem").await;
    assert!(zone.contains("Mars/Olympus"), "{zone}");
    let periods = text_of(b, Locator::Css("#f-periods-error"), "the periods' problem").await;
    assert!(periods.contains("siesta"), "{periods}");
    let kept = b
        .find(Locator::Css("#f-name"))
        .await
        .expect("name")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("lunch-breaks"),
        "what was typed is kept"
    );
    browser.screenshot("web-schedule-editor-errors").await;

    clear_and_fill(b, "#f-timezone", "Europe/Paris").await;
    clear_and_fill(b, "#f-periods", "lunch").await;
    click(b, "form.editor button[type=submit]").await;
    shown(b, "lunch-breaks").await;
    let week = text_of(b, Locator::Css("main"), "the week").await;
    assert!(week.contains("Europe/Paris"), "{week}");
    browser.screenshot("web-schedule-saved-week").await;

    // Edit: the stored values fill the form, and a change is saved.
    b.goto(&app.url("/ui/schedules/lunch-breaks/edit"))
        .await
        .expect("edit");
    shown(b, "Edit the schedule lunch-breaks").await;
    let zone = b
        .find(Locator::Css("#f-timezone"))
        .await
        .expect("zone")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(zone.as_deref(), Some("Europe/Paris"));
    click(b, "#f-enforced").await;
    click(b, "form.editor button[type=submit]").await;
    shown(b, "lunch-breaks").await;
    let token = app.admin_token().await;
    let stored: serde_json::Value = app
        .call(
            reqwest::Method::GET,
            "/api/v1/schedules/lunch-breaks",
            Some(&token),
            None,
        )
        .await
        .json()
        .await
        .expect("the stored schedule");
    assert_eq!(stored["enforced"], true, "{stored}");
}
