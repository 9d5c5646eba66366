//! Sign-in over HTTP on both backends: tokens, the NEW_PASSWORD_REQUIRED challenge, refresh
//! rotation with reuse detection, logout, and access tokens that must be refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use isched_auth::password::hash_password;
use isched_store::users::{NewUser, ROLE_USER, UserStatus};
use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestApp, backend_tests, spawn_app};
use jiff::SignedDuration;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::SecretString;
use serde_json::{Value, json};

backend_tests!(
    login_issues_tokens_that_verify_against_the_jwks,
    unknown_email_and_wrong_password_look_the_same,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_revokes_the_refresh_token,
    temporary_password_must_be_changed_first,
    forged_and_misused_tokens_are_refused,
    signing_keys_rotate_without_signing_anyone_out,
);

async fn me(app: &TestApp, token: &str) -> reqwest::StatusCode {
    app.call(reqwest::Method::GET, "/api/v1/users/me", Some(token), None)
        .await
        .status()
}

async fn login_issues_tokens_that_verify_against_the_jwks(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().expect("access");

    // Anyone can verify isched's tokens from its published keys.
    let config: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(config["issuer"], app.base_url);
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("json");
    let header = jsonwebtoken::decode_header(access).expect("header");
    assert_eq!(header.alg, Algorithm::ES256);
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header.kid.clone().expect("kid").as_str())
        .expect("signing key is published");
    let key =
        DecodingKey::from_jwk(&serde_json::from_value(jwk.clone()).expect("jwk")).expect("key");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[&app.base_url]);
    validation.set_audience(&["isched"]);
    let claims = jsonwebtoken::decode::<Value>(access, &key, &validation)
        .expect("valid token")
        .claims;
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["groups"], json!(["admin"]));
    for claim in ["sub", "iat", "jti", "auth_time", "exp"] {
        assert!(!claims[claim].is_null(), "claim {claim} in {claims}");
    }

    let res = app
        .call(reqwest::Method::GET, "/api/v1/users/me", Some(access), None)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["email"], ADMIN_EMAIL);
    assert_eq!(body["groups"], json!(["admin"]));
    app.stop().await;
}

async fn unknown_email_and_wrong_password_look_the_same(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": ADMIN_EMAIL, "password": "not-the-password" }),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong: Value = wrong.json().await.expect("json");
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "nobody@isched.test", "password": "not-the-password" }),
        )
        .await;
    assert_eq!(unknown.status(), 401);
    let unknown: Value = unknown.json().await.expect("json");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
    let audit = app.store.list_audit(10, None).await.expect("audit");
    assert!(
        audit
            .iter()
            .filter(|e| e.action == "auth.login_failed")
            .count()
            >= 2,
        "{audit:?}"
    );
    app.stop().await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({ "refresh_token": token }),
    )
    .await
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first["refresh_token"].as_str().expect("refresh").to_owned();

    let second: Value = refresh(&app, &r1).await.json().await.expect("json");
    let r2 = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    assert_ne!(r1, r2, "every use issues a new refresh token");
    assert_eq!(
        me(&app, second["access_token"].as_str().expect("access")).await,
        200
    );

    // Someone replays the spent token: refused, and the whole family goes with it.
    let replay = refresh(&app, &r1).await;
    assert_eq!(replay.status(), 401);
    assert_eq!(
        refresh(&app, &r2).await.status(),
        401,
        "the family is revoked"
    );
    let audit = app.store.list_audit(20, None).await.expect("audit");
    assert!(
        audit.iter().any(|e| e.action == "auth.refresh_token_reuse"),
        "{audit:?}"
    );

    // A separate sign-in is a separate family and still works.
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        refresh(&app, other["refresh_token"].as_str().expect("r"))
            .await
            .status(),
        200
    );

    // Refresh tokens expire.
    let late = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.clock.advance(SignedDuration::from_hours(31 * 24));
    assert_eq!(
        refresh(&app, late["refresh_token"].as_str().expect("r"))
            .await
            .status(),
        401
    );
    app.stop().await;
}

async fn logout_revokes_the_refresh_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = tokens["refresh_token"].as_str().expect("r");
    let res = app
        .post("/api/v1/auth/logout", None, &json!({ "refresh_token": r }))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(refresh(&app, r).await.status(), 401);
    // Logging out twice is harmless.
    assert_eq!(
        app.post("/api/v1/auth/logout", None, &json!({ "refresh_token": r }))
            .await
            .status(),
        204
    );
    app.stop().await;
}

async fn temporary_password_must_be_changed_first(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let email = isched_store::Email::parse("new@isched.test").expect("email");
    let hash = hash_password(&SecretString::from("Temporary-1")).expect("hash");
    app.store
        .create_user(NewUser {
            email: &email,
            password_hash: Some(&hash),
            password_expires_at: None,
            email_verified: true,
            status: UserStatus::MustChangePassword,
            roles: &[ROLE_USER],
            now: app.clock.now(),
        })
        .await
        .expect("user");

    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "New@Isched.Test", "password": "Temporary-1" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let challenge: Value = res.json().await.expect("json");
    assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
    assert!(challenge["access_token"].is_null());
    let session = challenge["session"].as_str().expect("session");
    // The session is not an access token.
    assert_eq!(me(&app, session).await, 401);

    let short = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": session, "new_password": "short" })).await;
    assert_eq!(short.status(), 400);
    let short: Value = short.json().await.expect("json");
    assert_eq!(short["error"]["code"], "invalid_password");

    let res = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": session, "new_password": "a-Better-password-9" })).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.expect("json");
    assert_eq!(
        me(&app, tokens["access_token"].as_str().expect("access")).await,
        200
    );

    // The session was for one answer only; the old password no longer works.
    let again = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": session, "new_password": "another-Password-1" })).await;
    assert_eq!(again.status(), 401);
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "new@isched.test", "password": "Temporary-1" })
        )
        .await
        .status(),
        401
    );
    app.login("new@isched.test", "a-Better-password-9").await;
    app.stop().await;
}

fn forge(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn forged_and_misused_tokens_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = tokens["access_token"].as_str().expect("access");
    let header = jsonwebtoken::decode_header(access).expect("header");
    let payload = access.split('.').nth(1).expect("payload");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("claims");
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("json");
    let public = jwks["keys"][0].to_string();

    let alg_none = forge(
        &json!({ "alg": "none", "typ": "JWT", "kid": header.kid }),
        &claims,
        b"",
    );
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = header.kid.clone();
    let hs256 = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(public.as_bytes()))
        .expect("hs256");
    let other_key = {
        let mut c = claims.clone();
        c["sub"] = json!("someone-else");
        let parts: Vec<&str> = access.split('.').collect();
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(c.to_string()),
            parts[2]
        )
    };
    for (what, token) in [
        ("alg none", alg_none.as_str()),
        ("HS256 with the public key", &hs256),
        ("altered claims", &other_key),
        (
            "refresh token as access token",
            tokens["refresh_token"].as_str().expect("r"),
        ),
        ("garbage", "not.a.token"),
    ] {
        assert_eq!(me(&app, token).await, 401, "{what}");
    }
    let missing = app.get("/api/v1/users/me").await;
    assert_eq!(missing.status(), 401);
    let missing: Value = missing.json().await.expect("json");
    assert_eq!(missing["error"]["code"], "unauthorized");

    assert_eq!(me(&app, access).await, 200);
    app.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(me(&app, access).await, 401, "expired after 15 minutes");
    app.stop().await;
}

async fn signing_keys_rotate_without_signing_anyone_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let before = app.admin_token().await;
    let old_kid = jsonwebtoken::decode_header(&before)
        .expect("header")
        .kid
        .expect("kid");
    // What `isched keys rotate` does, possibly from another machine.
    let sealer = isched_auth::sealing::Sealer::new(
        &secrecy::SecretString::from(isched_testkit::TEST_SECRET_KEY),
        &[],
    )
    .expect("sealer");
    let new_kid = isched_auth::keys::KeyRing::rotate(
        &app.store,
        &sealer,
        app.clock.now(),
        SignedDuration::from_hours(1),
    )
    .await
    .expect("rotate");
    assert_ne!(old_kid, new_kid);
    app.clock.advance(SignedDuration::from_secs(61));
    let after = app.admin_token().await;
    assert_eq!(
        jsonwebtoken::decode_header(&after)
            .expect("header")
            .kid
            .expect("kid"),
        new_kid,
        "the server signs with the new key"
    );
    assert_eq!(
        me(&app, &before).await,
        200,
        "tokens of the old key stay valid"
    );
    assert_eq!(me(&app, &after).await, 200);
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("json");
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
    app.stop().await;
}
