//! The admin pages in real headless Chromium: users (create with the temporary password
//! shown once, groups, disable and enable, reset password).

use super::web_steps::{
    admin_in_browser, click_and_confirm, click_through, fill, fill_when_shown, gone, text_of,
};
use fantoccini::Locator;
use std::time::Duration;

/// An admin creates a user (the temporary password shown once), sets their groups,
/// disables and enables them and resets their password, from the users page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_users() {
    let Some((browser, app)) = admin_in_browser(|_| {}).await else {
        return;
    };
    let b = &browser.client;
    click_through(b, "a[href='/ui/admin/users']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='Users']"))
        .await
        .expect("the users page");
    fill(b, "#email", "new@isched.test").await;
    fill(b, "#groups", "team-a").await;
    click_through(b, "form[action='/ui/admin/users'] button").await;
    let password = text_of(b, Locator::Css("#temporary"), "the temporary password").await;
    assert!(password.len() >= 8, "{password}");
    browser.screenshot("web-users-created").await;
    let row = "//tr[th[text()='new@isched.test']]";
    let groups = b
        .find(Locator::XPath(&format!("{row}//input[@name='groups']")))
        .await
        .expect("groups")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(groups.as_deref(), Some("team-a"));

    // The same email again is refused, next to the field.
    fill(b, "#email", "new@isched.test").await;
    click_through(b, "form[action='/ui/admin/users'] button").await;
    let error = text_of(
        b,
        Locator::Css(".field-error, .notice.error"),
        "the refusal",
    )
    .await;
    assert!(error.contains("exists"), "{error}");

    let input = b
        .find(Locator::XPath(&format!("{row}//input[@name='groups']")))
        .await
        .expect("groups");
    input.clear().await.expect("clear");
    input.send_keys("team-b, team-c").await.expect("type");
    click_through(b, "button[aria-label='Save the groups of new@isched.test']").await;
    // The saved list no longer carries the refusal.
    gone(
        b,
        Locator::Css(".field-error, .notice.error"),
        "the refusal",
    )
    .await;
    click_and_confirm(
        b,
        Locator::XPath(&format!("{row}//button[text()='Disable']")),
        "disable",
    )
    .await;
    // The page after the change offers Enable; only then is the status the new one.
    b.wait()
        .for_element(Locator::XPath(&format!("{row}//button[text()='Enable']")))
        .await
        .expect("disabled");
    let status = text_of(
        b,
        Locator::XPath(&format!("{row}//span[contains(@class,'state')]")),
        "status",
    )
    .await;
    assert_eq!(status, "disabled");
    browser.screenshot("web-users").await;
    let user = app
        .store
        .user_by_email(&isched_store::Email::parse("new@isched.test").expect("email"))
        .await
        .expect("store")
        .expect("the user");
    assert_eq!(user.roles, ["team-b", "team-c"]);
    assert_eq!(user.status.as_str(), "disabled");
    click_and_confirm(
        b,
        Locator::XPath(&format!("{row}//button[text()='Enable']")),
        "enable",
    )
    .await;
    b.wait()
        .for_element(Locator::XPath(&format!("{row}//button[text()='Disable']")))
        .await
        .expect("enabled again");
    click_and_confirm(
        b,
        Locator::XPath(&format!("{row}//button[text()='Reset password']")),
        "reset",
    )
    .await;
    let again = text_of(b, Locator::Css("#temporary"), "the new temporary password").await;
    assert_ne!(again, password);

    // The audit log has it all, filtered by the action's start; health shows each part.
    click_through(b, "a[href='/ui/admin/audit']").await;
    fill_when_shown(b, "#action", "user.").await;
    click_through(b, "form[action='/ui/admin/audit'] button").await;
    for _ in 0..100 {
        let url = b.current_url().await.expect("url");
        if url.as_str().contains("action=user.") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut actions = Vec::new();
    for cell in b
        .find_all(Locator::Css("tbody td code"))
        .await
        .expect("rows")
        .into_iter()
        .step_by(2)
    {
        actions.push(cell.text().await.expect("text"));
    }
    assert!(actions.contains(&"user.created".to_owned()), "{actions:?}");
    assert!(
        actions.iter().all(|a| a.starts_with("user.")),
        "{actions:?}"
    );
    browser.screenshot("web-audit").await;
    click_through(b, "a[href='/ui/admin/health']").await;
    let database = text_of(
        b,
        Locator::XPath("//tr[th[starts-with(text(),'database')]]/td[1]"),
        "the database's state",
    )
    .await;
    assert_eq!(database, "ok");
    browser.screenshot("web-health").await;

    // The plan now, for three instances tagged with a schedule (seen by a discovery),
    // then a zone that does not exist is refused next to its field.
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        app.store.clone(),
        isched_cloud::sandbox::SandboxOptions::default(),
    );
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "office".to_owned())]);
    sandbox
        .seed("sandbox-1", 3, "t3.micro", &tags)
        .await
        .expect("seed");
    app.refresh_inventory(&admin).await;
    click_through(b, "a[href='/ui/admin/plan']").await;
    let summary = text_of(b, Locator::Css("main h2"), "the plan").await;
    assert!(summary.contains("3 resources"), "{summary}");
    let count = text_of(b, Locator::Css("main table td.num"), "a decision's count").await;
    assert_eq!(count, "3");
    browser.screenshot("web-plan").await;
    b.execute("document.querySelector('main h3').scrollIntoView()", vec![])
        .await
        .expect("scroll");
    browser.screenshot("web-plan-decisions").await;
    fill(b, "#zone", "Mars/Olympus").await;
    click_through(b, "form[action='/ui/admin/plan'] button").await;
    let error = text_of(b, Locator::Css(".field-error"), "the zone's error").await;
    assert!(error.contains("not a time zone"), "{error}");
    browser.close().await;
    app.stop().await;
}
