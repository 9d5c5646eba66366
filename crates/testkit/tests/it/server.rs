//! The server over HTTP, on both backends.

use isched_auth::bootstrap::Bootstrap;
use isched_store::users::{ROLE_ADMIN, UserStatus};
use isched_testkit::{ADMIN_EMAIL, Backend, backend_tests, spawn_app};
use serde_json::Value;

backend_tests!(
    health_answers_ok,
    components_report_the_database,
    unknown_routes_and_methods_use_the_envelope,
    responses_carry_request_id_and_security_headers,
    metrics_count_requests_by_route,
    bootstrap_admin_is_created_once,
);

async fn health_answers_ok(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json"),
        serde_json::json!({ "status": "ok" })
    );
    app.stop().await;
}

async fn components_report_the_database(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get("/health/components").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    let db = body["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "database")
        .expect("database");
    assert_eq!(db["status"], "ok");
    assert_eq!(db["required"], true);
    assert!(db["latency_ms"].as_f64().expect("latency") >= 0.0);
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert!(
        db["detail"].as_str().expect("detail").starts_with(expected),
        "{db}"
    );
    let cloud = body["components"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["name"] == "cloud_provider")
        .expect("cloud");
    assert_eq!(cloud["status"], "ok");
    assert!(
        cloud["detail"]
            .as_str()
            .expect("detail")
            .starts_with("sandbox (simulated cloud)"),
        "{cloud}"
    );
    for name in ["cloud_provider", "scheduler", "email"] {
        assert!(
            body["components"]
                .as_array()
                .expect("list")
                .iter()
                .any(|c| c["name"] == name),
            "{name} missing"
        );
    }
    // With the database gone, the required component is down and the answer is 503.
    app.store.close().await;
    let res = app.get("/health/components").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "down");
    app.stop().await;
}

async fn unknown_routes_and_methods_use_the_envelope(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get("/no/such/thing").await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let res = app
        .client
        .delete(app.url("/health"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"]["code"],
        "method_not_allowed"
    );
    app.stop().await;
}

async fn responses_carry_request_id_and_security_headers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get("/health").await;
    let h = res.headers();
    assert!(h.get("x-request-id").is_some_and(|v| v.len() >= 32));
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    assert_eq!(
        h.get("x-frame-options").map(|v| v.as_bytes()),
        Some(&b"DENY"[..])
    );
    assert!(h.get("content-security-policy").is_some());
    // A client's own request id is kept.
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.headers().get("x-request-id").map(|v| v.as_bytes()),
        Some(&b"trace-me-123"[..])
    );
    // CORS is closed by default: no allow-origin for a foreign origin.
    let res = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("send");
    assert!(res.headers().get("access-control-allow-origin").is_none());
    app.stop().await;
}

async fn metrics_count_requests_by_route(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.get("/health").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let text = res.text().await.expect("text");
    assert!(
        text.contains(r#"isched_http_requests_total{method="GET",route="/health",status="200"}"#),
        "{text}"
    );
    assert!(text.contains("isched_http_request_duration_seconds_bucket"));
    assert!(text.contains("isched_db_pool_connections"));
    app.stop().await;
}

async fn bootstrap_admin_is_created_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app
        .store
        .user_by_email(&isched_store::Email::parse(ADMIN_EMAIL).expect("email"))
        .await
        .expect("q")
        .expect("admin");
    assert_eq!(admin.roles, vec![ROLE_ADMIN]);
    assert_eq!(admin.status, UserStatus::Active);
    assert!(
        admin
            .password_hash
            .as_deref()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );
    let audit = app.store.list_audit(10, None).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "user.bootstrap_admin"));
    // A second start on the same database finds the admin and creates nobody.
    let again = isched_auth::bootstrap::ensure_admin(
        &app.store,
        &isched_store::Email::parse("other@isched.test").expect("email"),
        None,
        jiff::Timestamp::now(),
    )
    .await
    .expect("bootstrap");
    assert!(matches!(again, Bootstrap::AdminExists));
    app.stop().await;
}
