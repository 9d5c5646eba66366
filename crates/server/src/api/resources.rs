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
    use isched_engine::plan::{RememberedKey, remembered_key};
    let key = match remembered_key(state.store(), &id).await? {
        RememberedKey::Found(k) => k,
        RememberedKey::Unknown => {
            return Err(ApiError::not_found(format!(
                "the scheduler has no record of {id:?}"
            )));
        }
        RememberedKey::Ambiguous => {
            return Err(ApiError::bad_request(format!(
                "{id:?} is ambiguous; use provider:account:region:id"
            )));
        }
    };
    let entries = state.store().history(&key).await?;
    let running = state.store().running_intervals(&key).await?;
    Ok(Json(
        json!({ "resource": key, "history": entries, "running_intervals": running }),
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideBody {
    state: Option<String>,
    until: Option<String>,
    #[serde(default)]
    skip_next_stop: bool,
}

fn engine_error(e: isched_engine::plan::EngineError) -> ApiError {
    match e {
        isched_engine::plan::EngineError::Definitions(d) => ApiError::from(d),
        isched_engine::plan::EngineError::Store(s) => ApiError::from(s),
        other => ApiError::internal(other),
    }
}

/// `PUT /api/v1/resources/{id}/override`: `{"state":"running"|"stopped","until":T}` or
/// `{"skip_next_stop":true}`.
pub(crate) async fn set_override(
    State(state): State<AppState>,
    admin: crate::extract::AdminUser,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<OverrideBody>,
) -> Result<Json<Value>, ApiError> {
    use isched_engine::overrides::OverrideRequest;
    let request = if body.skip_next_stop {
        if body.state.is_some() || body.until.is_some() {
            return Err(ApiError::bad_request(
                "give skip_next_stop, or state and until, not both",
            ));
        }
        OverrideRequest::SkipNextStop
    } else {
        let until: jiff::Timestamp = body
            .until
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("until: required (RFC 3339)"))?
            .parse()
            .map_err(|_| ApiError::bad_request("until: not an RFC 3339 instant"))?;
        match body.state.as_deref() {
            Some("running") => OverrideRequest::RunningUntil(until),
            Some("stopped") => OverrideRequest::StoppedUntil(until),
            other => {
                return Err(ApiError::bad_request(format!(
                    "state: {other:?} is not \"running\" or \"stopped\""
                )));
            }
        }
    };
    let done = isched_engine::overrides::apply(
        state.provider().as_ref(),
        state.store(),
        state.schedule_tag(),
        &id,
        Some(&request),
        admin.user().email.as_str(),
        state.now(),
    )
    .await
    .map_err(engine_error)?;
    let Some((key, o)) = done else {
        return Err(ApiError::not_found(format!("no scheduled resource {id:?}")));
    };
    state.scheduler().wake();
    Ok(Json(json!({ "resource": key, "override": o })))
}

pub(crate) async fn clear_override(
    State(state): State<AppState>,
    admin: crate::extract::AdminUser,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    let done = isched_engine::overrides::apply(
        state.provider().as_ref(),
        state.store(),
        state.schedule_tag(),
        &id,
        None,
        admin.user().email.as_str(),
        state.now(),
    )
    .await
    .map_err(engine_error)?;
    if done.is_none() {
        return Err(ApiError::not_found(format!("no scheduled resource {id:?}")));
    }
    state.scheduler().wake();
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignBody {
    schedule: String,
}

/// `PUT /api/v1/resources/{id}/schedule` `{"schedule":NAME}`: the resource follows that
/// schedule whatever its tag says (or without a tag).
pub(crate) async fn assign_schedule(
    State(state): State<AppState>,
    admin: crate::extract::AdminUser,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<AssignBody>,
) -> Result<Json<Value>, ApiError> {
    let name = body.schedule.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("schedule: required"));
    }
    let key = isched_engine::assign::assign(
        state.provider().as_ref(),
        state.store(),
        &id,
        Some(name),
        admin.user().email.as_str(),
        state.now(),
    )
    .await
    .map_err(engine_error)?;
    state.scheduler().wake();
    Ok(Json(json!({ "resource": key, "schedule": name })))
}

/// `DELETE /api/v1/resources/{id}/schedule`: back to the tag.
pub(crate) async fn unassign_schedule(
    State(state): State<AppState>,
    admin: crate::extract::AdminUser,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    isched_engine::assign::assign(
        state.provider().as_ref(),
        state.store(),
        &id,
        None,
        admin.user().email.as_str(),
        state.now(),
    )
    .await
    .map_err(engine_error)?;
    state.scheduler().wake();
    Ok(axum::http::StatusCode::NO_CONTENT)
}
