//! `/api/v1/periods`, `/api/v1/schedules`, `/api/v1/calendars`: signed-in users read,
//! admins write. Bodies use AWS Instance Scheduler's field names plus isched's extensions.

use crate::error::ApiError;
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use isched_engine::definitions::{DefinitionError, Definitions, Kind};
use isched_store::audit::NewAuditEntry;
use serde_json::{Value, json};

impl From<DefinitionError> for ApiError {
    fn from(e: DefinitionError) -> ApiError {
        match e {
            DefinitionError::Invalid(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_definition", e.to_string())
            }
            DefinitionError::NotFound(..) => ApiError::not_found(e.to_string()),
            DefinitionError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            DefinitionError::Store(s) => s.into(),
        }
    }
}

fn service(state: &AppState) -> Definitions {
    Definitions::new(state.store().clone())
}

async fn audit(
    state: &AppState,
    admin: &AdminUser,
    action: &str,
    kind: Kind,
    name: &str,
) -> Result<(), ApiError> {
    let target = format!("{}:{name}", kind.as_str());
    state
        .store()
        .append_audit(NewAuditEntry {
            at: state.now(),
            actor: &admin.user().id,
            action,
            target: Some(&target),
            detail: json!({}),
        })
        .await?;
    // The next transition may have moved: let the scheduler pass again now.
    state.scheduler().wake();
    Ok(())
}

/// The five routes of one kind under `base` (e.g. `/api/v1/periods`).
pub(crate) fn routes(kind: Kind, base: &str) -> Router<AppState> {
    let plural = format!("{}s", kind.as_str());
    let list = move |State(state): State<AppState>, _user: CurrentUser| {
        let plural = plural.clone();
        async move { Ok::<_, ApiError>(Json(json!({ plural: service(&state).list(kind).await? }))) }
    };
    let create = move |State(state): State<AppState>, admin: AdminUser, Json(body): Json<Value>| async move {
        let created = service(&state).put(kind, None, body, state.now()).await?;
        audit(
            &state,
            &admin,
            "definition.created",
            kind,
            created["name"].as_str().unwrap_or_default(),
        )
        .await?;
        Ok::<_, ApiError>((StatusCode::CREATED, Json(created)))
    };
    let show = move |State(state): State<AppState>,
                     _user: CurrentUser,
                     Path(name): Path<String>| async move {
        Ok::<_, ApiError>(Json(service(&state).get(kind, &name).await?))
    };
    let update = move |State(state): State<AppState>,
                       admin: AdminUser,
                       Path(name): Path<String>,
                       Json(body): Json<Value>| async move {
        let updated = service(&state)
            .put(kind, Some(&name), body, state.now())
            .await?;
        audit(&state, &admin, "definition.updated", kind, &name).await?;
        Ok::<_, ApiError>(Json(updated))
    };
    let delete = move |State(state): State<AppState>,
                       admin: AdminUser,
                       Path(name): Path<String>| async move {
        service(&state).delete(kind, &name, state.now()).await?;
        audit(&state, &admin, "definition.deleted", kind, &name).await?;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT)
    };
    Router::new().route(base, get(list).post(create)).route(
        &format!("{base}/{{name}}"),
        get(show).put(update).delete(delete),
    )
}
