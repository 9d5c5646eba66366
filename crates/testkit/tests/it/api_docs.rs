//! The API contract as clients meet it: `/api/v1/openapi.json`, `/docs` rendered by a real
//! Chromium with no network, and schemathesis driving every operation of the document
//! against the running server, signed in as an admin.

use fantoccini::Locator;
use isched_testkit::{Backend, Browser, spawn_app, venv_bin};
use serde_json::Value;
use std::process::Stdio;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_json_is_the_generated_document() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served: Value = res.json().await.expect("json");
    let generated = serde_json::to_value(isched_server::openapi()).expect("document");
    assert_eq!(served, generated);
    // A browser at the root finds the sign-in page, which links nowhere outside; the
    // reference stays at /docs.
    let root = app.client.get(app.url("/")).send().await.expect("root");
    assert_eq!(root.status(), 200);
    assert!(
        root.text()
            .await
            .expect("page")
            .contains("Sign in to isched")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_render_offline_in_chromium() {
    let Some(browser) = Browser::start_offline().await else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let b = &browser.client;
    b.goto(&app.url("/docs")).await.expect("open /docs");
    let title = b
        .wait()
        .for_element(Locator::Css(".swagger-ui .info .title"))
        .await
        .expect("Swagger UI rendered the document's title")
        .text()
        .await
        .expect("text");
    assert!(title.starts_with("isched"), "{title}");
    b.wait()
        .for_element(Locator::Css(".opblock"))
        .await
        .expect("operations listed");
    let operations = b
        .find_all(Locator::Css(".opblock"))
        .await
        .expect("operations");
    assert!(operations.len() >= 30, "{} operations", operations.len());
    // Everything the page loaded came from isched itself.
    let loaded = b
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .expect("resource timing");
    let loaded: Vec<String> = serde_json::from_value(loaded).expect("urls");
    assert!(!loaded.is_empty());
    // (data: URLs are icons inlined in the stylesheet.)
    for url in loaded.iter().filter(|u| !u.starts_with("data:")) {
        assert!(url.starts_with(&app.base_url), "{url} is not from isched");
    }
    browser.screenshot("docs").await;
    browser.close().await;
    app.stop().await;
}

/// schemathesis generates requests from the document for every operation and checks that
/// none gets a server error and every answer fits the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_errors_and_no_schema_violations() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let token = app.admin_token().await;
    let report = tempfile::tempdir().expect("report dir");
    let out = tokio::process::Command::new(venv_bin("st"))
        .args([
            "run",
            &app.url("/api/v1/openapi.json"),
            "--url",
            &app.base_url,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "8",
            "--phases",
            "examples,fuzzing",
            "--workers",
            "1",
            // Free-form path parameters ({name}): Hypothesis throws away generated strings
            // that cannot be a path segment, and with some seeds it throws away so many
            // that its health check about data generation (not about our answers) fails.
            "--suppress-health-check",
            "filter_too_much",
            "--no-color",
        ])
        .current_dir(report.path())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("schemathesis runs (./scripts/test installs it in .venv)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
    app.stop().await;
}
