//! The schedule and period editors in real headless Chromium: problems shown next to the
//! field they name with what was typed kept, then the saved schedule's week.

use super::web_steps::{
    admin_in_browser, click, click_through, fill, fill_when_shown, shown, text_of,
};
use fantoccini::Locator;

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
    let Some((browser, app)) = admin_in_browser(|_| {}).await else {
        return;
    };
    let b = &browser.client;

    b.goto(&app.url("/ui/periods")).await.expect("periods");
    shown(b, "Periods").await;
    click_through(b, "a[href='/ui/periods/new']").await;
    fill_when_shown(b, "#f-name", "lunch").await;
    fill(b, "#f-begintime", "12:00").await;
    fill(b, "#f-endtime", "25:00").await;
    fill(b, "#f-weekdays", "mon-fri").await;
    click_through(b, "form.editor button[type=submit]").await;
    let problem = text_of(
        b,
        Locator::Css("#f-endtime-error"),
        "the end time's problem",
    )
    .await;
    assert!(problem.contains("25:00"), "{problem}");
    browser.screenshot("web-period-editor-error").await;
    clear_and_fill(b, "#f-endtime", "13:30").await;
    click_through(b, "form.editor button[type=submit]").await;
    shown(b, "Periods").await;
    text_of(
        b,
        Locator::XPath("//td/a[text()='lunch']"),
        "the new period",
    )
    .await;

    b.goto(&app.url("/ui/schedules")).await.expect("schedules");
    click_through(b, "a[href='/ui/schedules/new']").await;
    fill_when_shown(b, "#f-name", "lunch-breaks").await;
    fill(b, "#f-timezone", "Mars/Olympus").await;
    fill(b, "#f-periods", "lunch, siesta").await;
    click_through(b, "form.editor button[type=submit]").await;
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
    click_through(b, "form.editor button[type=submit]").await;
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
    click_through(b, "form.editor button[type=submit]").await;
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

/// An admin creates a template (problems next to their fields first), edits it, retires it
/// and deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_templates() {
    let Some((browser, app)) = admin_in_browser(|_| {}).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let b = &browser.client;
    click_through(b, "a[href='/ui/admin/templates']").await;
    shown(b, "Templates").await;
    click_through(b, "a[href='/ui/admin/templates/new']").await;
    fill_when_shown(b, "#f-name", "Dev Box").await;
    fill(b, "#f-image", "ami-0abc").await;
    fill(b, "#f-instance_types", "t3.micro, t3.small").await;
    fill(b, "#f-max_lifetime_hours", "a week").await;
    fill(b, "#f-tags", "team=platform\nno equals sign").await;
    b.find(Locator::Css("#f-schedule option[value='office']"))
        .await
        .expect("the office schedule is offered")
        .click()
        .await
        .expect("choose it");
    click_through(b, "form.editor button[type=submit]").await;
    let lifetime = text_of(
        b,
        Locator::Css("#f-max_lifetime_hours-error"),
        "the lifetime's problem",
    )
    .await;
    assert!(lifetime.contains("a week"), "{lifetime}");
    let tags = text_of(b, Locator::Css("#f-tags-error"), "the tags' problem").await;
    assert!(tags.to_lowercase().contains("line 2"), "{tags}");
    browser.screenshot("web-template-editor-errors").await;

    clear_and_fill(b, "#f-max_lifetime_hours", "72").await;
    clear_and_fill(b, "#f-tags", "team=platform").await;
    click_through(b, "form.editor button[type=submit]").await;
    let name = text_of(b, Locator::Css("#f-name-error"), "the name's problem").await;
    assert!(
        name.to_lowercase().contains("lower-case") || name.contains("Dev Box"),
        "{name}"
    );
    clear_and_fill(b, "#f-name", "dev-box").await;
    click_through(b, "form.editor button[type=submit]").await;
    shown(b, "Templates").await;
    text_of(
        b,
        Locator::XPath("//th/a[text()='dev-box']"),
        "the new template",
    )
    .await;
    browser.screenshot("web-templates").await;

    click_through(b, "a[href='/ui/admin/templates/dev-box/edit']").await;
    shown(b, "Edit the template dev-box").await;
    let types = b
        .find(Locator::Css("#f-instance_types"))
        .await
        .expect("types")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(types.as_deref(), Some("t3.micro, t3.small"));
    clear_and_fill(b, "#f-description", "A box to develop on").await;
    click_through(b, "form.editor button[type=submit]").await;
    shown(b, "Templates").await;
    text_of(
        b,
        Locator::XPath("//th[.//text()='A box to develop on']"),
        "the description",
    )
    .await;

    super::web_steps::click_and_confirm(
        b,
        Locator::Css("button[aria-label='Retire dev-box']"),
        "retire",
    )
    .await;
    text_of(b, Locator::XPath("//span[text()='retired']"), "retired").await;
    super::web_steps::click_and_confirm(
        b,
        Locator::Css("button[aria-label='Delete dev-box']"),
        "delete",
    )
    .await;
    super::web_steps::gone(
        b,
        Locator::XPath("//th/a[text()='dev-box']"),
        "the deleted template",
    )
    .await;
}

/// An admin sets a user's quota (a mistake shown next to its field first), changes it from
/// its row, sets a group's budget and removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_quotas() {
    let Some((browser, app)) = admin_in_browser(|_| {}).await else {
        return;
    };
    let b = &browser.client;
    let admin = isched_testkit::ADMIN_EMAIL;
    click_through(b, "a[href='/ui/admin/quotas']").await;
    shown(b, "Quotas").await;
    fill(b, "#f-who", "nobody@isched.test").await;
    fill(b, "#f-max_instances", "two").await;
    click_through(b, "form.editor button[type=submit]").await;
    let who = text_of(b, Locator::Css("#f-who-error"), "the unknown user").await;
    assert!(who.contains("nobody@isched.test"), "{who}");
    let count = text_of(b, Locator::Css("#f-max_instances-error"), "the count").await;
    assert!(count.contains("two"), "{count}");
    browser.screenshot("web-quotas-errors").await;

    clear_and_fill(b, "#f-who", admin).await;
    clear_and_fill(b, "#f-max_instances", "2").await;
    click_through(b, "form.editor button[type=submit]").await;
    let row = format!("//tr[th/strong[text()='{admin}']]");
    let cells = text_of(b, Locator::XPath(&row), "the user's quota").await;
    assert!(cells.contains('2'), "{cells}");

    click_through(b, &format!("a[aria-label='Change the quota of {admin}']")).await;
    shown(b, "Quotas").await;
    let kept = b
        .find(Locator::Css("#f-max_instances"))
        .await
        .expect("count")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("2"),
        "the form holds the quota to change"
    );

    b.goto(&app.url("/ui/admin/quotas?kind=group"))
        .await
        .expect("quotas");
    fill_when_shown(b, "#f-who", "team-a").await;
    fill(b, "#f-monthly_budget", "50").await;
    click_through(b, "form.editor button[type=submit]").await;
    let group = text_of(
        b,
        Locator::XPath("//tr[th/strong[text()='team-a']]"),
        "the group's quota",
    )
    .await;
    assert!(group.contains("50.00"), "{group}");
    browser.screenshot("web-quotas").await;
    super::web_steps::click_and_confirm(
        b,
        Locator::Css("button[aria-label='Remove the quota of team-a']"),
        "remove",
    )
    .await;
    super::web_steps::gone(
        b,
        Locator::XPath("//tr[th/strong[text()='team-a']]"),
        "the removed quota",
    )
    .await;
}

/// The settings page shows the configuration by the variables that set it, secrets only
/// as set or not set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_shows_the_configuration_without_secrets() {
    let Some((browser, _app)) = admin_in_browser(|c| {
        c.webhook_url = Some(secrecy::SecretString::from(
            "http://127.0.0.1:9/hook?token=webhook-token-123",
        ));
        c.webhook_secret = Some(secrecy::SecretString::from("hook-secret-456"));
    })
    .await
    else {
        return;
    };
    let b = &browser.client;
    click_through(b, "a[href='/ui/admin/settings']").await;
    shown(b, "Settings").await;
    let page = text_of(b, Locator::Css("main"), "the settings").await;
    assert!(
        page.contains("ISCHED_PROVIDER") && page.contains("sandbox"),
        "{page}"
    );
    assert!(page.contains("ISCHED_WEBHOOK_SECRET"), "{page}");
    let source = b.source().await.expect("source");
    assert!(
        !source.contains("webhook-token-123"),
        "the webhook URL's token leaked"
    );
    assert!(
        !source.contains("hook-secret-456"),
        "the webhook secret leaked"
    );
    browser.screenshot("web-settings").await;
}
