//! `/api/v1/audit`: the audit log for admins, newest first.

use crate::error::ApiError;
use crate::extract::AdminUser;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct Page {
    limit: Option<u32>,
    before: Option<i64>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(page): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state.auth().audit_log(limit, page.before).await?;
    let next = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(json!({ "entries": entries, "next_before": next })))
}
