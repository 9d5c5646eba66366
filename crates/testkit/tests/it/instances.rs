//! Self-service instances over HTTP on the sandbox, on both backends: a user creates an
//! instance from a template, polls its job, is shown the login once, then stops, extends
//! and terminates it; an admin sees it and can force-stop it.

use isched_testkit::{Backend, TestApp, backend_tests, spawn_app_on_clock};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    a_user_creates_uses_and_terminates_an_instance,
    bad_create_requests_name_their_field,
    lifetimes_end_in_a_stop_or_a_termination,
    quotas_refuse_what_would_go_over_them,
    owners_and_admins_hear_of_instances,
    budgets_warn_their_owner_once_a_month,
    owners_are_reminded_before_a_life_ends_and_the_link_extends_it,
    an_unread_login_is_forgotten_after_a_day,
    the_scheduler_records_usage_of_instances,
);

async fn setup(backend: Backend) -> Option<(TestApp, String, String)> {
    setup_on(backend, isched_auth::clock::Clock::system()).await
}

async fn setup_on(
    backend: Backend,
    clock: isched_auth::clock::Clock,
) -> Option<(TestApp, String, String)> {
    let app = spawn_app_on_clock(backend, clock, |c| c.sandbox.transition_secs = 0).await?;
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({
        "name": "dev-box",
        "image": "sbx-ubuntu-24.04",
        "instance_types": ["t3.micro", "t3.large"],
        "schedule": "office",
        "max_lifetime_hours": 8,
        "user_data": "#!/bin/sh\necho {{owner}} {{name}}\n",
    });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = app
        .user_token(&admin, "user@isched.test", "user-password-1")
        .await;
    Some((app, admin, user))
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json")
}

async fn post_with_key(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/instances"))
        .bearer_auth(token)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.expect("request")
}

async fn a_user_creates_uses_and_terminates_an_instance(backend: Backend) {
    let Some((app, admin, user)) = setup(backend).await else {
        return;
    };
    let request = json!({ "template": "dev-box", "name": "my-box" });
    let res = post_with_key(&app, &user, Some("first-try"), &request).await;
    assert_eq!(res.status(), 202);
    let created = json_of(res).await;
    let id = created["instance"]["id"].as_str().expect("id").to_owned();
    let job_id = created["job"]["id"].as_str().expect("job").to_owned();
    assert_eq!(created["instance"]["state"], "provisioning");
    assert_eq!(created["instance"]["instance_type"], "t3.micro");
    assert_eq!(created["instance"]["hourly_price"], 0.0104);
    assert_eq!(created["job"]["steps"].as_array().expect("steps").len(), 5);

    let again = json_of(post_with_key(&app, &user, Some("first-try"), &request).await).await;
    assert_eq!(
        again["instance"]["id"],
        id.as_str(),
        "the same key returns the first answer"
    );
    assert_eq!(again["job"]["id"], job_id.as_str());
    let taken = post_with_key(&app, &user, None, &request).await;
    assert_eq!(taken.status(), 409, "the name is taken");

    let job = app.finished_job(&user, &job_id, 300).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert!(
        job["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .all(|s| s["state"] == "done"),
        "{job}"
    );
    let login = &job["result"]["login"];
    let password = login["password"]
        .as_str()
        .unwrap_or_else(|| panic!("the login, once: {job}"));
    assert_eq!(password.len(), 32);
    assert_eq!(login["username"], "isched");
    let second = json_of(
        app.call(
            Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            Some(&user),
            None,
        )
        .await,
    )
    .await;
    let login = &second["result"]["login"];
    assert!(login.get("password").is_none(), "shown once only: {second}");
    assert!(
        login["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .starts_with("SHA256:")
    );
    assert!(login["shown_at"].is_string());

    let instance = json_of(
        app.call(
            Method::GET,
            &format!("/api/v1/instances/{id}"),
            Some(&user),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(instance["state"], "running", "{instance}");
    let cloud_id = instance["cloud_id"].as_str().expect("launched").to_owned();
    let sandbox = app
        .store
        .sandbox_list("sandbox", "sandbox-1")
        .await
        .expect("sandbox");
    let made: Vec<_> = sandbox.iter().filter(|s| s.id == cloud_id).collect();
    assert_eq!(made.len(), 1);
    assert_eq!(
        made[0].tags.get("Schedule").map(String::as_str),
        Some("office")
    );
    assert_eq!(
        made[0].tags.get("isched:owner").map(String::as_str),
        Some("user@isched.test")
    );
    assert_eq!(
        sandbox.len(),
        1,
        "one instance for two requests with one key"
    );

    // Someone else sees nothing; the admin sees it but not its login.
    let other = app
        .user_token(&admin, "other@isched.test", "other-password-1")
        .await;
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/instances/{id}"),
            Some(&other),
            None
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            Some(&other),
            None
        )
        .await
        .status(),
        404
    );
    let mine = json_of(
        app.call(Method::GET, "/api/v1/instances", Some(&other), None)
            .await,
    )
    .await;
    assert_eq!(mine["items"], json!([]));
    let all = json_of(
        app.call(Method::GET, "/api/v1/instances", Some(&admin), None)
            .await,
    )
    .await;
    assert_eq!(all["items"][0]["id"], id.as_str());

    let stopped = app
        .post(
            &format!("/api/v1/instances/{id}/stop"),
            Some(&user),
            &json!({}),
        )
        .await;
    assert_eq!(stopped.status(), 200);
    assert_eq!(json_of(stopped).await["state"], "stopping");
    let started = app
        .post(
            &format!("/api/v1/instances/{id}/start"),
            Some(&user),
            &json!({}),
        )
        .await;
    assert_eq!(started.status(), 200);
    assert_eq!(
        app.post(
            &format!("/api/v1/instances/{id}/force-stop"),
            Some(&user),
            &json!({})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/instances/{id}/force-stop"),
            Some(&admin),
            &json!({})
        )
        .await
        .status(),
        200
    );

    let before = instance["expires_at"]
        .as_str()
        .expect("expiry")
        .parse::<jiff::Timestamp>()
        .expect("time");
    let at_most = app
        .post(
            &format!("/api/v1/instances/{id}/extend"),
            Some(&user),
            &json!({ "hours": 1 }),
        )
        .await;
    assert_eq!(
        at_most.status(),
        400,
        "it was made with the template's whole lifetime"
    );
    // Two hours later there is room for two more.
    app.clock.advance(jiff::SignedDuration::from_hours(2));
    let user = app.login("user@isched.test", "user-password-1").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let admin = app.admin_token().await;
    let extended = app
        .post(
            &format!("/api/v1/instances/{id}/extend"),
            Some(&user),
            &json!({ "hours": 1 }),
        )
        .await;
    let extended = json_of(extended).await;
    let after = extended["expires_at"]
        .as_str()
        .unwrap_or_else(|| panic!("{extended}"))
        .parse::<jiff::Timestamp>()
        .expect("time");
    assert_eq!(
        after.duration_since(before),
        jiff::SignedDuration::from_hours(1),
        "{extended}"
    );
    let too_long = app
        .post(
            &format!("/api/v1/instances/{id}/extend"),
            Some(&user),
            &json!({ "hours": 20 }),
        )
        .await;
    assert_eq!(too_long.status(), 400);
    assert_eq!(json_of(too_long).await["error"]["field"], "hours");

    let delete_template = app
        .call(
            Method::DELETE,
            "/api/v1/templates/dev-box",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(delete_template.status(), 409, "in use: retire it instead");

    let gone = app
        .post(
            &format!("/api/v1/instances/{id}/terminate"),
            Some(&user),
            &json!({}),
        )
        .await;
    assert_eq!(gone.status(), 200);
    assert_eq!(json_of(gone).await["state"], "terminated");
    let listed = json_of(
        app.call(Method::GET, "/api/v1/instances", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]), "terminated ones are left out");
    let listed = json_of(
        app.call(Method::GET, "/api/v1/instances?all=true", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(listed["items"][0]["state"], "terminated");
    assert_eq!(
        post_with_key(&app, &user, None, &request).await.status(),
        202,
        "the name is free again"
    );
    let usage = app.store.usage_events_of(&id).await.expect("usage");
    let events: Vec<&str> = usage.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        ["created", "stopped", "started", "stopped", "terminated"]
    );
    assert!(
        usage
            .iter()
            .all(|e| e.instance_type == "t3.micro" && e.hourly_price == Some(0.0104))
    );

    let audit = json_of(
        app.call(Method::GET, "/api/v1/audit?limit=1000", Some(&admin), None)
            .await,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "instance.requested",
        "instance.created",
        "instance.login_shown",
        "instance.stopped",
        "instance.force_stopped",
        "instance.extended",
        "instance.terminated",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let text = audit.to_string();
    assert!(
        !text.contains(password),
        "the login is never in the audit log"
    );
    // Filtered: the user's own instance actions, by their email and the action's start.
    let theirs = json_of(
        app.call(
            Method::GET,
            "/api/v1/audit?actor=user@isched.test&action=instance.",
            Some(&admin),
            None,
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = theirs["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"instance.requested"), "{actions:?}");
    assert!(
        !actions.contains(&"instance.force_stopped"),
        "the admin's force-stop is not the user's: {actions:?}"
    );
    assert!(
        actions.iter().all(|a| a.starts_with("instance.")),
        "{actions:?}"
    );
    app.stop().await;
}

async fn bad_create_requests_name_their_field(backend: Backend) {
    let Some((app, admin, user)) = setup(backend).await else {
        return;
    };
    for (body, field) in [
        (json!({ "template": "nope", "name": "a" }), "template"),
        (
            json!({ "template": "dev-box", "name": "a", "instance_type": "m5.large" }),
            "instance_type",
        ),
        (
            json!({ "template": "dev-box", "name": "no spaces" }),
            "name",
        ),
    ] {
        let res = post_with_key(&app, &user, None, &body).await;
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(json_of(res).await["error"]["field"], field, "{body}");
    }
    assert_eq!(
        app.post("/api/v1/templates/dev-box/retire", Some(&admin), &json!({}))
            .await
            .status(),
        200
    );
    let res = post_with_key(
        &app,
        &user,
        None,
        &json!({ "template": "dev-box", "name": "a" }),
    )
    .await;
    assert_eq!(res.status(), 400);
    let e = json_of(res).await;
    assert_eq!(e["error"]["field"], "template");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("retired"),
        "{e}"
    );
    let listed = json_of(
        app.call(Method::GET, "/api/v1/instances?all=true", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]), "nothing half-created");
    app.stop().await;
}

async fn lifetimes_end_in_a_stop_or_a_termination(backend: Backend) {
    let Some((app, admin, user)) = setup(backend).await else {
        return;
    };
    let short = json!({ "name": "short", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "office", "max_lifetime_hours": 1, "on_expiry": "terminate" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &short)
            .await
            .status(),
        201
    );
    let mut ids = Vec::new();
    for (template, name) in [("dev-box", "kept"), ("short", "gone")] {
        let created = json_of(
            post_with_key(
                &app,
                &user,
                None,
                &json!({ "template": template, "name": name }),
            )
            .await,
        )
        .await;
        let job = app
            .finished_job(&user, created["job"]["id"].as_str().expect("job"), 300)
            .await;
        assert_eq!(job["state"], "succeeded", "{job}");
        ids.push(created["instance"]["id"].as_str().expect("id").to_owned());
    }
    // Nine hours on: both lifetimes (8 h and 1 h) have ended.
    app.clock.advance(jiff::SignedDuration::from_hours(9));
    let user = app.login("user@isched.test", "user-password-1").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let state_of = |id: String| {
        let app = &app;
        let user = &user;
        async move {
            json_of(
                app.call(
                    Method::GET,
                    &format!("/api/v1/instances/{id}"),
                    Some(user),
                    None,
                )
                .await,
            )
            .await
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let kept = state_of(ids[0].clone()).await;
        let gone = state_of(ids[1].clone()).await;
        if kept["state"] == "stopping" && gone["state"] == "terminated" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{kept}\n{gone}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = state_of(ids[0].clone()).await;
    let cloud_id = key["cloud_id"].as_str().expect("cloud id");
    let resource = format!("sandbox:sandbox:sandbox-1:{cloud_id}");
    assert!(
        app.store
            .overrides()
            .await
            .expect("overrides")
            .contains_key(&resource),
        "kept stopped whatever its schedule says"
    );
    let history = app.store.history(&resource).await.expect("history");
    assert!(
        history.iter().any(|h| h.outcome == "lifetime ended"),
        "{history:?}"
    );

    let extended = app
        .post(
            &format!("/api/v1/instances/{}/extend", ids[0]),
            Some(&user),
            &json!({ "hours": 2 }),
        )
        .await;
    assert_eq!(extended.status(), 200);
    assert!(
        !app.store
            .overrides()
            .await
            .expect("overrides")
            .contains_key(&resource),
        "extended: its schedule decides again"
    );
    app.stop().await;
}

async fn quotas_refuse_what_would_go_over_them(backend: Backend) {
    // A Monday in the middle of a month, 10:00 in Berlin: the office schedule runs.
    let monday = "2026-12-14T09:00:00Z".parse().expect("time");
    let Some((app, admin, user)) =
        setup_on(backend, isched_auth::clock::Clock::starting_at(monday)).await
    else {
        return;
    };
    let put = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            app.call(
                Method::PUT,
                "/api/v1/quotas/group/user",
                Some(admin),
                Some(&body),
            )
            .await
            .status()
        }
    };
    let create = |name: &'static str| {
        let app = &app;
        let user = &user;
        async move {
            post_with_key(
                app,
                user,
                None,
                &json!({ "template": "dev-box", "name": name }),
            )
            .await
        }
    };
    assert_eq!(put(json!({ "max_instances": 1 })).await, 200);
    assert_eq!(create("one").await.status(), 202);
    let refused = create("two").await;
    assert_eq!(refused.status(), 403);
    let e = json_of(refused).await;
    assert_eq!(e["error"]["code"], "quota_exceeded");
    assert_eq!(e["error"]["field"], "max_instances");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("your quota is 1 instances and you have 1"),
        "{e}"
    );

    // t3.micro has 2 vCPUs: a second one makes 4.
    assert_eq!(put(json!({ "max_vcpus": 3 })).await, 200);
    let e = json_of(create("two").await).await;
    assert_eq!(e["error"]["field"], "max_vcpus", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("you use 2 and a t3.micro has 2"),
        "{e}"
    );

    // Each instance lives 8 hours, of which its schedule runs it 7 (10:00 to 17:00 in
    // Berlin): 0.0728 at 0.0104 an hour, so two come to more than 0.10.
    assert_eq!(put(json!({ "monthly_budget": 0.1 })).await, 200);
    let e = json_of(create("two").await).await;
    assert_eq!(e["error"]["field"], "monthly_budget", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("will still run come to 0.07, and this one would add 0.07"),
        "{e}"
    );
    assert_eq!(put(json!({ "monthly_budget": 100.0 })).await, 200);
    assert_eq!(create("two").await.status(), 202);

    let mine = json_of(
        app.call(Method::GET, "/api/v1/quotas", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(mine["items"][0]["subject"], "user", "{mine}");
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/quotas/group/user",
            Some(&user),
            Some(&json!({}))
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/quotas/user/nobody",
            Some(&admin),
            Some(&json!({ "max_instances": 1 }))
        )
        .await
        .status(),
        404
    );
    let bad = app
        .call(
            Method::PUT,
            "/api/v1/quotas/group/user",
            Some(&admin),
            Some(&json!({ "max_vcpus": -1 })),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(json_of(bad).await["error"]["field"], "max_vcpus");
    app.stop().await;
}

async fn owners_and_admins_hear_of_instances(backend: Backend) {
    let sink = isched_testkit::SmtpSink::start();
    let hook = isched_testkit::WebhookSink::start().await;
    let Some(app) = spawn_app_on_clock(backend, isched_auth::clock::Clock::system(), |c| {
        c.sandbox.transition_secs = 0;
        c.smtp_url = Some(secrecy::SecretString::from(sink.url()));
        c.webhook_url = Some(secrecy::SecretString::from(hook.url.clone()));
        c.webhook_secret = Some(secrecy::SecretString::from("hook-secret"));
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "office" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    // With email configured, the temporary password goes by email.
    let res = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "user@isched.test" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let welcome = sink
        .wait_for_to("user@isched.test", 1, Duration::from_secs(10))
        .await;
    let temporary = welcome[0].highlighted().expect("the temporary password");
    let user = app
        .complete_new_password("user@isched.test", &temporary, "user-password-1")
        .await;
    let told = sink
        .wait_for_to("admin@isched.test", 1, Duration::from_secs(10))
        .await;
    assert!(
        told[0]
            .header("Subject")
            .unwrap_or_default()
            .contains("New isched user user@isched.test"),
        "admins hear of new users: {:?}",
        told[0].header("Subject")
    );
    let created = json_of(
        post_with_key(
            &app,
            &user,
            None,
            &json!({ "template": "dev-box", "name": "my-box" }),
        )
        .await,
    )
    .await;
    let job = app
        .finished_job(&user, created["job"]["id"].as_str().expect("job"), 300)
        .await;
    let password = job["result"]["login"]["password"]
        .as_str()
        .expect("login")
        .to_owned();

    let ready = sink
        .wait_for_to("user@isched.test", 2, Duration::from_secs(10))
        .await;
    let ready: Vec<_> = ready
        .iter()
        .filter(|m| m.header("Subject").unwrap_or_default().contains("is ready"))
        .collect();
    assert_eq!(ready.len(), 1, "the owner hears that it is ready");
    assert!(!ready[0].text().contains(&password), "never with the login");
    // The new user's notice first, then the instance's.
    let told = sink
        .wait_for_to("admin@isched.test", 2, Duration::from_secs(10))
        .await;
    assert!(
        told.iter().any(|m| m
            .header("Subject")
            .unwrap_or_default()
            .contains("created instance my-box")),
        "admins hear of it"
    );

    let id = created["instance"]["id"].as_str().expect("id");
    assert_eq!(
        app.post(
            &format!("/api/v1/instances/{id}/terminate"),
            Some(&user),
            &json!({})
        )
        .await
        .status(),
        200
    );
    let hooks = hook.wait_for(3, Duration::from_secs(10)).await;
    let events: Vec<String> = hooks
        .iter()
        .map(|h| h.json()["event"].as_str().unwrap_or_default().to_owned())
        .collect();
    for e in ["instance_created", "instance_ready", "instance_terminated"] {
        assert!(events.iter().any(|x| x == e), "{e} in {events:?}");
    }
    for h in &hooks {
        assert_eq!(
            h.header("x-isched-signature"),
            Some(isched_engine::notify::signature("hook-secret", &h.body)),
            "signed"
        );
        assert!(
            !String::from_utf8_lossy(&h.body).contains(&password),
            "never with the login"
        );
    }
    app.stop().await;
}

/// Creates `email` as a user while email is configured (the temporary password comes by
/// email) and returns their access token.
async fn emailed_user(
    app: &TestApp,
    sink: &isched_testkit::SmtpSink,
    admin: &str,
    email: &str,
) -> String {
    let res = app
        .post("/api/v1/users", Some(admin), &json!({ "email": email }))
        .await;
    assert_eq!(res.status(), 201);
    let welcome = sink.wait_for_to(email, 1, Duration::from_secs(10)).await;
    let temporary = welcome[0].highlighted().expect("the temporary password");
    app.complete_new_password(email, &temporary, "user-password-1")
        .await
}

/// Subjects of the emails `to` has received so far that contain `part`.
fn subjects(sink: &isched_testkit::SmtpSink, to: &str, part: &str) -> Vec<String> {
    sink.messages()
        .iter()
        .filter(|m| m.to().contains(to))
        .filter_map(|m| m.header("Subject"))
        .filter(|s| s.contains(part))
        .collect()
}

async fn budgets_warn_their_owner_once_a_month(backend: Backend) {
    let monday = "2026-12-14T09:00:00Z".parse().expect("time");
    let sink = isched_testkit::SmtpSink::start();
    let Some(app) = spawn_app_on_clock(
        backend,
        isched_auth::clock::Clock::starting_at(monday),
        |c| {
            c.sandbox.transition_secs = 0;
            c.smtp_url = Some(secrecy::SecretString::from(sink.url()));
        },
    )
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro"],
        "schedule": "office", "max_lifetime_hours": 8 });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = emailed_user(&app, &sink, &admin, "user@isched.test").await;
    // One instance comes to 0.0728 this month (7 scheduled hours at 0.0104): 81 %.
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/quotas/group/user",
            Some(&admin),
            Some(&json!({ "monthly_budget": 0.09 }))
        )
        .await
        .status(),
        200
    );
    let create = |name: &'static str| {
        let (app, user) = (&app, &user);
        async move {
            post_with_key(
                app,
                user,
                None,
                &json!({ "template": "dev-box", "name": name }),
            )
            .await
            .status()
        }
    };
    assert_eq!(create("one").await, 202);
    sink.wait_for_to("user@isched.test", 2, Duration::from_secs(10))
        .await;
    assert_eq!(
        subjects(&sink, "user@isched.test", "budget"),
        ["isched: your spending is at 80 % of your monthly budget"]
    );
    assert_eq!(create("two").await, 403);
    assert_eq!(create("three").await, 403);
    sink.wait_for_to("user@isched.test", 3, Duration::from_secs(10))
        .await;
    // Whatever else arrives, nothing about the budget or the quota comes twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        subjects(&sink, "user@isched.test", "budget"),
        [
            "isched: your spending is at 80 % of your monthly budget",
            "isched: your spending has reached your monthly budget"
        ]
    );
    assert_eq!(
        subjects(&sink, "admin@isched.test", "quota"),
        ["isched: user@isched.test hit the monthly_budget quota"]
    );
    app.stop().await;
}

async fn owners_are_reminded_before_a_life_ends_and_the_link_extends_it(backend: Backend) {
    let monday: jiff::Timestamp = "2026-12-14T09:00:00Z".parse().expect("time");
    let sink = isched_testkit::SmtpSink::start();
    let Some(app) = spawn_app_on_clock(
        backend,
        isched_auth::clock::Clock::starting_at(monday),
        |c| {
            c.sandbox.transition_secs = 0;
            c.smtp_url = Some(secrecy::SecretString::from(sink.url()));
            c.reminder_minutes = 15;
            c.snooze_minutes = 60;
        },
    )
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let template = json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro"],
        "schedule": "office", "max_lifetime_hours": 8 });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = emailed_user(&app, &sink, &admin, "user@isched.test").await;
    let created = json_of(
        post_with_key(
            &app,
            &user,
            None,
            &json!({ "template": "dev-box", "name": "short-lived" }),
        )
        .await,
    )
    .await;
    let id = created["instance"]["id"].as_str().expect("id").to_owned();
    let job = app
        .finished_job(&user, created["job"]["id"].as_str().expect("job"), 300)
        .await;
    assert_eq!(job["state"], "succeeded", "{job}");

    let show = |token: String| {
        let (app, id) = (&app, &id);
        async move {
            json_of(
                app.call(
                    Method::GET,
                    &format!("/api/v1/instances/{id}"),
                    Some(&token),
                    None,
                )
                .await,
            )
            .await
        }
    };
    // The office schedule stops it at 17:00 in Berlin, before its life ends at 17:00 UTC.
    let shown = show(user.clone()).await;
    assert_eq!(shown["next_stop"], "2026-12-14T16:00:00Z", "{shown}");
    // Ten minutes before the end of its 8 hours: within the 15 minutes' lead.
    app.clock
        .advance(jiff::SignedDuration::from_mins(7 * 60 + 50));
    // Running all along (no scheduler here): 7 h 50 min at 0.0104 an hour.
    let shown = show(app.admin_token().await).await;
    let cost = shown["cost_so_far"].as_f64().expect("cost");
    assert!((cost - 0.0815).abs() < 0.0002, "{shown}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let reminder = loop {
        let got: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| m.to().contains("user@isched.test"))
            .filter(|m| {
                m.header("Subject")
                    .unwrap_or_default()
                    .contains("short-lived ends at")
            })
            .collect();
        if let Some(m) = got.into_iter().next() {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "no reminder");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        reminder.text().contains("kept stopped until you extend it"),
        "{}",
        reminder.text()
    );
    let link = reminder.highlighted().expect("the link on its own line");
    assert!(link.starts_with(&app.url("/snooze?")), "{link}");
    let page = app.client.get(&link).send().await.expect("GET link");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("page").contains("Keep it longer"));
    let pairs: Vec<(String, String)> = reqwest::Url::parse(&link)
        .expect("URL")
        .query_pairs()
        .into_owned()
        .collect();
    let extended = app
        .client
        .post(app.url("/snooze"))
        .form(&pairs)
        .send()
        .await
        .expect("POST");
    assert_eq!(extended.status(), 200);
    assert!(
        extended
            .text()
            .await
            .expect("page")
            .contains("Lifetime extended")
    );
    let shown = show(app.admin_token().await).await;
    // Created at 09:00 for 8 hours, lengthened by the 60 minutes of a snooze.
    let expires: jiff::Timestamp = shown["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("instant");
    let created: jiff::Timestamp = shown["created_at"]
        .as_str()
        .expect("created_at")
        .parse()
        .expect("instant");
    assert_eq!(
        expires.duration_since(created),
        jiff::SignedDuration::from_hours(9),
        "{shown}"
    );
    // The same link again changes nothing.
    let again = app
        .client
        .post(app.url("/snooze"))
        .form(&pairs)
        .send()
        .await
        .expect("POST");
    assert!(
        again
            .text()
            .await
            .expect("page")
            .contains("Already extended")
    );
    // One reminder per end of life.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(subjects(&sink, "user@isched.test", "ends at").len(), 1);
    app.stop().await;
}

async fn an_unread_login_is_forgotten_after_a_day(backend: Backend) {
    let Some((app, _admin, user)) = setup(backend).await else {
        return;
    };
    let created = json_of(
        post_with_key(
            &app,
            &user,
            None,
            &json!({ "template": "dev-box", "name": "unread" }),
        )
        .await,
    )
    .await;
    let job_id = created["job"]["id"].as_str().expect("job").to_owned();
    // Wait for the job without reading it through the API (that would show the login).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !app
        .store
        .job(&job_id)
        .await
        .expect("job")
        .expect("stored")
        .state
        .finished()
    {
        assert!(std::time::Instant::now() < deadline, "job did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        app.store
            .job(&job_id)
            .await
            .expect("job")
            .expect("stored")
            .has_secret
    );
    app.clock.advance(jiff::SignedDuration::from_hours(25));
    while app
        .store
        .job(&job_id)
        .await
        .expect("job")
        .expect("stored")
        .has_secret
    {
        assert!(std::time::Instant::now() < deadline, "the login was kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let user = app.login("user@isched.test", "user-password-1").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let job = json_of(
        app.call(
            Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            Some(&user),
            None,
        )
        .await,
    )
    .await;
    let login = &job["result"]["login"];
    assert!(login.get("password").is_none(), "{job}");
    assert!(login["fingerprint"].is_string());
    assert_eq!(login["shown_at"], Value::Null, "never shown");
    app.stop().await;
}

async fn the_scheduler_records_usage_of_instances(backend: Backend) {
    let Some(app) = isched_testkit::spawn_app_with(backend, |c| {
        c.scheduler_enabled = true;
        c.sandbox.transition_secs = 0;
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    let boundary = crate::scheduler::four_seconds_before_a_minute(&[&app]);
    // A schedule whose period ends at the boundary: the scheduler stops the instance then.
    let utc = |t: jiff::Timestamp| t.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let begin = utc(boundary - jiff::SignedDuration::from_hours(1));
    let period = json!({ "name": "ending", "begintime": begin.strftime("%H:%M").to_string(),
        "endtime": utc(boundary).strftime("%H:%M").to_string() });
    let schedule = json!({ "name": "ending", "timezone": "UTC", "periods": ["ending"] });
    let template = json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "ending" });
    for (path, body) in [
        ("/api/v1/periods", period),
        ("/api/v1/schedules", schedule),
        ("/api/v1/templates", template),
    ] {
        assert_eq!(
            app.post(path, Some(&admin), &body).await.status(),
            201,
            "{path}"
        );
    }
    let user = app
        .user_token(&admin, "user@isched.test", "user-password-1")
        .await;
    let created = json_of(
        post_with_key(
            &app,
            &user,
            None,
            &json!({ "template": "dev-box", "name": "scheduled" }),
        )
        .await,
    )
    .await;
    let id = created["instance"]["id"].as_str().expect("id").to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let usage = app.store.usage_events_of(&id).await.expect("usage");
        let events: Vec<&str> = usage.iter().map(|e| e.event.as_str()).collect();
        if events == ["created", "stopped"] {
            assert!(usage[1].at >= boundary, "stopped at the end of the period");
            assert_eq!(usage[1].hourly_price, Some(0.0104));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler's stop is recorded: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}
