//! The web pages at 10,000 resources (issue G: server time for each page within 50 ms):
//! 10,000 sandbox instances tagged with the `office` schedule, discovered into the
//! inventory, with 30 days of running intervals each and running now, a tenth of them self-service instances
//! (of ten owners, the admin one of them); p50/p99 of every page with wrk on
//! loopback, signed in as the admin (a session cookie, as a browser). The latency wrk sees on
//! loopback is the server's time plus well under a millisecond.
//! Run: `cargo bench -p isched-testkit --bench pages` (needs `wrk`);
//! `ISCHED_BENCH_BACKEND=sqlite|postgres` narrows it, `ISCHED_BENCH_ROWS=N` changes the size,
//! `ISCHED_BENCH_CONNECTIONS=N` the requests in flight (default 4; 1 measures one request's
//! server time alone, without the others' queueing for the machine's cores).

use isched_cloud::sandbox::{DEFAULT_REGION, SandboxOptions, SandboxProvider};
use isched_engine::usage::{Prices, UsageSettings, roll_up};
use isched_store::instances::{Lifecycle, NewInstance};
use isched_store::jobs::NewJob;
use isched_store::scheduling::PassRecord;
use isched_store::{Email, Store};
use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, rss_mib, spawn_app, wrk_latency};
use std::collections::BTreeMap;

const PAGES: &[&str] = &[
    "/ui/instances",
    "/ui/schedules",
    "/ui/schedules/office",
    "/ui/periods",
    "/ui/usage",
    "/ui/account",
    "/ui/admin/instances",
    "/ui/admin/users",
    "/ui/admin/templates",
    "/ui/admin/quotas",
    "/ui/admin/plan",
    "/ui/admin/audit",
    "/ui/admin/health",
    "/ui/admin/settings",
];

/// One resource in ten made a self-service instance of the `dev-box` template, as if its
/// create job had finished: the owners are the admin and nine others, so that the user's
/// page lists a tenth of them and the admin's fleet page all.
async fn self_service(store: &Store, keys: &[String], ids: &[String]) {
    let now = jiff::Timestamp::now();
    let expires = now + jiff::SignedDuration::from_hours(24 * 30);
    // Instances belong to a user id (not an email), as the create request stores them.
    let admin = Email::parse(ADMIN_EMAIL).expect("the admin's email");
    let admin = store
        .user_by_email(&admin)
        .await
        .expect("users")
        .expect("the admin")
        .id;
    for (n, (key, cloud_id)) in keys.iter().zip(ids).step_by(10).enumerate() {
        let owner = match n % 10 {
            0 => admin.clone(),
            k => format!("user-{k}"),
        };
        let (id, job, name) = (format!("i{n:06}"), format!("j{n:06}"), format!("box-{n}"));
        let instance = NewInstance {
            id: &id,
            owner: &owner,
            name: &name,
            template: "dev-box",
            provider: "sandbox",
            account: "sandbox",
            region: DEFAULT_REGION,
            instance_type: "t3.micro",
            schedule: "office",
            hourly_price: Some(0.0104),
            expires_at: expires,
        };
        let job = NewJob {
            id: &job,
            kind: "create",
            owner: &owner,
            instance: Some(&id),
            steps: &["launch"],
            idempotency_key: None,
            now,
        };
        store
            .create_instance_with_job(&instance, &job)
            .await
            .expect("instance");
        store
            .set_instance_launched(&id, cloud_id, key)
            .await
            .expect("launched");
        store
            .set_instance_lifecycle(&id, Lifecycle::Active, now)
            .await
            .expect("active");
    }
}

/// The cookies a browser holds after signing in on `/`.
async fn sign_in(base: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let cookies = |res: &reqwest::Response| -> Vec<String> {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next().map(str::to_owned))
            .collect()
    };
    let page = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("sign-in page");
    let mut jar = cookies(&page);
    let html = page.text().await.expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the form")
        .to_owned();
    let signed_in = client
        .post(format!("{base}/ui/login"))
        .header("cookie", jar.join("; "))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(
        signed_in.status().is_redirection(),
        "sign-in: {}",
        signed_in.status()
    );
    jar.extend(cookies(&signed_in));
    jar.join("; ")
}

/// Vacuums `running_intervals` after the seeding's passes, as autovacuum does within a
/// minute of a big pass in production (migration 0021; the test machine's Postgres runs with
/// autovacuum off): measured right after 30 passes stopped 10,000 resources each, the open
/// intervals are read through 300,000 dead index entries, and the usage page took 64 ms.
async fn vacuumed(url: &str) {
    let pool = sqlx::PgPool::connect(url).await.expect("postgres");
    sqlx::query("VACUUM ANALYZE running_intervals")
        .execute(&pool)
        .await
        .expect("vacuum");
    pool.close().await;
}

/// A page as printed: the usage pages without their dates.
fn shown(page: &str) -> String {
    match page.split_once('?') {
        Some((path, query)) => {
            let group = query.split('&').find(|q| q.starts_with("group_by="));
            format!(
                "{path} (31 days{})",
                group.map_or(String::new(), |g| format!(", {g}"))
            )
        }
        None => page.to_owned(),
    }
}

#[tokio::main]
async fn main() {
    let size: usize = std::env::var("ISCHED_BENCH_ROWS")
        .map(|n| n.parse().expect("ISCHED_BENCH_ROWS is a number"))
        .unwrap_or(10_000);
    let only_backend = std::env::var("ISCHED_BENCH_BACKEND").ok();
    let connections: u32 = std::env::var("ISCHED_BENCH_CONNECTIONS")
        .map(|n| n.parse().expect("ISCHED_BENCH_CONNECTIONS is a number"))
        .unwrap_or(4);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if only_backend.as_ref().is_some_and(|b| *b != name) {
            continue;
        }
        let Some(app) = spawn_app(backend).await else {
            continue;
        };
        let admin = app.admin_token().await;
        app.office_schedule(&admin).await;
        let sandbox = SandboxProvider::new(app.store.clone(), SandboxOptions::default());
        let tags = BTreeMap::from([("Schedule".to_owned(), "office".to_owned())]);
        let ids = sandbox
            .seed(DEFAULT_REGION, size, "t3.micro", &tags)
            .await
            .expect("seed");
        let first = app.refresh_inventory(&admin).await;
        let prefix = first["items"][0]["resource"]
            .as_str()
            .and_then(|r| r.rsplit_once(':'))
            .map(|(p, _)| p.to_owned())
            .expect("a resource key");
        let keys: Vec<String> = ids.iter().map(|id| format!("{prefix}:{id}")).collect();
        self_service(&app.store, &keys, &ids).await;
        // Eight hours a day over the last 30 days for all of them, and all running since a
        // minute ago: the usage page's longest default range (month to date on the 31st)
        // reads 30 rolled-up days and computes today from 10,000 running intervals. One
        // pass opens them all, one closes them all.
        let now = jiff::Timestamp::now();
        let mut passes: Vec<(jiff::Timestamp, bool)> = (1..=30)
            .flat_map(|day| {
                [(10, true), (2, false)].map(|(hours_ago, starts)| {
                    (
                        now - jiff::SignedDuration::from_hours(24 * day + hours_ago),
                        starts,
                    )
                })
            })
            .collect();
        passes.push((now - jiff::SignedDuration::from_mins(1), true));
        passes.sort();
        for (at, starts) in passes {
            let pass = PassRecord {
                at,
                started_running: if starts { keys.clone() } else { vec![] },
                stopped_running: if starts { vec![] } else { keys.clone() },
                ..PassRecord::default()
            };
            app.store.record_pass(&pass).await.expect("pass");
        }
        if backend == Backend::Postgres {
            vacuumed(app.db.url()).await;
        }
        // Complete days rolled up, as `isched serve` does after midnight: the usage page
        // reads today live and the rest from the rollups.
        let settings = UsageSettings {
            zone: jiff::tz::TimeZone::UTC,
            prices: Prices::new("USD"),
            owner_tag: "Owner".into(),
        };
        roll_up(&app.store, &settings, now, i32::MAX)
            .await
            .expect("rollup");
        let cookie = sign_in(&app.base_url).await;
        println!("{name}: {size} resources, {connections} connections");
        println!(
            "{:<36} {:>9} {:>9} {:>9}",
            "page", "p50 ms", "p99 ms", "req/s"
        );
        let before = rss_mib();
        let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        let month_ago = today
            .checked_sub(jiff::Span::new().days(30))
            .expect("a date");
        let usage = format!("/ui/usage?from={month_ago}&to={today}");
        let by_owner = format!("{usage}&group_by=owner");
        let pages = PAGES.iter().flat_map(|p| match *p {
            "/ui/usage" => vec![usage.clone(), by_owner.clone()],
            p => vec![p.to_owned()],
        });
        for page in pages {
            let f = wrk_latency(
                &app.url(&page),
                connections,
                3,
                &[format!("Cookie: {cookie}")],
            );
            let flag = if f.p99_ms > 50.0 { "  over 50 ms" } else { "" };
            println!(
                "{:<36} {:>9.2} {:>9.2} {:>9.0}{flag}",
                shown(&page),
                f.p50_ms,
                f.p99_ms,
                f.requests_per_sec
            );
        }
        println!(
            "RSS over the page loads: {before:.0} -> {:.0} MiB",
            rss_mib()
        );
        app.stop().await;
    }
}
