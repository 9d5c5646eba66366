//! A webhook receiver on a free loopback port that keeps every POST it gets.

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Hook {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Hook {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub struct WebhookSink {
    /// `http://127.0.0.1:PORT/hook`
    pub url: String,
    received: Arc<Mutex<Vec<Hook>>>,
    refusing: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookSink {
    pub async fn start() -> WebhookSink {
        let received: Arc<Mutex<Vec<Hook>>> = Arc::default();
        let refusing: Arc<AtomicBool> = Arc::default();
        let refused: Arc<AtomicUsize> = Arc::default();
        let (keep, refuse, count) = (received.clone(), refusing.clone(), refused.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (keep, refuse, count) = (keep.clone(), refuse.clone(), count.clone());
                async move {
                    if refuse.load(Ordering::SeqCst) {
                        count.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    keep.lock().expect("hooks").push(Hook { headers, body });
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free loopback port");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebhookSink {
            url,
            received,
            refusing,
            refused,
            task,
        }
    }

    /// While set, every request is answered 503 (and only counted), as by a receiver
    /// that is down for maintenance.
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Requests answered 503 so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Hook> {
        self.received.lock().expect("hooks").clone()
    }

    /// Waits up to `timeout` for at least `n` requests.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Hook> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
