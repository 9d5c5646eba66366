//! `/api/v1/resources`: scheduled cloud resources with what the scheduler would do now, and
//! each one's history.

use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

pub(crate) async fn list(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let planned = isched_engine::plan::plan(
        state.provider().as_ref(),
        state.store(),
        state.schedule_tag(),
        state.now(),
    )
    .await
    .map_err(|e| match e {
        isched_engine::plan::EngineError::Definitions(d) => ApiError::from(d),
        other => ApiError::internal(other),
    })?;
    Ok(Json(
        json!({ "resources": planned.iter().map(|p| p.to_json()).collect::<Vec<_>>() }),
    ))
}

/// `id` is the cloud id (`i-0abc...`) or the full `provider:account:region:id` key.
pub(crate) async fn history(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = if id.matches(':').count() >= 3 {
        id.clone()
    } else {
        let states = state.store().resource_states().await?;
        let found: Vec<&String> = states
            .keys()
            .filter(|k| k.rsplit(':').next() == Some(id.as_str()))
            .collect();
        match found.as_slice() {
            [one] => (*one).clone(),
            [] => {
                return Err(ApiError::not_found(format!(
                    "the scheduler has no record of {id:?}"
                )));
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{id:?} is ambiguous; use provider:account:region:id"
                )));
            }
        }
    };
    let entries = state.store().history(&key).await?;
    Ok(Json(json!({ "resource": key, "history": entries })))
}
