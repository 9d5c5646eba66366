//! The storage suite: the same tests on SQLite and on Postgres, each in a fresh database.

use isched_store::audit::{AuditFilter, NewAuditEntry};
use isched_store::users::{NewUser, ROLE_ADMIN, ROLE_USER, UserStatus};
use isched_store::{Email, Store, StoreError};
use isched_testkit::{Backend, TestDb, backend_tests};
use jiff::Timestamp;
use serde_json::json;

backend_tests!(
    users_round_trip,
    emails_are_unique_ignoring_case,
    status_changes_and_admin_count,
    audit_log_is_append_only,
    settings_overwrite,
    migrations_run_once_and_reopen,
    reminders_are_claimed_once_and_released_on_failure,
);

async fn open(backend: Backend) -> Option<(TestDb, Store)> {
    let db = TestDb::create(backend).await?;
    let store = Store::connect(db.url()).await.expect("connect and migrate");
    Some((db, store))
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("valid email")
}

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("in range")
}

async fn users_round_trip(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    let e = email("Ada@Example.com");
    let created = store
        .create_user(NewUser {
            email: &e,
            password_hash: Some("$argon2id$x"),
            password_expires_at: None,
            email_verified: true,
            status: UserStatus::Active,
            roles: &[ROLE_USER, ROLE_ADMIN],
            now: now(),
        })
        .await
        .expect("create");
    assert_eq!(created.email.as_str(), "ada@example.com");
    assert_eq!(created.roles, vec!["admin", "user"]);
    assert_eq!(created.created_at, now());
    let found = store
        .user_by_email(&email("ADA@example.COM"))
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.id, created.id);
    assert_eq!(found.password_hash.as_deref(), Some("$argon2id$x"));
    assert!(
        !format!("{found:?}").contains("argon2id"),
        "Debug must not show the hash"
    );
    assert!(
        store
            .user_by_id("no-such-id")
            .await
            .expect("query")
            .is_none()
    );
}

async fn emails_are_unique_ignoring_case(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    let new = |e: &'static str| (email(e), UserStatus::Active);
    let (a, s) = new("bob@example.com");
    store
        .create_user(NewUser {
            email: &a,
            password_hash: None,
            password_expires_at: None,
            email_verified: true,
            status: s,
            roles: &[],
            now: now(),
        })
        .await
        .expect("first");
    let (b, s) = new("BOB@example.com");
    let err = store
        .create_user(NewUser {
            email: &b,
            password_hash: None,
            password_expires_at: None,
            email_verified: true,
            status: s,
            roles: &[ROLE_USER],
            now: now(),
        })
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    // The failed insert left nothing behind (its roles were in the same transaction).
    let bob = store
        .user_by_email(&a)
        .await
        .expect("query")
        .expect("first user kept");
    assert!(bob.roles.is_empty());
}

async fn status_changes_and_admin_count(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    assert_eq!(
        store
            .count_users_with_role(ROLE_ADMIN)
            .await
            .expect("count"),
        0
    );
    let e = email("root@example.com");
    let u = store
        .create_user(NewUser {
            email: &e,
            password_hash: None,
            password_expires_at: None,
            email_verified: true,
            status: UserStatus::MustChangePassword,
            roles: &[ROLE_ADMIN],
            now: now(),
        })
        .await
        .expect("create");
    assert_eq!(
        store
            .count_users_with_role(ROLE_ADMIN)
            .await
            .expect("count"),
        1
    );
    store
        .set_user_status(&u.id, UserStatus::Disabled, now())
        .await
        .expect("disable");
    assert_eq!(
        store.user_by_id(&u.id).await.expect("q").expect("u").status,
        UserStatus::Disabled
    );
    assert_eq!(
        store
            .count_users_with_role(ROLE_ADMIN)
            .await
            .expect("count"),
        0,
        "disabled admins do not count"
    );
    assert!(matches!(
        store
            .set_user_status("missing", UserStatus::Active, now())
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn audit_log_is_append_only(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    for i in 0..3 {
        store
            .append_audit(NewAuditEntry {
                at: now(),
                actor: "system",
                action: "test.event",
                target: Some("t"),
                detail: json!({ "i": i }),
            })
            .await
            .expect("append");
    }
    let page = store.list_audit(2, None).await.expect("list");
    assert_eq!(
        page.iter()
            .map(|e| e.detail["i"].as_i64())
            .collect::<Vec<_>>(),
        vec![Some(2), Some(1)]
    );
    let rest = store
        .list_audit(10, Some(page[1].id))
        .await
        .expect("next page");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].at, now());
    // Filters: an action prefix taken literally (`_` is no wildcard), an actor, a target.
    for (actor, action, target) in [
        ("u1", "auth.mfa_enrolled", "u1"),
        ("u2", "auth.mfaXenrolled", "u2"),
    ] {
        store
            .append_audit(NewAuditEntry {
                at: now(),
                actor,
                action,
                target: Some(target),
                detail: json!({}),
            })
            .await
            .expect("append");
    }
    let only = |actor: Option<&str>, action: Option<&str>, target: Option<&str>| AuditFilter {
        actor: actor.map(str::to_owned),
        action_prefix: action.map(str::to_owned),
        target: target.map(str::to_owned),
    };
    let actions = |entries: Vec<isched_store::audit::AuditEntry>| {
        entries.into_iter().map(|e| e.action).collect::<Vec<_>>()
    };
    let kept = store
        .list_audit_filtered(10, None, &only(None, Some("auth.mfa_"), None))
        .await
        .expect("by action");
    assert_eq!(actions(kept), ["auth.mfa_enrolled"]);
    let kept = store
        .list_audit_filtered(10, None, &only(Some("system"), Some("test."), Some("t")))
        .await
        .expect("by all three");
    assert_eq!(kept.len(), 3);
    let kept = store
        .list_audit_filtered(10, None, &only(None, None, Some("u2")))
        .await
        .expect("by target");
    assert_eq!(actions(kept), ["auth.mfaXenrolled"]);
    // The database itself refuses to rewrite history.
    let url = _db.url().to_owned();
    let refused = match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&url)
                .await
                .expect("raw connection");
            sqlx::query("DELETE FROM audit_log")
                .execute(&pool)
                .await
                .is_err()
                && sqlx::query("UPDATE audit_log SET action = 'x'")
                    .execute(&pool)
                    .await
                    .is_err()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&url).await.expect("raw connection");
            let r = sqlx::query("DELETE FROM audit_log")
                .execute(&pool)
                .await
                .is_err()
                && sqlx::query("UPDATE audit_log SET action = 'x'")
                    .execute(&pool)
                    .await
                    .is_err();
            pool.close().await;
            r
        }
    };
    assert!(refused, "audit_log accepted an update or delete");
    assert_eq!(store.list_audit(10, None).await.expect("list").len(), 5);
}

async fn settings_overwrite(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    assert_eq!(store.setting("signup").await.expect("get"), None);
    store
        .put_setting("signup", &json!({ "enabled": false }), now())
        .await
        .expect("put");
    store
        .put_setting("signup", &json!({ "enabled": true }), now())
        .await
        .expect("overwrite");
    assert_eq!(
        store.setting("signup").await.expect("get"),
        Some(json!({ "enabled": true }))
    );
}

async fn migrations_run_once_and_reopen(backend: Backend) {
    let Some((db, store)) = open(backend).await else {
        return;
    };
    let e = email("kept@example.com");
    store
        .create_user(NewUser {
            email: &e,
            password_hash: None,
            password_expires_at: None,
            email_verified: true,
            status: UserStatus::Active,
            roles: &[],
            now: now(),
        })
        .await
        .expect("create");
    store.close().await;
    // Reopening re-checks migrations without re-applying them and keeps the data.
    let again = Store::connect(db.url()).await.expect("reopen");
    assert!(again.user_by_email(&e).await.expect("query").is_some());
    again.close().await;
}

/// One replica claims a stop's reminder; a second claim fails; a released claim (the send
/// failed) can be taken again. `setting_or_insert` keeps the first value.
async fn reminders_are_claimed_once_and_released_on_failure(backend: Backend) {
    let Some((_db, store)) = open(backend).await else {
        return;
    };
    let stop = now() + jiff::SignedDuration::from_mins(15);
    let r = "sandbox:sandbox:sandbox-1:sbx-1";
    assert!(store.claim_reminder(r, stop, now()).await.expect("claim"));
    assert!(!store.claim_reminder(r, stop, now()).await.expect("again"));
    let later = stop + jiff::SignedDuration::from_hours(24);
    assert!(
        store
            .claim_reminder(r, later, now())
            .await
            .expect("another stop")
    );
    store.release_reminder(r, stop).await.expect("release");
    assert!(store.claim_reminder(r, stop, now()).await.expect("retake"));

    let first = store
        .setting_or_insert("k", &json!("first"), now())
        .await
        .expect("insert");
    let second = store
        .setting_or_insert("k", &json!("second"), now())
        .await
        .expect("keep");
    assert_eq!((first, second), (json!("first"), json!("first")));
}
