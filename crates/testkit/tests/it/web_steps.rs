//! Steps the browser tests share: typing, clicking, and reading what a page shows once it
//! has loaded.

use fantoccini::Locator;
use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Browser, TestApp, spawn_app_with};
use std::time::Duration;

pub(crate) async fn fill(b: &fantoccini::Client, css: &str, text: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

pub(crate) async fn click(b: &fantoccini::Client, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Clicks `css`, which leads to another page, and waits until the page before is gone.
/// A form that posts back to its own page shows the same heading and rows again, so waiting
/// for those alone can find them on the page before, which is then replaced under the test.
pub(crate) async fn click_through(b: &fantoccini::Client, css: &str) {
    mark_this_page(b).await;
    click(b, css).await;
    left(b).await;
}

/// Marks the document now shown, to tell later when it has been replaced: the mark lives
/// in the page's `window`, which the next document does not share.
async fn mark_this_page(b: &fantoccini::Client) {
    b.execute("window.ischedPageBefore = true;", vec![])
        .await
        .expect("mark the page");
}

/// Waits until the marked page has been replaced by a loaded one. While the browser is
/// between documents a script may fail to run: that is "not yet", not an error.
async fn left(b: &fantoccini::Client) {
    let check =
        "return window.ischedPageBefore === undefined && document.readyState === 'complete';";
    for _ in 0..100 {
        if let Ok(serde_json::Value::Bool(true)) = b.execute(check, vec![]).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page is still shown 10 s after the click");
}

/// The text of the element at `at`, waiting for it to appear (pages load after a click).
pub(crate) async fn text_of(b: &fantoccini::Client, at: Locator<'_>, what: &str) -> String {
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(at)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until nothing matches `at` (the page after a click replaced the one before).
pub(crate) async fn gone(b: &fantoccini::Client, at: Locator<'_>, what: &str) {
    for _ in 0..100 {
        if b.find(at).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} is still shown after 10 s");
}

pub(crate) async fn heading(b: &fantoccini::Client) -> String {
    text_of(b, Locator::Css("h1"), "h1").await
}

/// Signs in on the page at `/` and waits for the home page.
pub(crate) async fn sign_in(b: &fantoccini::Client, url: &str, email: &str, password: &str) {
    b.goto(url).await.expect("open /");
    fill(b, "#email", email).await;
    fill(b, "#password", password).await;
    click_through(b, "button[type=submit]").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='My instances']"))
        .await
        .expect("signed in");
}

/// Waits for the page whose heading is `h1`.
pub(crate) async fn shown(b: &fantoccini::Client, h1: &str) {
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!("//h1[text()={h1:?}]")))
        .await
        .unwrap_or_else(|e| panic!("the page {h1:?}: {e}"));
}

/// Types into `css` once the page that has it has loaded.
pub(crate) async fn fill_when_shown(b: &fantoccini::Client, css: &str, text: &str) {
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

/// Clicks what `at` finds, accepts the confirmation its form asks for and waits for the page
/// the form leads to.
pub(crate) async fn click_and_confirm(b: &fantoccini::Client, at: Locator<'_>, what: &str) {
    mark_this_page(b).await;
    b.find(at)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .click()
        .await
        .expect("click");
    b.accept_alert().await.expect("confirm");
    left(b).await;
}

/// A headless browser signed in as the bootstrap admin of a fresh app on SQLite, its
/// configuration `adjust`ed; None when the browser is not installed here (skipped).
pub(crate) async fn admin_in_browser(
    adjust: impl FnOnce(&mut isched::config::Config),
) -> Option<(Browser, TestApp)> {
    let browser = Browser::start().await?;
    let app = spawn_app_with(Backend::Sqlite, adjust).await?;
    sign_in(&browser.client, &app.url("/"), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    Some((browser, app))
}
