//! Structured logs with tracing: human-readable text by default, JSON lines when
//! `ISCHED_LOG_FORMAT=json`. Logs go to standard error, keeping standard output for data.
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
//! set, spans (each request's, with its request id) are also exported over OTLP/HTTP, in
//! protobuf or, with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`, JSON. The exporter reads the
//! standard OTEL_* variables itself (headers, timeout, batch delays, service name).

use crate::config::LogFormat;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the trace exporter alive; dropping it sends the spans still buffered.
#[must_use = "dropping the guard stops trace export"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("isched: the last traces could not be sent: {e}");
        }
    }
}

/// Logs only (commands that print data).
pub fn init(format: LogFormat, filter: &str) {
    drop(init_with_traces(format, filter, false));
}

/// Logs, and traces when the OTLP endpoint is configured (`isched serve`). Must be called
/// outside the async runtime: the exporter runs on its own thread with a blocking client.
pub fn init_with_traces(format: LogFormat, filter: &str, traces: bool) -> Telemetry {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = match format {
        LogFormat::Text => fmt.boxed(),
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    };
    let provider = if traces { trace_provider() } else { None };
    // Spans at info and above are traced whatever the log level: quieter logs must not
    // leave the traces empty.
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("isched"))
            .with_filter(LevelFilter::INFO)
            .boxed()
    });
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(otel)
        .try_init();
    Telemetry { traces: provider }
}

fn trace_provider() -> Option<SdkTracerProvider> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    if !configured {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            // Traces are an aid, not a reason to refuse to serve.
            eprintln!("isched: traces are off: the OTLP exporter could not be set up: {e}");
            return None;
        }
    };
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("isched");
    }
    Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    )
}
