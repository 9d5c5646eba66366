//! Instance templates over HTTP, on both backends: admins create, change, retire and delete
//! them; users read the ones in service; every bad field is named.

use isched_testkit::{Backend, backend_tests, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

backend_tests!(
    templates_are_created_with_defaults_and_read_by_users,
    bad_templates_name_their_field,
    templates_are_patched_retired_and_deleted,
);

fn dev_box() -> Value {
    json!({
        "name": "dev-box",
        "description": "Ubuntu for development",
        "image": "sbx-ubuntu-24.04",
        "instance_types": ["t3.micro", "t3.large"],
        "schedule": "office",
        "user_data": "#cloud-config\nusers:\n  - name: {{ name }}\n    gecos: {{owner}}\n",
    })
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json")
}

async fn templates_are_created_with_defaults_and_read_by_users(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let res = app
        .post("/api/v1/templates", Some(&admin), &dev_box())
        .await;
    assert_eq!(res.status(), 201);
    let t = json_of(res).await;
    assert_eq!(t["provider"], "sandbox");
    assert_eq!(t["region"], "sandbox-1", "the provider's only region");
    assert_eq!(t["default_instance_type"], "t3.micro", "the first type");
    assert_eq!(t["max_lifetime_hours"], 168);
    assert_eq!(t["on_expiry"], "stop");
    assert_eq!(t["retired_at"], Value::Null);
    assert_eq!(
        t["prices"],
        json!({ "t3.large": 0.0832, "t3.micro": 0.0104 }),
        "the sandbox's list prices"
    );
    assert!(
        t["user_data"]
            .as_str()
            .expect("admins see it")
            .contains("{{ name }}")
    );

    let again = app
        .post("/api/v1/templates", Some(&admin), &dev_box())
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(json_of(again).await["error"]["code"], "conflict");

    let user = app
        .user_token(&admin, "user@isched.test", "user-password-1")
        .await;
    assert_eq!(
        app.post("/api/v1/templates", Some(&user), &dev_box())
            .await
            .status(),
        403,
        "users read templates, admins write them"
    );
    let listed = json_of(
        app.call(Method::GET, "/api/v1/templates", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    assert_eq!(listed["items"][0]["name"], "dev-box");
    assert!(
        listed["items"][0].get("user_data").is_none(),
        "user data is for admins: {listed}"
    );
    assert_eq!(listed["next_cursor"], Value::Null);

    let audit = json_of(
        app.call(Method::GET, "/api/v1/audit?limit=1000", Some(&admin), None)
            .await,
    )
    .await;
    assert!(
        audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == "template.created" && e["target"] == "template:dev-box"),
        "{audit}"
    );
    app.stop().await;
}

async fn bad_templates_name_their_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let cases = [
        ("name", json!({ "name": "Dev Box" }), "lower-case letters"),
        (
            "schedule",
            json!({ "schedule": "nights" }),
            "no schedule has this name",
        ),
        (
            "default_instance_type",
            json!({ "default_instance_type": "m5.large" }),
            "must be one of instance_types",
        ),
        (
            "instance_types",
            json!({ "instance_types": [] }),
            "at least one",
        ),
        (
            "instance_types",
            json!({ "instance_types": ["t3.micro", "t3.micro"] }),
            "listed twice",
        ),
        (
            "user_data",
            json!({ "user_data": "#!/bin/sh\n\necho {{ownr}}\n" }),
            "line 3: unknown variable {{ownr}}",
        ),
        (
            "user_data",
            json!({ "user_data": "echo {{name\n" }),
            "line 1: {{ is not closed",
        ),
        (
            "tags",
            json!({ "tags": { "Schedule": "x" } }),
            "is the schedule tag",
        ),
        (
            "tags",
            json!({ "tags": { "isched:owner": "x" } }),
            "reserved",
        ),
        (
            "region",
            json!({ "region": "mars-1" }),
            "not a region isched manages",
        ),
        (
            "provider",
            json!({ "provider": "aws" }),
            "runs the \"sandbox\" provider",
        ),
        (
            "max_lifetime_hours",
            json!({ "max_lifetime_hours": 0 }),
            "between 1 and 8760",
        ),
        (
            "hourly_price",
            json!({ "hourly_price": { "m5.large": 1.0 } }),
            "does not list",
        ),
        ("hourly_price", json!({ "hourly_price": -1 }), "not a price"),
        (
            "root_volume_gb",
            json!({ "root_volume_gb": 0 }),
            "between 1 and 16384",
        ),
    ];
    for (field, change, says) in cases {
        let mut body = dev_box();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let res = app.post("/api/v1/templates", Some(&admin), &body).await;
        assert_eq!(res.status(), 400, "{field}: {change}");
        let e = json_of(res).await;
        assert_eq!(e["error"]["code"], "invalid_request", "{e}");
        assert_eq!(e["error"]["field"], field, "{change}: {e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .expect("message")
                .contains(says),
            "{change}: {e}"
        );
    }
    let typo = app
        .post(
            "/api/v1/templates",
            Some(&admin),
            &json!({ "name": "x", "imge": "y" }),
        )
        .await;
    assert_eq!(typo.status(), 400);
    let e = json_of(typo).await;
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("imge"),
        "{e}"
    );
    let listed = json_of(
        app.call(Method::GET, "/api/v1/templates", Some(&admin), None)
            .await,
    )
    .await;
    assert_eq!(listed["items"], json!([]), "nothing half-created");
    app.stop().await;
}

async fn templates_are_patched_retired_and_deleted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let mut body = dev_box();
    body["subnet"] = json!("subnet-1");
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &body)
            .await
            .status(),
        201
    );
    let patch = json!({
        "instance_types": ["t3.large", "m5.large"],
        "hourly_price": { "m5.large": 0.5 },
        "subnet": null,
        "on_expiry": "terminate",
    });
    let res = app
        .call(
            Method::PATCH,
            "/api/v1/templates/dev-box",
            Some(&admin),
            Some(&patch),
        )
        .await;
    assert_eq!(res.status(), 200);
    let t = json_of(res).await;
    assert_eq!(
        t["default_instance_type"], "t3.large",
        "the default follows when its type is no longer allowed"
    );
    assert_eq!(t["prices"], json!({ "m5.large": 0.5, "t3.large": 0.0832 }));
    assert_eq!(t["subnet"], Value::Null, "null clears");
    assert_eq!(t["on_expiry"], "terminate");
    assert_eq!(t["description"], "Ubuntu for development", "left alone");

    let rename = app
        .call(
            Method::PATCH,
            "/api/v1/templates/dev-box",
            Some(&admin),
            Some(&json!({ "name": "other" })),
        )
        .await;
    assert_eq!(rename.status(), 400);
    assert_eq!(json_of(rename).await["error"]["field"], "name");
    let missing = app
        .call(
            Method::PATCH,
            "/api/v1/templates/nope",
            Some(&admin),
            Some(&json!({ "description": "x" })),
        )
        .await;
    assert_eq!(missing.status(), 404);

    let retired = app
        .post("/api/v1/templates/dev-box/retire", Some(&admin), &json!({}))
        .await;
    assert_eq!(retired.status(), 200);
    assert!(json_of(retired).await["retired_at"].is_string());
    let user = app
        .user_token(&admin, "user@isched.test", "user-password-1")
        .await;
    let listed = json_of(
        app.call(Method::GET, "/api/v1/templates", Some(&user), None)
            .await,
    )
    .await;
    assert_eq!(
        listed["items"],
        json!([]),
        "retired templates are not offered"
    );
    assert_eq!(
        app.call(
            Method::GET,
            "/api/v1/templates?retired=true",
            Some(&user),
            None
        )
        .await
        .status(),
        403
    );
    let all = json_of(
        app.call(
            Method::GET,
            "/api/v1/templates?retired=true",
            Some(&admin),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(all["items"][0]["name"], "dev-box");

    let deleted = app
        .call(
            Method::DELETE,
            "/api/v1/templates/dev-box",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/api/v1/templates/dev-box", Some(&admin), None)
            .await
            .status(),
        404
    );
    app.stop().await;
}
