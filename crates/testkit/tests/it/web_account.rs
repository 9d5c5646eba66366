//! The account pages in real headless Chromium: a personal access token shown once, used
//! and revoked; an authenticator enrolled from the QR page's key, with the recovery codes
//! shown once and one of them used to sign in; a forgotten password reset with the code
//! read from a real SMTP server.

use super::codes::totp_code;
use super::web_steps::{
    click, click_and_confirm, click_through, fill, gone, shown, sign_in, text_of,
};
use fantoccini::Locator;
use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Browser, SmtpSink, spawn_app_with};
use reqwest::Method;
use secrecy::SecretString;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_makes_a_token_enrols_an_authenticator_and_resets_a_forgotten_password() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let sink = SmtpSink::start();
    let url = sink.url();
    let Some(app) = spawn_app_with(Backend::Sqlite, move |c| {
        c.smtp_url = Some(SecretString::from(url));
    })
    .await
    else {
        return;
    };
    let b = &browser.client;
    sign_in(b, &app.url("/"), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    click_through(b, "a[href='/ui/account']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Your account']"))
        .await
        .expect("the account page");

    // A token, shown once, works on the API until it is revoked.
    fill(b, "#token-name", "laptop CLI").await;
    click(b, "input[name=scope_write]").await;
    click_through(b, "form[action='/ui/account/tokens'] button[type=submit]").await;
    let token = text_of(b, Locator::Css("#new-token"), "the new token").await;
    assert!(token.starts_with("isched_pat_"), "{token}");
    browser.screenshot("web-account-token").await;
    b.execute(
        "document.getElementById('tokens-title').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    browser.screenshot("web-account-tokens").await;
    let me = app
        .call(Method::GET, "/api/v1/users/me", Some(&token), None)
        .await;
    assert_eq!(me.status(), 200);
    click_and_confirm(
        b,
        Locator::Css("button[aria-label='Revoke laptop CLI']"),
        "revoke",
    )
    .await;
    gone(b, Locator::Css("#new-token"), "the token").await;
    gone(
        b,
        Locator::XPath("//th[text()='laptop CLI']"),
        "the revoked token's row",
    )
    .await;
    let me = app
        .call(Method::GET, "/api/v1/users/me", Some(&token), None)
        .await;
    assert_eq!(me.status(), 401);

    // The authenticator: the QR page's key, a wrong code refused next to the field, then
    // the right one; the recovery codes are shown once.
    click_through(b, "form[action='/ui/account/mfa'] button").await;
    let secret = text_of(b, Locator::Css("#totp-secret"), "the key").await;
    b.find(Locator::Css("svg.qr path"))
        .await
        .expect("the QR code");
    browser.screenshot("web-account-mfa").await;
    let right = totp_code(&secret, jiff::Timestamp::now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    fill(b, "#code", wrong).await;
    click_through(b, "form[action='/ui/account/mfa/confirm'] button").await;
    let error = text_of(b, Locator::Css(".field-error"), "the refusal").await;
    assert!(error.contains("code"), "{error}");
    fill(b, "#code", &totp_code(&secret, jiff::Timestamp::now())).await;
    click_through(b, "form[action='/ui/account/mfa/confirm'] button").await;
    text_of(b, Locator::Css("#recovery-codes"), "the recovery codes").await;
    let mut codes = Vec::new();
    for li in b
        .find_all(Locator::Css("#recovery-codes li"))
        .await
        .expect("codes")
    {
        codes.push(li.text().await.expect("text"));
    }
    assert_eq!(codes.len(), 10, "{codes:?}");
    browser.screenshot("web-account-recovery-codes").await;
    let page = b.source().await.expect("source");
    assert!(page.contains("An authenticator app is enrolled"), "MFA on");

    // Signing in again asks for a code; a recovery code will do.
    click_through(b, "form[action='/ui/logout'] button").await;
    shown(b, "Sign in to isched").await;
    fill(b, "#email", ADMIN_EMAIL).await;
    fill(b, "#password", ADMIN_PASSWORD).await;
    click_through(b, "button[type=submit]").await;
    shown(b, "Enter your code").await;
    fill(b, "#code", &codes[0]).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in with a recovery code");

    // A forgotten password: the emailed code and a new password, then the second step.
    click_through(b, "form[action='/ui/logout'] button").await;
    shown(b, "Sign in to isched").await;
    click_through(b, "a[href='/ui/forgot']").await;
    shown(b, "Forgot your password?").await;
    fill(b, "#email", ADMIN_EMAIL).await;
    click_through(b, "button[type=submit]").await;
    let mail = sink
        .wait_for_to(ADMIN_EMAIL, 1, Duration::from_secs(10))
        .await;
    let code = mail
        .last()
        .and_then(|m| m.highlighted())
        .expect("the emailed code");
    shown(b, "Set a new password").await;
    fill(b, "#new_password", "short").await;
    fill(b, "#code", &code).await;
    click_through(b, "button[type=submit]").await;
    let error = text_of(b, Locator::Css(".field-error"), "the weak password").await;
    assert!(error.to_lowercase().contains("characters"), "{error}");
    browser.screenshot("web-forgot-password").await;
    fill(b, "#code", &code).await;
    fill(b, "#new_password", "a-brand-new-admin-password").await;
    click_through(b, "button[type=submit]").await;
    shown(b, "Enter your code").await;
    fill(b, "#code", &codes[1]).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in with the new password");
    let old = app
        .post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(old.status(), 401, "the old password no longer works");
    browser.close().await;
    app.stop().await;
}
