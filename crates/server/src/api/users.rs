//! `/api/v1/users`.

use crate::extract::CurrentUser;
use axum::Json;
use serde_json::{Value, json};

/// The signed-in user.
pub(crate) async fn me(CurrentUser(user): CurrentUser) -> Json<Value> {
    Json(
        json!({ "id": user.id, "email": user.email.as_str(), "status": user.status.as_str(), "roles": user.roles }),
    )
}
