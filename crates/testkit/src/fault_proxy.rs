//! A reverse proxy on a free loopback port in front of an upstream (moto) that answers
//! chosen requests (those whose body contains a given text, such as
//! `Action=StopInstances`) with a fault, and forwards everything else. The faults are
//! those a real cloud API shows: throttling, no capacity, 5xx answers, attempts that hang
//! past the client's timeout, and connections dropped before the answer's body. The last two
//! reach the upstream first, so the cloud has acted when the caller sees the failure:
//! what makes a retry dangerous for a call that is not idempotent.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct FaultProxy {
    pub endpoint: String,
    faults: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
    _server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    faults: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
}

/// Requests whose body contains `matching` get the faults still in `faults`, one each, in
/// order.
struct Rule {
    matching: String,
    faults: VecDeque<Fault>,
}

/// What the proxy answers a matching request with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// EC2's `RequestLimitExceeded`, as a 503.
    Throttled,
    /// `InsufficientInstanceCapacity`, sent as a client error so that the SDK does not
    /// retry it and the caller sees it at once.
    NoCapacity,
    /// A 500 `InternalError`; the SDK treats it as transient.
    ServerError,
    /// Forwarded, and the upstream's answer held back this long (longer than the client's
    /// attempt timeout makes it a timeout after the cloud has acted).
    Slow(Duration),
    /// Forwarded, then the connection closed mid-answer: a status line and headers
    /// arrive, the body never does.
    Dropped,
}

impl Fault {
    /// The fault's answer without asking the upstream, for those that never reach it.
    fn refusal(self) -> Option<(StatusCode, String)> {
        let (status, code, message) = match self {
            Fault::Throttled => (
                StatusCode::SERVICE_UNAVAILABLE,
                "RequestLimitExceeded",
                "Request limit exceeded.",
            ),
            Fault::NoCapacity => (
                StatusCode::BAD_REQUEST,
                "InsufficientInstanceCapacity",
                "We currently do not have sufficient capacity in the Availability Zone you requested.",
            ),
            Fault::ServerError => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "An internal error has occurred.",
            ),
            Fault::Slow(_) | Fault::Dropped => return None,
        };
        Some((status, ec2_error(code, message)))
    }
}

/// An error answer in EC2's Query protocol.
fn ec2_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
<Message>{message}</Message></Error></Errors><RequestID>isched-fault-proxy</RequestID></Response>"
    )
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
        FaultProxy::with_faults(upstream, matching, vec![fault; first]).await
    }

    /// Answers the next requests matching `matching` with `faults`, one each, in order.
    pub async fn with_faults(upstream: &str, matching: &str, faults: Vec<Fault>) -> FaultProxy {
        FaultProxy::with_rules(upstream, vec![(matching, faults)]).await
    }

    /// Several texts, each with its own faults: a request gets the next fault of the first
    /// text it contains that has faults left.
    pub async fn with_rules(upstream: &str, rules: Vec<(&str, Vec<Fault>)>) -> FaultProxy {
        let rules = rules
            .into_iter()
            .map(|(matching, faults)| Rule {
                matching: matching.to_owned(),
                faults: faults.into(),
            })
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            faults: Arc::new(Mutex::new(rules)),
            injected: Arc::new(AtomicUsize::new(0)),
            forwarded: Arc::new(AtomicUsize::new(0)),
        };
        let (faults, injected, forwarded) = (
            state.faults.clone(),
            state.injected.clone(),
            state.forwarded.clone(),
        );
        let app = axum::Router::new().fallback(forward).with_state(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            endpoint,
            faults,
            injected,
            forwarded,
            _server: server,
        }
    }

    /// Requests answered with a fault (slow and dropped ones included).
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    /// Requests passed to the upstream (slow and dropped ones included).
    pub fn forwarded(&self) -> usize {
        self.forwarded.load(Ordering::SeqCst)
    }

    /// More faults for requests matching `matching`, after those already waiting.
    pub fn add(&self, matching: &str, faults: Vec<Fault>) {
        self.faults.lock().expect("faults").push(Rule {
            matching: matching.to_owned(),
            faults: faults.into(),
        });
    }

    /// Faults not injected yet.
    pub fn pending(&self) -> usize {
        let rules = self.faults.lock().expect("faults");
        rules.iter().map(|r| r.faults.len()).sum()
    }
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let fault = p
        .faults
        .lock()
        .expect("faults")
        .iter_mut()
        .find(|r| !r.faults.is_empty() && text.contains(&r.matching))
        .and_then(|r| r.faults.pop_front());
    if let Some(fault) = fault {
        p.injected.fetch_add(1, Ordering::SeqCst);
        if let Some((status, body)) = fault.refusal() {
            return Response::builder()
                .status(status)
                .header("content-type", "text/xml")
                .body(Body::from(body))
                .expect("response");
        }
    }
    p.forwarded.fetch_add(1, Ordering::SeqCst);
    let answer = ask_upstream(&p, parts, body).await;
    match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            answer
        }
        Some(Fault::Dropped) => {
            // A body that fails before its first byte: hyper closes the connection, and
            // the client has a status line it cannot finish reading.
            let failing = futures_util::stream::once(async {
                Err::<Bytes, _>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropped by the fault proxy",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "text/xml")
                .header("content-length", "4096")
                .body(Body::from_stream(failing))
                .expect("response")
        }
        _ => answer,
    }
}

async fn ask_upstream(p: &Proxy, parts: axum::http::request::Parts, body: Bytes) -> Response {
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
            .body(Body::from(ec2_error("BadGateway", &e.to_string())))
            .expect("response"),
    }
}
