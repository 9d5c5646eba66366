//! OpenTelemetry traces: with `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, `isched serve`
//! exports each request's span over OTLP/HTTP, with the request id as an attribute, even
//! when its logs are quiet (warn).

use isched_testkit::{ServeProcess, WebhookSink};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_reach_the_otlp_endpoint_with_their_request_id() {
    let collector = WebhookSink::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("isched.db").display());
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_isched"), |cmd| {
        cmd.env("ISCHED_DATABASE_URL", &db)
            .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &collector.url)
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
            .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    })
    .await;
    let response = server
        .client
        .get(server.url("/health"))
        .header("x-request-id", "trace-me-7f3a")
        .send()
        .await
        .expect("health");
    assert_eq!(response.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let exported = loop {
        let found = collector
            .received()
            .into_iter()
            .find(|hook| String::from_utf8_lossy(&hook.body).contains("trace-me-7f3a"));
        if let Some(hook) = found {
            break hook;
        }
        assert!(
            Instant::now() < deadline,
            "no span with the request id reached the collector; got {} exports",
            collector.received().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        exported.header("content-type").as_deref(),
        Some("application/json")
    );
    let body = exported.json();
    let resource = &body["resourceSpans"][0]["resource"]["attributes"];
    assert!(
        resource.to_string().contains("\"isched\""),
        "service.name is isched: {resource}"
    );
    let text = body.to_string();
    assert!(text.contains("\"request_id\""), "{text}");
}
