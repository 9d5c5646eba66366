//! axe-core (from the npm registry, installed by the test command into scripts/axe) run in
//! real headless Chromium on every page, signed out and as an admin: no serious or critical
//! violations.

use super::web_steps::{click_through, fill, sign_in, text_of};
use fantoccini::Locator;
use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Browser, spawn_app_with};
use serde_json::Value;
use std::path::PathBuf;

fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "{}: {e}; the test command installs axe-core",
                path.display()
            )
        }
        Err(_) => {
            eprintln!("SKIPPED: axe-core is not installed (run ./scripts/test)");
            None
        }
    }
}

/// The serious and critical violations axe finds on the page the browser shows.
async fn violations(b: &fantoccini::Client, axe: &str) -> Vec<Value> {
    // WebDriver's scripts run outside the page's CSP, so axe needs no exception in it.
    b.execute(&format!("{axe}\n;return true;"), vec![])
        .await
        .expect("axe loads");
    let found = b
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] }).then(r => done(
                r.violations
                    .filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                 where: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }))
            ), e => done([{ id: "axe-error", help: String(e) }]));"#,
            vec![],
        )
        .await
        .expect("axe runs");
    found.as_array().cloned().unwrap_or_default()
}

/// Fails when axe finds a serious or critical violation on the page shown now (`what`);
/// pages that other tests reach on their way (a challenge, a step-up, a job) use it.
pub(crate) async fn assert_accessible(b: &fantoccini::Client, what: &str) {
    let Some(axe) = axe_source() else {
        return;
    };
    let found = violations(b, &axe).await;
    assert!(found.is_empty(), "{what}: {found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_without_serious_violations() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(app) = spawn_app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let b = &browser.client;
    let mut failures = Vec::new();
    for path in ["/", "/ui/forgot"] {
        b.goto(&app.url(path)).await.expect("open");
        for v in violations(b, &axe).await {
            failures.push(format!("{path}: {v}"));
        }
    }
    sign_in(b, &app.url("/"), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for path in [
        "/ui/instances",
        "/ui/schedules",
        "/ui/schedules/office",
        "/ui/usage",
        "/ui/account",
        "/ui/admin/instances",
        "/ui/admin/users",
        "/ui/admin/plan",
        "/ui/admin/audit",
        "/ui/admin/health",
        "/ui/periods",
        "/ui/periods/new",
        "/ui/schedules/new",
        "/ui/schedules/office/edit",
        "/ui/admin/templates",
        "/ui/admin/templates/new",
        "/ui/admin/quotas",
        "/ui/admin/settings",
    ] {
        b.goto(&app.url(path)).await.expect("open");
        for v in violations(b, &axe).await {
            failures.push(format!("{path}: {v}"));
        }
    }
    // An editor showing its problems next to the fields.
    b.goto(&app.url("/ui/schedules/new")).await.expect("open");
    fill(b, "#f-name", "a11y").await;
    fill(b, "#f-timezone", "Nowhere/Land").await;
    click_through(b, "form.editor button[type=submit]").await;
    text_of(b, Locator::Css("#f-timezone-error"), "the zone's problem").await;
    for v in violations(b, &axe).await {
        failures.push(format!("the schedule editor with problems: {v}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    browser.close().await;
    app.stop().await;
}
