//! The OpenAPI document is generated from the code; this snapshot makes every change to the
//! API contract show in review (`cargo insta review` after an intended change), and checks
//! what every operation must describe.

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(isched_server::openapi()).expect("the document serialises")
}

#[test]
fn openapi_document_is_unchanged() {
    insta::assert_json_snapshot!("openapi", document());
}

#[test]
fn every_operation_describes_errors_and_who_may_call_it() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 25, "only {} paths", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let what = format!("{method} {path}");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success answer"
            );
            for status in ["408", "500"] {
                assert!(responses.contains_key(status), "{what}: no {status}");
            }
            let signed_in = !path.starts_with("/api/v1/auth/");
            assert_eq!(
                op.get("security").is_some(),
                signed_in,
                "{what}: the Bearer requirement is wrong"
            );
            if signed_in {
                assert!(responses.contains_key("401"), "{what}: no 401");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("400"), "{what}: no 400");
            }
            let id = op["operationId"].as_str().expect("operationId");
            assert!(!id.is_empty(), "{what}: no operationId");
        }
    }
    for list in [
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/resources",
        "/api/v1/periods",
        "/api/v1/schedules",
        "/api/v1/calendars",
        "/api/v1/users/me/tokens",
    ] {
        let params = doc["paths"][list]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}: no parameters"));
        for name in ["limit", "cursor"] {
            assert!(
                params.iter().any(|p| p["name"] == name),
                "{list}: not paged (no {name})"
            );
        }
    }
}

#[test]
fn operation_ids_are_unique() {
    let doc = document();
    let mut seen = std::collections::BTreeSet::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("item").values() {
            let id = op["operationId"].as_str().expect("operationId").to_owned();
            assert!(seen.insert(id.clone()), "operationId {id} twice");
        }
    }
}
