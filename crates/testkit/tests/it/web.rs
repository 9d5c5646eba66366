//! The web pages: sign-in with the NEW_PASSWORD_REQUIRED challenge, a user's instances, a
//! create with its progress and the login shown once, stop and sign-out, in real headless
//! Chromium; and over plain HTTP, what a browser cannot show: cookie flags, the CSRF check,
//! and the sign-in page's answers to wrong passwords.

use fantoccini::Locator;
use isched_testkit::{Backend, Browser, TestApp, spawn_app_on_clock, spawn_app_with, usage_data};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;
use std::time::Duration;

use super::web_steps::{click_and_confirm, click_through, fill, heading, text_of};

const USER: &str = "web@isched.test";

/// An app with a template and a user who still has their temporary password.
async fn app_with_user(backend: Backend) -> Option<(TestApp, String)> {
    let app = spawn_app_with(backend, |c| c.sandbox.transition_secs = 0).await?;
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "dev-box", "description": "Ubuntu for development",
        "image": "sbx-ubuntu", "instance_types": ["t3.micro", "t3.large"], "schedule": "office" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let created: serde_json::Value = app
        .post("/api/v1/users", Some(&admin), &json!({ "email": USER }))
        .await
        .json()
        .await
        .expect("json");
    let temporary = created["temporary_password"]
        .as_str()
        .expect("temporary password")
        .to_owned();
    Some((app, temporary))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_creates_an_instance_and_sees_its_login_once() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some((app, temporary)) = app_with_user(Backend::Sqlite).await else {
        return;
    };
    let b = &browser.client;
    b.goto(&app.url("/")).await.expect("open /");
    assert_eq!(heading(b).await, "Sign in to isched");
    browser.screenshot("web-sign-in").await;
    fill(b, "#email", USER).await;
    fill(b, "#password", &temporary).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Choose your password']"))
        .await
        .expect("the new-password challenge");
    browser.screenshot("web-new-password").await;
    super::web_a11y::assert_accessible(b, "the new-password challenge").await;
    fill(b, "#new_password", "web-password-123").await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in");
    browser.screenshot("web-instances-empty").await;

    // Schedules: the list, then a week of one, in its zone and in another.
    click_through(b, "a[href='/ui/schedules']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Schedules']"))
        .await
        .expect("the schedules");
    click_through(b, "a[href='/ui/schedules/office']").await;
    b.wait()
        .for_element(Locator::Css("figure.week svg"))
        .await
        .expect("the week view");
    let list = text_of(b, Locator::Css(".week-list"), "the week as text").await;
    assert!(list.contains("runs 09:00–17:00"), "{list}");
    assert!(list.contains("stopped all day"), "{list}");
    browser.screenshot("web-schedule-week").await;
    b.goto(&app.url("/ui/schedules/office?zone=America/New_York&week=2026-03-23"))
        .await
        .expect("another zone");
    let list = text_of(b, Locator::Css(".week-list"), "the week as text").await;
    assert!(list.contains("Monday 23 March: runs 04:00–12:00"), "{list}");
    browser.screenshot("web-schedule-week-new-york").await;
    b.goto(&app.url("/ui/schedules/office?zone=Europe/Berlin&week=2026-03-23"))
        .await
        .expect("a DST week");
    let list = text_of(b, Locator::Css(".week-list"), "the week as text").await;
    assert!(list.contains("a daylight-saving day of 23 hours"), "{list}");
    b.goto(&app.url("/ui/instances")).await.expect("back");

    b.find(Locator::Css("#choice"))
        .await
        .expect("select")
        .select_by_value("dev-box|t3.large")
        .await
        .expect("choose");
    fill(b, "#name", "web-box").await;
    click_through(b, "form[action='/ui/instances'] button[type=submit]").await;
    // The progress page reloads itself until the job is done, then shows the login.
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#login-secret"))
        .await
        .expect("the login, once");
    let secret = text_of(b, Locator::Css("#login-secret"), "secret").await;
    assert!(secret.len() >= 16, "{secret}");
    let page = b.source().await.expect("source");
    assert!(
        page.contains("shown this once and never again"),
        "the warning"
    );
    browser.screenshot("web-login-once").await;
    super::web_a11y::assert_accessible(b, "the job page with the login").await;

    // A reload shows only the fingerprint.
    b.refresh().await.expect("reload");
    let page = b.source().await.expect("source");
    assert!(!page.contains(&secret), "the secret is gone");
    assert!(page.contains("only its fingerprint is kept"), "{page}");

    b.goto(&app.url("/ui/instances")).await.expect("list");
    let row = b
        .find(Locator::XPath("//tr[.//strong[text()='web-box']]"))
        .await
        .expect("the row");
    let text = row.text().await.expect("text");
    assert!(
        text.contains("running") && text.contains("t3.large"),
        "{text}"
    );
    browser.screenshot("web-instances").await;
    click_through(b, "button[aria-label='Stop web-box']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("back to the list");
    let row = text_of(
        b,
        Locator::XPath("//tr[.//strong[text()='web-box']]"),
        "the row",
    )
    .await;
    assert!(row.contains("stopp"), "{row}");

    click_through(b, "form[action='/ui/logout'] button").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Sign in to isched']"))
        .await
        .expect("signed out");
    b.goto(&app.url("/ui/instances")).await.expect("list");
    assert_eq!(heading(b).await, "Sign in to isched", "the session ended");
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_force_stops_an_instance_after_step_up() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some((app, temporary)) = app_with_user(Backend::Sqlite).await else {
        return;
    };
    let user = app
        .complete_new_password(USER, &temporary, "web-password-123")
        .await;
    let created: serde_json::Value = app
        .post(
            "/api/v1/instances",
            Some(&user),
            &json!({ "template": "dev-box", "name": "team-box" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let job = app
        .finished_job(&user, created["job"]["id"].as_str().expect("job"), 300)
        .await;
    assert_eq!(job["state"], "succeeded", "{job}");

    let b = &browser.client;
    b.goto(&app.url("/")).await.expect("open /");
    fill(b, "#email", isched_testkit::ADMIN_EMAIL).await;
    fill(b, "#password", isched_testkit::ADMIN_PASSWORD).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in");
    // Eleven minutes on, the sign-in is older than the 10 minutes' step-up window.
    app.clock.advance(jiff::SignedDuration::from_mins(11));
    click_through(b, "a[href='/ui/admin/instances']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Confirm it is you']"))
        .await
        .expect("the step-up");
    browser.screenshot("web-step-up").await;
    super::web_a11y::assert_accessible(b, "the step-up page").await;
    fill(b, "#password", isched_testkit::ADMIN_PASSWORD).await;
    click_through(b, "form[action='/ui/step-up'] button").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Fleet']"))
        .await
        .expect("the fleet");
    let row = text_of(
        b,
        Locator::XPath("//tr[.//strong[text()='team-box']]"),
        "the user's instance",
    )
    .await;
    assert!(row.contains(USER) && row.contains("running"), "{row}");
    browser.screenshot("web-fleet").await;
    click_and_confirm(
        b,
        Locator::Css("button[aria-label='Force-stop team-box']"),
        "force-stop",
    )
    .await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Fleet']"))
        .await
        .expect("back to the fleet");
    let row = text_of(
        b,
        Locator::XPath("//tr[.//strong[text()='team-box']]"),
        "the row",
    )
    .await;
    assert!(row.contains("stopp"), "{row}");
    browser.close().await;
    app.stop().await;
}

fn cookies_of(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// `name=value` of the cookie `name` among `set`.
fn pair(set: &[String], name: &str) -> String {
    set.iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {set:?}"))
        .to_owned()
}

async fn sessions_are_http_only_cookies_and_forms_need_their_csrf_token(backend: Backend) {
    let Some((app, temporary)) = app_with_user(backend).await else {
        return;
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let first = http.get(app.url("/")).send().await.expect("GET /");
    assert_eq!(first.status(), 200);
    let set = cookies_of(&first);
    let csrf_cookie = pair(&set, "isched_csrf");
    let csrf = csrf_cookie.trim_start_matches("isched_csrf=").to_owned();
    let flags = set
        .iter()
        .find(|c| c.starts_with("isched_csrf="))
        .expect("csrf");
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Lax"),
        "{flags}"
    );
    assert!(!flags.contains("Secure"), "no TLS on loopback: {flags}");

    // Without the token (another site's form), nothing happens.
    let forged = http
        .post(app.url("/ui/login"))
        .header(COOKIE, &csrf_cookie)
        .form(&[("email", USER), ("password", temporary.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), 403);

    let wrong = http
        .post(app.url("/ui/login"))
        .header(COOKIE, &csrf_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", USER),
            ("password", "not-it"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(wrong.status(), 401);
    let page = wrong.text().await.expect("page");
    assert!(page.contains("Incorrect email or password."), "{page}");

    // Signing in through the API first leaves the user with a password of their own.
    let token = app
        .complete_new_password(USER, &temporary, "web-password-123")
        .await;
    assert!(!token.is_empty());
    let signed_in = http
        .post(app.url("/ui/login"))
        .header(COOKIE, &csrf_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", USER),
            ("password", "web-password-123"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[LOCATION], "/ui/instances");
    let set = cookies_of(&signed_in);
    for name in ["isched_access", "isched_refresh"] {
        let c = set
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .expect("session cookie");
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    let session = format!(
        "{csrf_cookie}; {}; {}",
        pair(&set, "isched_access"),
        pair(&set, "isched_refresh")
    );
    let list = http
        .get(app.url("/ui/instances"))
        .header(COOKIE, &session)
        .send()
        .await
        .expect("GET");
    assert_eq!(list.status(), 200);
    let create = http
        .post(app.url("/ui/instances"))
        .header(COOKIE, &session)
        .form(&[("choice", "dev-box|t3.micro"), ("name", "no-token")])
        .send()
        .await
        .expect("POST");
    assert_eq!(create.status(), 403, "a form without its token");
    let bad = http
        .post(app.url("/ui/instances"))
        .header(COOKIE, &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("choice", "dev-box|m5.24xlarge"),
            ("name", "too-big"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.expect("page");
    assert!(
        page.contains("field-error"),
        "the message next to the field"
    );

    // Without a session, pages send the browser to sign in.
    let anonymous = http
        .get(app.url("/ui/instances"))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[LOCATION], "/");
    app.stop().await;
}

isched_testkit::backend_tests!(sessions_are_http_only_cookies_and_forms_need_their_csrf_token);

/// The README's first command on an empty database: something real to look at.
async fn a_first_run_on_the_sandbox_has_a_labelled_demo(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.sandbox.demo = true).await else {
        return;
    };
    let admin = app.admin_token().await;
    let resources: serde_json::Value = app
        .client
        .get(app.url("/api/v1/resources"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let items = resources["items"].as_array().expect("items");
    assert_eq!(items.len(), 5, "{resources}");
    for r in items {
        assert_eq!(r["schedule"], "office-hours", "{r}");
        assert!(r["unschedulable"].is_null(), "{r}");
        assert_eq!(r["provider"], "sandbox");
    }
    let template: serde_json::Value = app
        .client
        .get(app.url("/api/v1/templates/dev-box"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(template["schedule"], "office-hours", "{template}");
    // The pages say that none of it is real.
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("page");
    assert!(page.contains("instances here are simulated"), "{page}");
    app.stop().await;
}

isched_testkit::backend_tests!(a_first_run_on_the_sandbox_has_a_labelled_demo);

/// An admin reads a week's usage per day and per owner (bars and table), gets a field's
/// error next to it, and the CSV has the table's rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_reads_usage_as_charts_and_csv() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let clock =
        isched_auth::clock::Clock::starting_at("2026-03-12T12:00:00Z".parse().expect("instant"));
    let Some(app) = spawn_app_on_clock(Backend::Sqlite, clock, |c| {
        c.usage.settings.zone = jiff::tz::TimeZone::get("America/New_York").expect("zone");
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    let period = json!({ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
    let schedule =
        json!({ "name": "office-hours", "timezone": "America/New_York", "periods": ["office"] });
    for (path, body) in [("/api/v1/periods", period), ("/api/v1/schedules", schedule)] {
        assert_eq!(app.post(path, Some(&admin), &body).await.status(), 201);
    }
    let first = "2026-03-01T05:00:00Z".parse().expect("instant");
    for (id, owner, kind) in [
        ("0a", "ana@isched.test", "t3.micro"),
        ("0b", "ben@isched.test", "m5.large"),
        ("0c", "ana@isched.test", "t3.large"),
    ] {
        let key = usage_data::seen(&app.store, id, "office-hours", owner, kind, first).await;
        let mut runs = usage_data::office_days(&["05", "06"], "-05:00");
        runs.extend(usage_data::office_days(&["09", "10", "11"], "-04:00"));
        usage_data::ran(&app.store, &key, &runs).await;
    }

    let b = &browser.client;
    b.goto(&app.url("/")).await.expect("open /");
    fill(b, "#email", isched_testkit::ADMIN_EMAIL).await;
    fill(b, "#password", isched_testkit::ADMIN_PASSWORD).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in");
    click_through(b, "a[href='/ui/usage']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Usage and savings']"))
        .await
        .expect("the usage page");
    b.goto(&app.url("/ui/usage?from=2026-03-05&to=2026-03-11&group_by=day"))
        .await
        .expect("a week");
    // 40 h each at 0.0104, 0.096 and 0.0832 an hour.
    let spent = text_of(
        b,
        Locator::Css(".totals .card:first-child .figure"),
        "spent",
    )
    .await;
    assert_eq!(spent, "7.58 USD");
    let bars = b
        .find_all(Locator::Css("figure.usage rect.spent"))
        .await
        .expect("bars");
    assert_eq!(bars.len(), 7, "one bar per day");
    let sunday = text_of(
        b,
        Locator::XPath("//tr[th[text()='2026-03-08']]"),
        "the DST Sunday",
    )
    .await;
    assert!(
        sunday.contains("69.00"),
        "3 resources × 23 h saved: {sunday}"
    );
    browser.screenshot("web-usage-days").await;
    b.execute(
        "document.querySelector('figure.usage').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    browser.screenshot("web-usage-chart").await;

    b.goto(&app.url("/ui/usage?from=2026-03-05&to=2026-03-11&group_by=owner"))
        .await
        .expect("per owner");
    let ana = text_of(
        b,
        Locator::XPath("//tr[th[text()='ana@isched.test']]"),
        "ana's row",
    )
    .await;
    assert!(ana.contains("80.00"), "two resources × 40 h: {ana}");
    browser.screenshot("web-usage-owners").await;
    let csv: String = b
        .execute(
            "return fetch('/ui/usage.csv?from=2026-03-05&to=2026-03-11&group_by=owner').then(r => r.text());",
            vec![],
        )
        .await
        .expect("fetch")
        .as_str()
        .expect("text")
        .to_owned();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "key,running_hours,cost,saved_hours,saved_cost,planned_hours,unplanned_hours,unplanned_cost"
    );
    assert!(lines[1].starts_with("ana@isched.test,80.00,"), "{csv}");
    assert!(lines[2].starts_with("ben@isched.test,40.00,3.84,"), "{csv}");

    b.goto(&app.url("/ui/usage?from=2026-02-30"))
        .await
        .expect("a bad date");
    let error = text_of(b, Locator::Css("#from-error"), "the field's error").await;
    assert!(error.contains("not a date"), "{error}");
    browser.screenshot("web-usage-error").await;
    browser.close().await;
    app.stop().await;
}

/// Over the sign-in rate limit, a browser gets a page saying when to try again (with
/// `Retry-After`), not the API's JSON.
#[tokio::test]
async fn too_many_sign_ins_get_a_page() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.server.auth_rate_limit_per_minute = 3;
    })
    .await
    else {
        return;
    };
    let http = reqwest::Client::new();
    let first = http.get(app.url("/")).send().await.expect("GET /");
    let csrf_cookie = pair(&cookies_of(&first), "isched_csrf");
    let csrf = csrf_cookie.trim_start_matches("isched_csrf=").to_owned();
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let res = http
            .post(app.url("/ui/login"))
            .header(COOKIE, &csrf_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "nobody@isched.test"),
                ("password", "not-it"),
            ])
            .send()
            .await
            .expect("POST");
        statuses.push(res.status().as_u16());
        last = Some(res);
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let last = last.expect("a response");
    assert!(last.headers().contains_key("retry-after"));
    let kind = last.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let page = last.text().await.expect("page");
    assert!(page.contains("Try again in"), "{page}");
    app.stop().await;
}
