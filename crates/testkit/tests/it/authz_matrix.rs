//! The authorization matrix: every /api/v1 route (other than sign-in) against every kind of
//! caller and bad token, including Amazon Cognito tokens minted by moto's cognito-idp.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use isched_testkit::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Moto, TestApp, backend_tests, spawn_app_with,
};
use jiff::SignedDuration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

backend_tests!(
    every_route_gives_every_caller_the_right_status,
    cognito_access_tokens_sign_in_and_map_groups
);

/// Calls moto's Cognito API directly (JSON protocol); the SDK is not needed to mint tokens.
async fn cognito(moto: &Moto, action: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/", moto.endpoint))
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{action}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0")
        .body(body.to_string())
        .send()
        .await
        .expect("moto answers");
    let status = res.status();
    let text = res.text().await.expect("body");
    assert!(status.is_success(), "{action}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

struct Pool {
    id: String,
    client_id: String,
    other_client_id: String,
}

/// A user pool with two app clients and `dave@isched.test` in the group `Admins`.
async fn cognito_pool(moto: &Moto) -> Pool {
    let pool = cognito(moto, "CreateUserPool", json!({ "PoolName": "isched-test" })).await;
    let id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    let mut clients = Vec::new();
    for name in ["isched", "other-app"] {
        let c = cognito(moto, "CreateUserPoolClient", json!({ "UserPoolId": id, "ClientName": name, "ExplicitAuthFlows": ["ADMIN_NO_SRP_AUTH"] })).await;
        clients.push(
            c["UserPoolClient"]["ClientId"]
                .as_str()
                .expect("client id")
                .to_owned(),
        );
    }
    cognito(moto, "AdminCreateUser", json!({ "UserPoolId": id, "Username": "dave@isched.test", "TemporaryPassword": "Temp-Password-1" })).await;
    cognito(moto, "AdminSetUserPassword", json!({ "UserPoolId": id, "Username": "dave@isched.test", "Password": "Dave-Password-1", "Permanent": true })).await;
    cognito(
        moto,
        "CreateGroup",
        json!({ "UserPoolId": id, "GroupName": "Admins" }),
    )
    .await;
    cognito(
        moto,
        "AdminAddUserToGroup",
        json!({ "UserPoolId": id, "Username": "dave@isched.test", "GroupName": "Admins" }),
    )
    .await;
    Pool {
        id,
        client_id: clients[0].clone(),
        other_client_id: clients[1].clone(),
    }
}

/// (access token, id token) of dave for `client_id`.
async fn cognito_tokens(moto: &Moto, pool: &Pool, client_id: &str) -> (String, String) {
    let auth = cognito(
        moto,
        "AdminInitiateAuth",
        json!({ "UserPoolId": pool.id, "ClientId": client_id, "AuthFlow": "ADMIN_NO_SRP_AUTH", "AuthParameters": { "USERNAME": "dave@isched.test", "PASSWORD": "Dave-Password-1" } }),
    )
    .await;
    let r = &auth["AuthenticationResult"];
    (
        r["AccessToken"].as_str().expect("access").to_owned(),
        r["IdToken"].as_str().expect("id").to_owned(),
    )
}

async fn app_trusting(backend: Backend, moto: &Moto, pool: &Pool) -> Option<TestApp> {
    let issuer = isched_auth::external::ExternalIssuer {
        issuer: format!("https://cognito-idp.us-east-1.amazonaws.com/{}", pool.id),
        jwks_url: format!("{}/{}/.well-known/jwks.json", moto.endpoint, pool.id),
        audiences: vec![pool.client_id.clone()],
        token_use: Some("access".into()),
        groups_claim: "cognito:groups".into(),
        roles: BTreeMap::from([("Admins".to_owned(), "admin".to_owned())]),
        email_claim: "email".into(),
    };
    spawn_app_with(backend, move |c| c.identity.external_issuers = vec![issuer]).await
}

async fn cognito_access_tokens_sign_in_and_map_groups(backend: Backend) {
    let moto = Moto::start();
    let pool = cognito_pool(&moto).await;
    let Some(app) = app_trusting(backend, &moto, &pool).await else {
        return;
    };
    let (access, id) = cognito_tokens(&moto, &pool, &pool.client_id).await;

    let res = app
        .call(Method::GET, "/api/v1/users/me", Some(&access), None)
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(
        me["email"], "dave@isched.test",
        "first use creates the local user"
    );
    assert_eq!(
        me["groups"],
        json!(["admin"]),
        "cognito:groups Admins maps to admin"
    );
    // Admin routes work: Cognito's auth_time is recent.
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&access), None)
            .await
            .status(),
        200
    );
    // Second use finds the same user.
    let again: Value = app
        .call(Method::GET, "/api/v1/users/me", Some(&access), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["id"], me["id"]);

    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(&id), None)
            .await
            .status(),
        401,
        "an id token is not an access token"
    );
    let (foreign, _) = cognito_tokens(&moto, &pool, &pool.other_client_id).await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/users/me", Some(&foreign), None)
            .await
            .status(),
        401,
        "another app client's token"
    );
    let audit = app.store.list_audit(50, None).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "auth.external_user_linked")
    );
    app.stop().await;
}

fn claims_of(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).expect("payload"))
            .expect("b64"),
    )
    .expect("claims")
}

/// Signs `claims` with a fresh key that isched has never seen, under isched's key id.
fn signed_elsewhere(kid: &str, claims: &Value) -> String {
    let key = isched_auth::keys::generate(jiff::Timestamp::now());
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_ec_pem(key.private_key_pem.as_bytes()).expect("pem"),
    )
    .expect("sign")
}

fn forge(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn create_user(app: &TestApp, admin: &str, email: &str) -> String {
    let res = app
        .post("/api/v1/users", Some(admin), &json!({ "email": email }))
        .await;
    let body: Value = res.json().await.expect("json");
    let temporary = body["temporary_password"]
        .as_str()
        .expect("shown without SMTP");
    let challenge: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": email, "password": temporary }),
        )
        .await
        .json()
        .await
        .expect("json");
    app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": challenge["session"], "new_password": "a-user-password" })).await;
    body["id"].as_str().expect("id").to_owned()
}

async fn access(app: &TestApp, email: &str, password: &str) -> String {
    app.login(email, password).await["access_token"]
        .as_str()
        .expect("access")
        .to_owned()
}

/// What each kind of caller must get from a route.
#[derive(Clone, Copy)]
enum Guard {
    /// Any signed-in user; `ok` is what a user gets (the route's own answer).
    User { ok: u16 },
    /// Needs a sign-in within 10 minutes, not only a valid token.
    Recent { ok: u16 },
    /// Admin with a recent sign-in; `ok` is what an admin gets.
    Admin { ok: u16 },
}

async fn every_route_gives_every_caller_the_right_status(backend: Backend) {
    let moto = Moto::start();
    let pool = cognito_pool(&moto).await;
    let Some(app) = app_trusting(backend, &moto, &pool).await else {
        return;
    };
    let admin0 = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let bootstrap = access(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let user_id = create_user(&app, &bootstrap, "user@isched.test").await;
    create_user(&app, &bootstrap, "other@isched.test").await;
    create_user(&app, &bootstrap, "disabled@isched.test").await;
    let expired = access(&app, "user@isched.test", "a-user-password").await;

    // 16 minutes later: the first tokens have expired, and the first sign-in is stale.
    app.clock.advance(SignedDuration::from_mins(16));
    let refreshed: Value = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": admin0["refresh_token"] }),
        )
        .await
        .json()
        .await
        .expect("json");
    let stale_admin = refreshed["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let admin_tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let admin = admin_tokens["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let user = access(&app, "user@isched.test", "a-user-password").await;
    let other = access(&app, "other@isched.test", "a-user-password").await;
    let disabled = access(&app, "disabled@isched.test", "a-user-password").await;
    let disabled_id: Value = app
        .call(Method::GET, "/api/v1/users/me", Some(&disabled), None)
        .await
        .json()
        .await
        .expect("json");
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", disabled_id["id"].as_str().expect("id")),
        Some(&admin),
        Some(&json!({ "status": "disabled" })),
    )
    .await;

    let claims = claims_of(&user);
    let kid = jsonwebtoken::decode_header(&user)
        .expect("header")
        .kid
        .expect("kid");
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("json");
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let hs256 = jsonwebtoken::encode(
        &hs,
        &claims,
        &EncodingKey::from_secret(jwks["keys"][0].to_string().as_bytes()),
    )
    .expect("hs256");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("https://evil.example");
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("someone-else");
    let (_, cognito_id_token) = cognito_tokens(&moto, &pool, &pool.client_id).await;

    // Each bad credential is refused everywhere.
    let refused: Vec<(&str, String)> = vec![
        ("anonymous", String::new()),
        ("disabled user", disabled),
        ("expired token", expired),
        (
            "token signed with another key",
            signed_elsewhere(&kid, &claims),
        ),
        (
            "alg none",
            forge(
                &json!({ "alg": "none", "typ": "JWT", "kid": kid }),
                &claims,
                b"",
            ),
        ),
        ("HS256 signed with the public key", hs256),
        ("wrong issuer", signed_elsewhere(&kid, &wrong_issuer)),
        ("wrong audience", signed_elsewhere(&kid, &wrong_audience)),
        (
            "refresh token as access token",
            admin_tokens["refresh_token"]
                .as_str()
                .expect("r")
                .to_owned(),
        ),
        ("Cognito id token", cognito_id_token),
    ];

    let own = format!("/api/v1/users/{user_id}");
    let routes: Vec<(Method, String, Option<Value>, Guard)> = vec![
        (
            Method::GET,
            "/api/v1/users/me".into(),
            None,
            Guard::User { ok: 200 },
        ),
        (
            Method::POST,
            "/api/v1/users/me/password".into(),
            Some(json!({ "current_password": "a-user-password", "new_password": "x" })),
            Guard::User { ok: 400 },
        ),
        (
            Method::GET,
            "/api/v1/users/me/tokens".into(),
            None,
            Guard::User { ok: 200 },
        ),
        (
            Method::DELETE,
            "/api/v1/users/me/tokens/no-such-token".into(),
            None,
            Guard::User { ok: 404 },
        ),
        (
            Method::POST,
            "/api/v1/users/me/tokens".into(),
            Some(json!({ "name": "", "scopes": ["read"] })),
            Guard::Recent { ok: 400 },
        ),
        (
            Method::POST,
            "/api/v1/users/me/mfa/totp".into(),
            Some(json!({})),
            Guard::Recent { ok: 200 },
        ),
        (
            Method::POST,
            "/api/v1/users/me/mfa/totp/verify".into(),
            Some(json!({ "code": "x" })),
            Guard::Recent { ok: 400 },
        ),
        (
            Method::POST,
            "/api/v1/users/me/mfa/recovery-codes".into(),
            Some(json!({})),
            Guard::Recent { ok: 409 },
        ),
        (
            Method::DELETE,
            "/api/v1/users/me/mfa".into(),
            None,
            Guard::Recent { ok: 204 },
        ),
        (
            Method::GET,
            "/api/v1/users".into(),
            None,
            Guard::Admin { ok: 200 },
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({ "email": "not-an-email" })),
            Guard::Admin { ok: 400 },
        ),
        (Method::GET, own.clone(), None, Guard::Admin { ok: 200 }),
        (
            Method::PATCH,
            own.clone(),
            Some(json!({ "groups": ["user"] })),
            Guard::Admin { ok: 200 },
        ),
        (
            Method::DELETE,
            "/api/v1/users/no-such-user".into(),
            None,
            Guard::Admin { ok: 404 },
        ),
        (
            Method::POST,
            "/api/v1/users/no-such-user/reset-password".into(),
            Some(json!({})),
            Guard::Admin { ok: 404 },
        ),
        (
            Method::DELETE,
            "/api/v1/users/no-such-user/mfa".into(),
            None,
            Guard::Admin { ok: 404 },
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            None,
            Guard::Admin { ok: 200 },
        ),
        (
            Method::GET,
            "/api/v1/periods".into(),
            None,
            Guard::User { ok: 200 },
        ),
        (
            Method::GET,
            "/api/v1/schedules/nope".into(),
            None,
            Guard::User { ok: 404 },
        ),
        (
            Method::GET,
            "/api/v1/calendars".into(),
            None,
            Guard::User { ok: 200 },
        ),
        (
            Method::POST,
            "/api/v1/periods".into(),
            Some(json!({ "name": "" })),
            Guard::Admin { ok: 400 },
        ),
        (
            Method::PUT,
            "/api/v1/schedules/nope".into(),
            Some(json!({ "periods": [] })),
            Guard::Admin { ok: 404 },
        ),
        (
            Method::DELETE,
            "/api/v1/calendars/nope".into(),
            None,
            Guard::Admin { ok: 404 },
        ),
        (
            Method::GET,
            "/api/v1/resources".into(),
            None,
            Guard::User { ok: 200 },
        ),
        (
            Method::GET,
            "/api/v1/resources/i-nothing/history".into(),
            None,
            Guard::User { ok: 404 },
        ),
        (
            Method::PUT,
            "/api/v1/resources/i-nothing/override".into(),
            Some(json!({ "skip_next_stop": true })),
            Guard::Admin { ok: 404 },
        ),
        (
            Method::DELETE,
            "/api/v1/resources/i-nothing/override".into(),
            None,
            Guard::Admin { ok: 404 },
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, guard) in &routes {
        let (user_ok, admin_ok, stale_ok) = match *guard {
            Guard::User { ok } => (ok, ok, ok),
            Guard::Recent { ok } => (ok, ok, 401),
            Guard::Admin { ok } => (403, ok, 401),
        };
        let mut cells: Vec<(&str, &str, u16)> = vec![
            ("user", &user, user_ok),
            ("other user", &other, user_ok),
            ("admin", &admin, admin_ok),
            ("admin without recent auth", &stale_admin, stale_ok),
        ];
        cells.extend(
            refused
                .iter()
                .map(|(who, token)| (*who, token.as_str(), 401)),
        );
        for (who, token, want) in cells {
            let token = (!token.is_empty()).then_some(token);
            let got = app.call(method.clone(), path, token, body.as_ref()).await;
            let status = got.status().as_u16();
            if status != want {
                let text = got.text().await.unwrap_or_default();
                failures.push(format!(
                    "{method} {path} as {who}: want {want}, got {status} {text}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await;
}
