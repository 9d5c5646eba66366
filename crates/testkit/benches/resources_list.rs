//! `GET /api/v1/resources?limit=100` served from the stored inventory (issue L): p50/p99
//! latency with wrk on loopback over 10,000 and 100,000 inventory rows on SQLite and
//! Postgres, beside a bare axum handler returning a body of the same size in the same run.
//! Goal: p99 within 3× the bare handler and independent of the inventory's size.
//! Run: `cargo bench -p isched-testkit --bench resources_list` (needs `wrk`).
//! `ISCHED_BENCH_BACKEND=sqlite|postgres` and `ISCHED_BENCH_ROWS=N` narrow the run.

use isched_store::inventory::{InventoryItem, InventoryUpdate, ScheduleSource, SeenTarget};
use isched_testkit::{Backend, rss_mib, spawn_app, wrk_latency};
use std::collections::BTreeMap;

const SIZES: [usize; 2] = [10_000, 100_000];

fn item(n: usize, at: jiff::Timestamp) -> InventoryItem {
    let id = format!("sbx-{n:08}");
    InventoryItem {
        resource: format!("sandbox:sandbox:sandbox-1:{id}"),
        provider: "sandbox".into(),
        kind: "sandbox-instance".into(),
        account: "sandbox".into(),
        region: "sandbox-1".into(),
        cloud_id: id,
        state: if n.is_multiple_of(3) {
            "stopped"
        } else {
            "running"
        }
        .into(),
        instance_type: Some("t3.micro".into()),
        tags: BTreeMap::from([
            ("Schedule".to_owned(), format!("office-{}", n % 100)),
            ("Team".to_owned(), format!("team-{}", n % 7)),
        ]),
        schedule: Some(format!("office-{}", n % 100)),
        schedule_source: Some(ScheduleSource::Tag),
        unschedulable: None,
        desired: Some("running".into()),
        reason: Some("running as scheduled".into()),
        first_seen: at,
        last_seen: at,
    }
}

/// A bare axum handler answering `body` on a free port.
async fn bare(body: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    // Set up as isched's own server is: TCP_NODELAY on every connection.
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| tcp.set_nodelay(true).expect("nodelay"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/")
}

#[tokio::main]
async fn main() {
    println!(
        "{:<9} {:>8} {:>10} {:>10} {:>8} {:>10} {:>10}",
        "backend", "rows", "p50 ms", "p99 ms", "req/s", "bare p50", "bare p99"
    );
    let only_backend = std::env::var("ISCHED_BENCH_BACKEND").ok();
    let sizes: Vec<usize> = match std::env::var("ISCHED_BENCH_ROWS") {
        Ok(n) => vec![n.parse().expect("ISCHED_BENCH_ROWS is a number")],
        Err(_) => SIZES.to_vec(),
    };
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if only_backend.as_ref().is_some_and(|b| *b != name) {
            continue;
        }
        for &size in &sizes {
            let Some(app) = spawn_app(backend).await else {
                continue;
            };
            let at = jiff::Timestamp::now();
            app.store
                .update_inventory(&InventoryUpdate {
                    at: Some(at),
                    targets: vec![SeenTarget {
                        provider: "sandbox".into(),
                        account: "sandbox".into(),
                        region: "sandbox-1".into(),
                        whole: true,
                    }],
                    items: (0..size).map(|n| item(n, at)).collect(),
                })
                .await
                .expect("inventory");
            let token = app.admin_token().await;
            // A page from the middle: the keyset cursor, not an offset, finds it.
            let first = app
                .call(
                    reqwest::Method::GET,
                    "/api/v1/resources?limit=100",
                    Some(&token),
                    None,
                )
                .await
                .text()
                .await
                .expect("page");
            let cursor =
                serde_json::from_str::<serde_json::Value>(&first).expect("json")["next_cursor"]
                    .as_str()
                    .expect("cursor")
                    .to_owned();
            let path = format!("/api/v1/resources?limit=100&cursor={cursor}");
            let bare_url = bare(first.clone()).await;
            let bare = wrk_latency(&bare_url, 8, 5, &[]);
            let before = rss_mib();
            let f = wrk_latency(
                &app.url(&path),
                8,
                5,
                &[format!("Authorization: Bearer {token}")],
            );
            println!(
                "{:<9} {:>8} {:>10.2} {:>10.2} {:>8.0} {:>10.2} {:>10.2}   body {} B, p99 {:.1}x bare, RSS {before:.0} -> {:.0} MiB",
                format!("{backend:?}"),
                size,
                f.p50_ms,
                f.p99_ms,
                f.requests_per_sec,
                bare.p50_ms,
                bare.p99_ms,
                first.len(),
                f.p99_ms / bare.p99_ms,
                rss_mib()
            );
            app.stop().await;
        }
    }
}
