//! Load on sign-in and token refresh (issue J): wrk on loopback against an in-process
//! server on SQLite and on Postgres. Reports requests per second, p50/p99 and the resident
//! memory (RSS) of the process before and after each load; fails on any answer that is not
//! 2xx. RSS must stay flat under a sign-in flood: argon2 (19 MiB per hash) runs at most
//! `max_concurrent_hashes` (4) at once and the other requests wait their turn. Refresh
//! tokens rotate, so each wrk connection carries its own chain: every answer's refresh
//! token is the next request's. Reads under load are the `resources_list` and `pages`
//! benchmarks. The per-client sign-in rate limit is lifted for the run (it would answer
//! 429 after 60 a minute, by design).
//! Run: `cargo bench -p isched-testkit --bench load` (needs `wrk`);
//! `ISCHED_BENCH_BACKEND=sqlite|postgres` narrows it.

use isched_testkit::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, WrkFigures, rss_mib, spawn_app_with, wrk,
};

const SECONDS: u32 = 10;
const CONNECTIONS: u32 = 8;

fn sign_in_script() -> String {
    format!(
        r#"wrk.method = "POST"
wrk.body = '{{"email":"{ADMIN_EMAIL}","password":"{ADMIN_PASSWORD}"}}'
wrk.headers["Content-Type"] = "application/json"
"#
    )
}

/// One chain of refresh tokens per wrk thread (and connection).
fn refresh_script(tokens: &[String]) -> String {
    let list: Vec<String> = tokens.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"local tokens = {{{}}}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
end
function init(args)
  token = tokens[index]
end
function request()
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}},
    '{{"refresh_token":"' .. token .. '"}}')
end
function response(status, headers, body)
  local next = body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if next then token = next end
end
"#,
        list.join(", ")
    )
}

fn row(what: &str, f: WrkFigures, before: f64, after: f64) {
    println!(
        "  {what:<14} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   RSS {before:.0} -> {after:.0} MiB",
        f.requests_per_sec, f.p50_ms, f.p99_ms
    );
}

#[tokio::main]
async fn main() {
    let only = std::env::var("ISCHED_BENCH_BACKEND").ok();
    let dir = tempfile::tempdir().expect("tmp");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let Some(app) = spawn_app_with(backend, |c| {
            c.server.auth_rate_limit_per_minute = 1_000_000;
        })
        .await
        else {
            eprintln!("{name}: not available here, skipped");
            continue;
        };
        println!("{name} ({CONNECTIONS} connections, {SECONDS} s each):");

        let script = dir.path().join("sign_in.lua");
        std::fs::write(&script, sign_in_script()).expect("script");
        let url = app.url("/api/v1/auth/login");
        let before = rss_mib();
        let f = tokio::task::spawn_blocking(move || {
            wrk(&url, CONNECTIONS, SECONDS, &[], Some(&script))
        })
        .await
        .expect("wrk");
        row("sign-in", f, before, rss_mib());

        let threads = CONNECTIONS.min(4) as usize;
        let mut tokens = Vec::new();
        for _ in 0..threads {
            let t = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            tokens.push(t["refresh_token"].as_str().expect("refresh").to_owned());
        }
        let script = dir.path().join("refresh.lua");
        std::fs::write(&script, refresh_script(&tokens)).expect("script");
        let url = app.url("/api/v1/auth/refresh");
        let before = rss_mib();
        // One connection per thread: a chain of tokens cannot be shared.
        let f = tokio::task::spawn_blocking(move || {
            wrk(&url, threads as u32, SECONDS, &[], Some(&script))
        })
        .await
        .expect("wrk");
        row("token refresh", f, before, rss_mib());
    }
}
