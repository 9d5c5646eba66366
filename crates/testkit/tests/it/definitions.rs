//! Stored periods, schedules and calendars over HTTP, on both backends.

use isched_testkit::{Backend, backend_tests, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

backend_tests!(definitions_are_validated_as_a_whole_and_kept_consistent);

async fn definitions_are_validated_as_a_whole_and_kept_consistent(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let created: Value = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({ "email": "user@isched.test" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let temporary = created["temporary_password"].as_str().expect("shown");
    let challenge: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "user@isched.test", "password": temporary }),
        )
        .await
        .json()
        .await
        .expect("json");
    let tokens: Value = app.post("/api/v1/auth/challenge", None, &json!({ "challenge": "NEW_PASSWORD_REQUIRED", "session": challenge["session"], "new_password": "user-password" })).await.json().await.expect("json");
    let user = tokens["access_token"].as_str().expect("access");

    let office = json!({ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
    let res = app.post("/api/v1/periods", Some(&admin), &office).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.post("/api/v1/periods", Some(&admin), &office)
            .await
            .status(),
        409
    );
    assert_eq!(
        app.post("/api/v1/periods", Some(user), &office)
            .await
            .status(),
        403,
        "users read, admins write"
    );

    let bad = app
        .post(
            "/api/v1/periods",
            Some(&admin),
            &json!({ "name": "bad", "begintime": "09:00", "weekdays": "mon-fri/x" }),
        )
        .await;
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.expect("json");
    assert_eq!(bad["error"]["code"], "invalid_request");
    assert_eq!(bad["error"]["field"], "weekdays");
    assert!(
        bad["error"]["message"]
            .as_str()
            .expect("message")
            .contains("weekdays: \"mon-fri/x\": step must be a number"),
        "{bad}"
    );
    let typo = app
        .post(
            "/api/v1/periods",
            Some(&admin),
            &json!({ "name": "typo", "begintme": "09:00" }),
        )
        .await;
    assert!(
        typo.json::<Value>().await.expect("json")["error"]["message"]
            .as_str()
            .expect("m")
            .contains("begintme")
    );

    let missing = app.post("/api/v1/schedules", Some(&admin), &json!({ "name": "office-hours", "timezone": "America/New_York", "periods": ["office", "lunch"] })).await;
    assert_eq!(missing.status(), 400);
    assert!(
        missing.json::<Value>().await.expect("json")["error"]["message"]
            .as_str()
            .expect("m")
            .contains("\"lunch\"")
    );
    let res = app.post("/api/v1/schedules", Some(&admin), &json!({ "name": "office-hours", "timezone": "America/New_York", "periods": ["office"], "calendars": ["holidays"] })).await;
    assert_eq!(res.status(), 400, "the calendar does not exist yet");
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261225\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(
        app.post(
            "/api/v1/calendars",
            Some(&admin),
            &json!({ "name": "holidays", "dates": ["2026-01-01"], "ics": ics })
        )
        .await
        .status(),
        201
    );
    assert_eq!(app.post("/api/v1/schedules", Some(&admin), &json!({ "name": "office-hours", "timezone": "America/New_York", "periods": ["office"], "calendars": ["holidays"] })).await.status(), 201);

    let list: Value = app
        .call(Method::GET, "/api/v1/schedules", Some(user), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["name"], "office-hours");
    let one: Value = app
        .call(Method::GET, "/api/v1/periods/office", Some(user), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["begintime"], "09:00");
    assert_eq!(
        app.call(Method::GET, "/api/v1/periods/nope", Some(user), None)
            .await
            .status(),
        404
    );

    // Update in place; renaming is refused; so is an update that breaks a schedule.
    let res = app
        .call(
            Method::PUT,
            "/api/v1/periods/office",
            Some(&admin),
            Some(&json!({ "begintime": "08:30", "endtime": "17:00", "weekdays": "mon-fri" })),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json")["begintime"],
        "08:30"
    );
    let rename = app
        .call(
            Method::PUT,
            "/api/v1/periods/office",
            Some(&admin),
            Some(&json!({ "name": "work", "begintime": "08:30" })),
        )
        .await;
    assert_eq!(rename.status(), 400);
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/periods/nope",
            Some(&admin),
            Some(&json!({ "begintime": "08:30" }))
        )
        .await
        .status(),
        404
    );

    // What is in use cannot be deleted.
    let res = app
        .call(Method::DELETE, "/api/v1/periods/office", Some(&admin), None)
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.json::<Value>().await.expect("json")["error"]["message"]
            .as_str()
            .expect("m")
            .contains("office-hours")
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/calendars/holidays",
            Some(&admin),
            None
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/schedules/office-hours",
            Some(&admin),
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/periods/office", Some(&admin), None)
            .await
            .status(),
        204
    );
    let audit = app.store.list_audit(100, None).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "definition.deleted"
                && e.target.as_deref() == Some("period:office"))
    );
    app.stop().await;
}

backend_tests!(resources_show_decisions_and_history);

async fn resources_show_decisions_and_history(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        app.store.clone(),
        isched_cloud::sandbox::SandboxOptions::default(),
    );
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "always-on".to_owned())]);
    let ids = sandbox
        .seed("sandbox-1", 2, "t3.micro", &tags)
        .await
        .expect("seed");
    sandbox
        .seed(
            "sandbox-1",
            1,
            "t3.micro",
            &std::collections::BTreeMap::from([("Schedule".to_owned(), "missing".to_owned())]),
        )
        .await
        .expect("seed");
    app.post(
        "/api/v1/periods",
        Some(&admin),
        &json!({ "name": "all-day", "begintime": "00:00", "endtime": "23:59" }),
    )
    .await;
    assert_eq!(
        app.post(
            "/api/v1/schedules",
            Some(&admin),
            &json!({ "name": "always-on", "timezone": "UTC", "periods": ["all-day"] })
        )
        .await
        .status(),
        201
    );

    // Nothing was seen yet: the inventory is empty until a pass or a refresh.
    let list: Value = app
        .call(Method::GET, "/api/v1/resources", Some(&admin), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list, json!({ "items": [], "next_cursor": null }));
    let list: Value = app
        .call(
            Method::GET,
            "/api/v1/resources?refresh=true",
            Some(&admin),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let resources = list["items"].as_array().expect("items");
    assert_eq!(resources.len(), 3);
    let unknown = resources
        .iter()
        .find(|r| r["schedule"] == "missing")
        .expect("unschedulable listed");
    assert_eq!(unknown["unschedulable"], "no schedule named \"missing\"");
    assert_eq!(unknown["schedule_source"], "tag");
    assert!(
        resources
            .iter()
            .filter(|r| r["schedule"] == "always-on")
            .all(|r| r["desired"] == "running"),
        "{resources:?}"
    );

    // After a pass, each resource has a history.
    let done = isched_engine::reconcile::reconcile(
        &sandbox,
        &app.store,
        "Schedule",
        app.clock.now(),
        &Default::default(),
    )
    .await
    .expect("reconcile");
    assert_eq!(done.len(), 3);
    let history: Value = app
        .call(
            Method::GET,
            &format!("/api/v1/resources/{}/history", ids[0]),
            Some(&admin),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        history["history"][0]["reason"], "running as scheduled",
        "{history}"
    );
    assert_eq!(
        app.call(
            Method::GET,
            "/api/v1/resources/i-nothing/history",
            Some(&admin),
            None
        )
        .await
        .status(),
        404
    );
    assert_eq!(app.get("/api/v1/resources").await.status(), 401);
    let path = format!("/api/v1/resources/{}/override", ids[1]);
    let until = (app.clock.now() + jiff::SignedDuration::from_hours(1)).to_string();
    let set = app
        .call(
            Method::PUT,
            &path,
            Some(&admin),
            Some(&json!({ "state": "stopped", "until": until })),
        )
        .await;
    assert_eq!(set.status(), 200);
    assert_eq!(
        set.json::<Value>().await.expect("json")["override"]["state"],
        "stopped"
    );
    let done = isched_engine::reconcile::reconcile(
        &sandbox,
        &app.store,
        "Schedule",
        app.clock.now(),
        &Default::default(),
    )
    .await
    .expect("reconcile");
    let held = done
        .iter()
        .find(|d| d.planned.resource.id == ids[1])
        .expect("listed");
    assert_eq!(
        held.planned.decision.action.as_str(),
        "stop",
        "the override beats the schedule"
    );
    assert_eq!(
        app.call(
            Method::PUT,
            &path,
            Some(&admin),
            Some(&json!({ "state": "paused", "until": until }))
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/v1/resources/i-nothing/override",
            Some(&admin),
            Some(&json!({ "skip_next_stop": true }))
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&admin), None)
            .await
            .status(),
        204
    );
    let refused = app
        .call(
            Method::DELETE,
            "/api/v1/schedules/always-on",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(refused.status(), 409);
    let message = refused.json::<Value>().await.expect("json")["error"]["message"]
        .as_str()
        .expect("m")
        .to_owned();
    assert!(
        message.contains("used by 2 resources") && message.contains(&ids[0]),
        "{message}"
    );
    app.stop().await;
}
