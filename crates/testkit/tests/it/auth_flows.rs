//! Identity flows over HTTP with email read from a real SMTP server: admin-created users,
//! forgot password, sign-up with verification, TOTP, lockout, rate limit, step-up and
//! personal access tokens.

use super::codes::totp_code;
use isched_testkit::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, SmtpSink, TestApp, backend_tests, spawn_app,
    spawn_app_with,
};
use jiff::SignedDuration;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    admin_creates_a_user_who_signs_in_with_the_emailed_password,
    forgot_password_and_self_sign_up_with_email_codes,
    totp_enrolment_login_and_recovery_codes,
    lockout_grows_and_reveals_nothing,
    sign_in_is_rate_limited_per_client,
    personal_access_tokens_and_admin_step_up,
    admins_can_be_required_to_use_mfa,
);

async fn with_mail(
    backend: Backend,
    sink: &SmtpSink,
    adjust: impl FnOnce(&mut isched::config::Config),
) -> Option<TestApp> {
    let url = sink.url();
    spawn_app_with(backend, move |c| {
        c.smtp_url = Some(SecretString::from(url));
        adjust(c);
    })
    .await
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json body")
}

async fn mail_to(sink: &SmtpSink, to: &str, n: usize) -> isched_testkit::Message {
    let messages = sink.wait_for_to(to, n, Duration::from_secs(10)).await;
    messages
        .into_iter()
        .nth(n - 1)
        .unwrap_or_else(|| panic!("message {n} to {to}"))
}

async fn admin_creates_a_user_who_signs_in_with_the_emailed_password(backend: Backend) {
    let sink = SmtpSink::start();
    let Some(app) = with_mail(backend, &sink, |_| {}).await else {
        return;
    };
    let admin = app.admin_token().await;

    let res = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "Alice@Isched.Test", "groups": ["user", "team-a"] }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    assert_eq!(created["email"], "alice@isched.test");
    assert_eq!(created["status"], "must_change_password");
    assert_eq!(created["temporary_password_emailed"], true);
    assert!(
        created["temporary_password"].is_null(),
        "emailed, so not shown: {created}"
    );
    let id = created["id"].as_str().expect("id").to_owned();

    let welcome = mail_to(&sink, "alice@isched.test", 1).await;
    assert!(
        welcome.raw.contains("text/html"),
        "plain text and HTML parts"
    );
    let temporary = welcome.highlighted().expect("password in the message");
    let health = json_of(app.get("/health/components").await).await;
    let email = health["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "email")
        .expect("email")
        .clone();
    assert_eq!(email["status"], "ok");
    assert!(
        email["detail"]
            .as_str()
            .expect("detail")
            .starts_with("last message sent at"),
        "{email}"
    );
    let notice = mail_to(&sink, ADMIN_EMAIL, 1).await;
    assert!(
        notice.text().contains("alice@isched.test"),
        "admins hear of new users: {}",
        notice.text()
    );

    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "alice@isched.test", "password": temporary }),
        )
        .await;
    let challenge = json_of(res).await;
    assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
    let res = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": challenge["session"], "new_password": "alice-own-password" })).await;
    assert_eq!(res.status(), 200);
    let tokens = json_of(res).await;
    let r1 = tokens["refresh_token"].as_str().expect("refresh");
    let rotated = json_of(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": r1 }),
        )
        .await,
    )
    .await;
    let r2 = rotated["refresh_token"].as_str().expect("refresh");
    assert_eq!(
        app.post("/api/v1/auth/logout", None, &json!({ "refresh_token": r2 }))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": r2 })
        )
        .await
        .status(),
        401
    );

    // A user is not an admin.
    let alice = app.login("alice@isched.test", "alice-own-password").await;
    let alice = alice["access_token"].as_str().expect("access");
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(alice), None)
            .await
            .status(),
        403
    );

    // Admin actions: list, groups, disable (sessions end), enable, reset, delete.
    let list = json_of(
        app.call(Method::GET, "/api/v1/users", Some(&admin), None)
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().expect("items").len(), 2);
    assert_eq!(list["next_cursor"], Value::Null);
    let path = format!("/api/v1/users/{id}");
    let changed = json_of(
        app.call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({ "groups": ["user"] })),
        )
        .await,
    )
    .await;
    assert_eq!(changed["groups"], json!(["user"]));
    let bad = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({ "groups": ["Not A Group!"] })),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert!(
        json_of(bad).await["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("groups:")
    );
    let disabled = json_of(
        app.call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({ "status": "disabled" })),
        )
        .await,
    )
    .await;
    assert_eq!(disabled["status"], "disabled");
    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(alice), None)
            .await
            .status(),
        401,
        "a disabled user's token stops working"
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "alice@isched.test", "password": "alice-own-password" })
        )
        .await
        .status(),
        401
    );
    app.call(
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&json!({ "status": "active" })),
    )
    .await;
    app.login("alice@isched.test", "alice-own-password").await;
    let reset = json_of(
        app.post(&format!("{path}/reset-password"), Some(&admin), &json!({}))
            .await,
    )
    .await;
    assert_eq!(reset["temporary_password_emailed"], true);
    let again = mail_to(&sink, "alice@isched.test", 2).await;
    assert!(again.highlighted().is_some());
    // The last admin cannot lock themselves out.
    let me = json_of(
        app.call(Method::GET, "/api/v1/users/me", Some(&admin), None)
            .await,
    )
    .await;
    let own = format!("/api/v1/users/{}", me["id"].as_str().expect("id"));
    assert_eq!(
        app.call(
            Method::PATCH,
            &own,
            Some(&admin),
            Some(&json!({ "groups": ["user"] }))
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(Method::DELETE, &own, Some(&admin), None)
            .await
            .status(),
        409
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&admin), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.call(Method::GET, &path, Some(&admin), None)
            .await
            .status(),
        404
    );

    // Temporary passwords expire after 7 days.
    let bob = json_of(
        app.post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "bob@isched.test" }),
        )
        .await,
    )
    .await;
    assert_eq!(bob["groups"], json!(["user"]));
    let bob_password = mail_to(&sink, "bob@isched.test", 1)
        .await
        .highlighted()
        .expect("password");
    app.clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    let expired = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "bob@isched.test", "password": bob_password }),
        )
        .await;
    assert_eq!(expired.status(), 401);
    assert_eq!(
        json_of(expired).await["error"]["code"],
        "temporary_password_expired"
    );

    let audit = app.store.list_audit(200, None).await.expect("audit");
    for action in [
        "user.created",
        "user.groups_changed",
        "user.disabled",
        "user.enabled",
        "user.password_reset",
        "user.deleted",
        "auth.password_changed",
        "auth.login",
        "auth.login_failed",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action),
            "audit has {action}"
        );
    }
    app.stop().await;
}

async fn forgot_password_and_self_sign_up_with_email_codes(backend: Backend) {
    let sink = SmtpSink::start();
    let Some(app) = with_mail(backend, &sink, |c| c.identity.self_signup = true).await else {
        return;
    };

    // Sign-up: the account works once the emailed code is confirmed.
    let res = app
        .post(
            "/api/v1/auth/sign-up",
            None,
            &json!({ "email": "carol@isched.test", "password": "carol-password" }),
        )
        .await;
    assert_eq!(res.status(), 202);
    let code = mail_to(&sink, "carol@isched.test", 1)
        .await
        .highlighted()
        .expect("code");
    assert_eq!(code.len(), 6);
    let early = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "carol@isched.test", "password": "carol-password" }),
        )
        .await;
    assert_eq!(early.status(), 403);
    assert_eq!(json_of(early).await["error"]["code"], "email_not_verified");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = app
        .post(
            "/api/v1/auth/verify-email",
            None,
            &json!({ "email": "carol@isched.test", "code": wrong }),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.post(
            "/api/v1/auth/verify-email",
            None,
            &json!({ "email": "carol@isched.test", "code": code })
        )
        .await
        .status(),
        204
    );
    app.login("carol@isched.test", "carol-password").await;
    // Signing up again with a taken email answers the same and changes nothing.
    assert_eq!(
        app.post(
            "/api/v1/auth/sign-up",
            None,
            &json!({ "email": "carol@isched.test", "password": "other-password" })
        )
        .await
        .status(),
        202
    );
    app.login("carol@isched.test", "carol-password").await;

    // Forgot password: the same answer for unknown emails, and no email to them.
    assert_eq!(
        app.post(
            "/api/v1/auth/forgot-password",
            None,
            &json!({ "email": "nobody@isched.test" })
        )
        .await
        .status(),
        202
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/forgot-password",
            None,
            &json!({ "email": "carol@isched.test" })
        )
        .await
        .status(),
        202
    );
    let code = mail_to(&sink, "carol@isched.test", 2)
        .await
        .highlighted()
        .expect("code");
    let weak = app
        .post(
            "/api/v1/auth/confirm-forgot-password",
            None,
            &json!({ "email": "carol@isched.test", "code": code, "new_password": "short" }),
        )
        .await;
    assert_eq!(weak.status(), 400);
    assert_eq!(json_of(weak).await["error"]["code"], "invalid_password");
    let ok = app.post("/api/v1/auth/confirm-forgot-password", None, &json!({ "email": "carol@isched.test", "code": code, "new_password": "carol-new-password" })).await;
    assert_eq!(ok.status(), 204);
    app.login("carol@isched.test", "carol-new-password").await;
    // Codes are single use.
    let reuse = app.post("/api/v1/auth/confirm-forgot-password", None, &json!({ "email": "carol@isched.test", "code": code, "new_password": "carol-third-password" })).await;
    assert_eq!(reuse.status(), 400);
    // Codes have limited attempts: after 5 misses even the right code fails.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        &json!({ "email": "carol@isched.test" }),
    )
    .await;
    let code = mail_to(&sink, "carol@isched.test", 3)
        .await
        .highlighted()
        .expect("code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.post("/api/v1/auth/confirm-forgot-password", None, &json!({ "email": "carol@isched.test", "code": wrong, "new_password": "carol-x-password" })).await;
    }
    let late = app.post("/api/v1/auth/confirm-forgot-password", None, &json!({ "email": "carol@isched.test", "code": code, "new_password": "carol-x-password" })).await;
    assert_eq!(late.status(), 400);
    assert!(
        sink.messages().iter().all(|m| !m.to().contains("nobody@")),
        "no email to unknown addresses"
    );
    app.stop().await;
}

async fn totp_enrolment_login_and_recovery_codes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let enrol = json_of(
        app.post("/api/v1/users/me/mfa/totp", Some(&admin), &json!({}))
            .await,
    )
    .await;
    let secret = enrol["secret"].as_str().expect("secret").to_owned();
    assert!(
        enrol["otpauth_uri"]
            .as_str()
            .expect("uri")
            .starts_with("otpauth://totp/isched"),
        "{enrol}"
    );
    assert!(enrol["qr_png_base64"].as_str().expect("qr").len() > 100);
    let wrong = app
        .post(
            "/api/v1/users/me/mfa/totp/verify",
            Some(&admin),
            &json!({ "code": "000000" }),
        )
        .await;
    assert_eq!(wrong.status(), 400);
    let done = json_of(
        app.post(
            "/api/v1/users/me/mfa/totp/verify",
            Some(&admin),
            &json!({ "code": totp_code(&secret, app.clock.now()) }),
        )
        .await,
    )
    .await;
    let recovery: Vec<String> = done["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);

    // Sign-in now asks for the code.
    let challenge = || async {
        json_of(
            app.post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }),
            )
            .await,
        )
        .await
    };
    let first = challenge().await;
    assert_eq!(first["challenge"], "SOFTWARE_TOKEN_MFA");
    // Move to a fresh 30-second step so that the enrolment code is not a replay.
    app.clock.advance(SignedDuration::from_secs(30));
    let code = totp_code(&secret, app.clock.now());
    let bad = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "SOFTWARE_TOKEN_MFA", "session": first["session"], "code": "123456x" })).await;
    assert_eq!(bad.status(), 400);
    let ok = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "SOFTWARE_TOKEN_MFA", "session": first["session"], "code": code })).await;
    assert_eq!(ok.status(), 200);
    assert!(json_of(ok).await["access_token"].is_string());
    // The same code again is a replay.
    let second = challenge().await;
    let replay = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "SOFTWARE_TOKEN_MFA", "session": second["session"], "code": code })).await;
    assert_eq!(replay.status(), 400);
    // A recovery code works once, in any case and spacing.
    let third = challenge().await;
    let loose = recovery[0].to_lowercase().replace('-', " ");
    let ok = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "SOFTWARE_TOKEN_MFA", "session": third["session"], "recovery_code": loose })).await;
    assert_eq!(ok.status(), 200);
    let fourth = challenge().await;
    let used = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "SOFTWARE_TOKEN_MFA", "session": fourth["session"], "recovery_code": recovery[0] })).await;
    assert_eq!(used.status(), 400);
    let audit = app.store.list_audit(100, None).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "auth.mfa_enrolled"));
    assert!(audit.iter().any(|e| e.action == "auth.recovery_code_used"));
    app.stop().await;
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({ "email": email, "password": password }),
    )
    .await
}

async fn lockout_grows_and_reveals_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for email in [ADMIN_EMAIL, "nobody@isched.test"] {
        for attempt in 1..=5 {
            assert_eq!(
                login_status(&app, email, "wrong-password").await.status(),
                401,
                "{email} attempt {attempt}"
            );
        }
        // The fifth failure locked the email for 2 seconds: even the right password waits.
        let locked = login_status(&app, email, ADMIN_PASSWORD).await;
        assert_eq!(locked.status(), 429, "{email}");
        assert_eq!(locked.headers()["retry-after"], "2");
        assert_eq!(json_of(locked).await["error"]["code"], "too_many_requests");
        app.clock.advance(SignedDuration::from_secs(3));
        assert_eq!(
            login_status(&app, email, "wrong-password").await.status(),
            401
        );
        let locked = login_status(&app, email, "wrong-password").await;
        assert_eq!(locked.headers()["retry-after"], "4", "the delay doubles");
        app.clock.advance(SignedDuration::from_secs(5));
    }
    // Success clears the count.
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        login_status(&app, ADMIN_EMAIL, "wrong-password")
            .await
            .status(),
        401
    );
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let audit = app.store.list_audit(100, None).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "auth.lockout"));
    app.stop().await;
}

async fn sign_in_is_rate_limited_per_client(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.server.auth_rate_limit_per_minute = 5).await
    else {
        return;
    };
    for i in 0..5 {
        let email = format!("spray{i}@isched.test");
        assert_eq!(login_status(&app, &email, "guess").await.status(), 401);
    }
    let limited = login_status(&app, "spray9@isched.test", "guess").await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(
        (1..=12).contains(&wait),
        "one request per 12 s refills: {wait}"
    );
    // Other routes are not limited.
    assert_eq!(app.get("/health").await.status(), 200);
    app.clock.advance(SignedDuration::from_secs(60));
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.stop().await;
}

/// Behind a trusted proxy (loopback here), each client named by `X-Forwarded-For` has its
/// own allowance; without `trusted_proxies` the header changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_behind_a_trusted_proxy_are_limited_one_by_one() {
    let forwarded = |app: &TestApp, client: &'static str| {
        let request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", client)
            .json(&json!({ "email": "spray@isched.test", "password": "guess" }));
        async move { request.send().await.expect("reaches the server").status() }
    };
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.server.auth_rate_limit_per_minute = 2;
        c.server.trusted_proxies = vec!["127.0.0.0/8".parse().expect("cidr")];
    })
    .await
    else {
        return;
    };
    for _ in 0..2 {
        assert_eq!(forwarded(&app, "198.51.100.7").await, 401);
    }
    assert_eq!(forwarded(&app, "198.51.100.7").await, 429);
    // Another client behind the same proxy still has its allowance; a client that writes
    // its own header left of the proxy's entry is still the address the proxy saw.
    assert_eq!(forwarded(&app, "198.51.100.8").await, 401);
    assert_eq!(forwarded(&app, "203.0.113.9, 198.51.100.7").await, 429);
    app.stop().await;

    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.server.auth_rate_limit_per_minute = 2;
    })
    .await
    else {
        return;
    };
    for client in ["198.51.100.7", "198.51.100.8"] {
        assert_eq!(forwarded(&app, client).await, 401);
    }
    assert_eq!(
        forwarded(&app, "198.51.100.9").await,
        429,
        "an untrusted peer's header is ignored: one bucket"
    );
    app.stop().await;
}

async fn personal_access_tokens_and_admin_step_up(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let admin = tokens["access_token"].as_str().expect("access").to_owned();
    let create = |scopes: Value| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post(
                "/api/v1/users/me/tokens",
                Some(&admin),
                &json!({ "name": "ci", "scopes": scopes, "expires_in_days": 30 }),
            )
            .await
        }
    };
    let res = create(json!(["read"])).await;
    assert_eq!(res.status(), 201);
    let read = json_of(res).await;
    let read_token = read["token"].as_str().expect("token shown once").to_owned();
    assert!(read_token.starts_with("isched_pat_"));
    let admin_pat = json_of(create(json!(["admin"])).await).await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(create(json!(["root"])).await.status(), 400);

    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(&read_token), None)
            .await
            .status(),
        200
    );
    let write = app
        .post(
            "/api/v1/users/me/password",
            Some(&read_token),
            &json!({ "current_password": ADMIN_PASSWORD, "new_password": "whatever-password" }),
        )
        .await;
    assert_eq!(write.status(), 403);
    assert_eq!(json_of(write).await["error"]["code"], "insufficient_scope");
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&read_token), None)
            .await
            .status(),
        403,
        "read scope is not admin"
    );
    let listed = json_of(
        app.call(Method::GET, "/api/v1/users/me/tokens", Some(&admin), None)
            .await,
    )
    .await;
    assert!(
        listed.to_string().contains("\"last_used_at\":\""),
        "use is recorded: {listed}"
    );
    assert!(
        !listed.to_string().contains("isched_pat_"),
        "tokens are never shown again"
    );

    // Eleven minutes on, a refreshed session is no longer enough for admin routes...
    app.clock.advance(SignedDuration::from_mins(11));
    let refreshed = json_of(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": tokens["refresh_token"] }),
        )
        .await,
    )
    .await;
    let stale = refreshed["access_token"].as_str().expect("access");
    let res = app
        .call(Method::GET, "/api/v1/users", Some(stale), None)
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        json_of(res).await["error"]["code"],
        "reauthentication_required"
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(stale), None)
            .await
            .status(),
        200
    );
    // ...signing in again is, and so is an admin-scoped token (automation).
    let fresh = app.admin_token().await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&fresh), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&admin_pat), None)
            .await
            .status(),
        200
    );

    // Revoked and expired tokens stop working.
    let id = read["id"].as_str().expect("id");
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/users/me/tokens/{id}"),
            Some(&fresh),
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(&read_token), None)
            .await
            .status(),
        401
    );
    app.clock.advance(SignedDuration::from_hours(31 * 24));
    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(&admin_pat), None)
            .await
            .status(),
        401
    );
    app.stop().await;
}

async fn admins_can_be_required_to_use_mfa(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.identity.require_admin_mfa = true).await else {
        return;
    };
    let admin = app.admin_token().await;
    let res = app
        .call(Method::GET, "/api/v1/users", Some(&admin), None)
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(json_of(res).await["error"]["code"], "mfa_required");
    let enrol = json_of(
        app.post("/api/v1/users/me/mfa/totp", Some(&admin), &json!({}))
            .await,
    )
    .await;
    let secret = enrol["secret"].as_str().expect("secret").to_owned();
    let res = app
        .post(
            "/api/v1/users/me/mfa/totp/verify",
            Some(&admin),
            &json!({ "code": totp_code(&secret, app.clock.now()) }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&admin), None)
            .await
            .status(),
        200
    );

    // A second admin loses their device: the first resets their MFA.
    let created = json_of(
        app.post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "eve@isched.test", "groups": ["admin"] }),
        )
        .await,
    )
    .await;
    let id = created["id"].as_str().expect("id");
    let eve = app.store.user_by_id(id).await.expect("store").expect("eve");
    app.store
        .set_totp(
            id,
            Some("JBSWY3DPEHPK3PXP"),
            Some(app.clock.now()),
            app.clock.now(),
        )
        .await
        .expect("enrol eve");
    assert!(
        app.store
            .user_by_id(id)
            .await
            .expect("store")
            .expect("eve")
            .mfa_enabled
            && !eve.mfa_enabled
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/users/{id}/mfa"),
            Some(&admin),
            None
        )
        .await
        .status(),
        204
    );
    assert!(
        !app.store
            .user_by_id(id)
            .await
            .expect("store")
            .expect("eve")
            .mfa_enabled
    );
    let audit = app.store.list_audit(50, None).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "auth.mfa_removed" && e.target.as_deref() == Some(id))
    );
    app.stop().await;
}
