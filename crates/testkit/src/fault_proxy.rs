//! A reverse proxy on a free loopback port that answers the first N matching requests
//! (those whose body contains a given text, such as `Action=RunInstances`) with an EC2
//! error (throttling, or no capacity) and forwards everything else to an upstream (moto),
//! so that tests can show throttled calls are retried and refused starts fall back.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct FaultProxy {
    pub endpoint: String,
    throttled: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
    _server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    throttle_left: Arc<AtomicUsize>,
    matching: String,
    fault: Fault,
    throttled: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
}

/// EC2's throttling error, as the Query protocol sends it.
const THROTTLED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>\
<Message>Request limit exceeded.</Message></Error></Errors><RequestID>isched-fault-proxy</RequestID></Response>";

/// EC2's answer when it has no capacity for the instance type (sent as a client error, so
/// that the SDK does not retry it and the caller sees it at once).
const NO_CAPACITY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code>\
<Message>We currently do not have sufficient capacity in the Availability Zone you requested.</Message></Error></Errors><RequestID>isched-fault-proxy</RequestID></Response>";

/// What the proxy answers matching requests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttled,
    NoCapacity,
}

impl Fault {
    fn answer(self) -> (StatusCode, &'static str) {
        match self {
            Fault::Throttled => (StatusCode::SERVICE_UNAVAILABLE, THROTTLED),
            Fault::NoCapacity => (StatusCode::BAD_REQUEST, NO_CAPACITY),
        }
    }
}

impl FaultProxy {
    /// Throttles the first `throttle_first` requests matching `matching`.
    pub async fn start(upstream: &str, throttle_first: usize, matching: &str) -> FaultProxy {
        FaultProxy::with_fault(upstream, Fault::Throttled, throttle_first, matching).await
    }

    /// Answers the first `first` requests matching `matching` with `fault`.
    pub async fn with_fault(
        upstream: &str,
        fault: Fault,
        first: usize,
        matching: &str,
    ) -> FaultProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            throttle_left: Arc::new(AtomicUsize::new(first)),
            matching: matching.to_owned(),
            fault,
            throttled: Arc::new(AtomicUsize::new(0)),
            forwarded: Arc::new(AtomicUsize::new(0)),
        };
        let (throttled, forwarded) = (state.throttled.clone(), state.forwarded.clone());
        let app = axum::Router::new().fallback(forward).with_state(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            endpoint,
            throttled,
            forwarded,
            _server: server,
        }
    }

    /// Requests answered with the fault.
    pub fn throttled(&self) -> usize {
        self.throttled.load(Ordering::SeqCst)
    }

    /// Requests passed to the upstream.
    pub fn forwarded(&self) -> usize {
        self.forwarded.load(Ordering::SeqCst)
    }
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let matches = String::from_utf8_lossy(&body).contains(&p.matching);
    if matches
        && p.throttle_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        p.throttled.fetch_add(1, Ordering::SeqCst);
        let (status, body) = p.fault.answer();
        return Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .body(Body::from(body))
            .expect("response");
    }
    p.forwarded.fetch_add(1, Ordering::SeqCst);
    let url = format!(
        "{}{}",
        p.upstream,
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
    );
    let mut upstream = p.client.request(parts.method, url).body(body);
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(n, _)| *n != "host" && *n != "content-length")
    {
        upstream = upstream.header(name, value);
    }
    match upstream.send().await {
        Ok(res) => {
            let mut out = Response::builder().status(res.status());
            for (name, value) in res
                .headers()
                .iter()
                .filter(|(n, _)| *n != "content-length" && *n != "transfer-encoding")
            {
                out = out.header(name, value);
            }
            out.body(Body::from(res.bytes().await.unwrap_or_default()))
                .expect("response")
        }
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::from(e.to_string()))
            .expect("response"),
    }
}
