//! `/api/v1/periods`, `/api/v1/schedules`, `/api/v1/calendars`: signed-in users read,
//! admins write (through the engine, which validates, audits and tells the schedulers).
//! Bodies use AWS Instance Scheduler's field names plus isched's extensions.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    periods::routes()
        .merge(schedules::routes())
        .merge(calendars::routes())
}

/// The five routes of one kind of definition, each its own function so that the OpenAPI
/// document names the kind's own body type.
macro_rules! definition_routes {
    ($module:ident, $kind:expr, $spec:ty, $base:literal, $item:literal, $tag:literal) => {
        pub(crate) mod $module {
            use crate::body::{ApiJson, ApiQuery};
            use crate::error::{ApiError, ErrorEnvelope};
            use crate::extract::{AdminUser, CurrentUser};
            use crate::state::AppState;
            use crate::views::{Page, PageQuery};
            use axum::Json;
            use axum::extract::{Path, State};
            use axum::http::StatusCode;
            use isched_engine::Actor;
            use isched_engine::definitions::Kind;
            use serde_json::Value;
            use utoipa_axum::router::OpenApiRouter;
            use utoipa_axum::routes;

            const KIND: Kind = $kind;

            pub(crate) fn routes() -> OpenApiRouter<AppState> {
                OpenApiRouter::new()
                    .routes(routes!(list, create))
                    .routes(routes!(show, update, delete))
            }

            fn typed(v: Value) -> Result<$spec, ApiError> {
                serde_json::from_value(v).map_err(ApiError::internal)
            }

            /// All of this kind, by name.
            #[utoipa::path(get, path = $base, tag = $tag, operation_id = concat!("list_", $tag),
                params(PageQuery), responses((status = 200, body = Page<$spec>)))]
            pub(crate) async fn list(
                State(state): State<AppState>,
                _user: CurrentUser,
                ApiQuery(page): ApiQuery<PageQuery>,
            ) -> Result<Json<Page<$spec>>, ApiError> {
                let all = state.engine().definitions().list(KIND).await?;
                let all = all.into_iter().map(typed).collect::<Result<Vec<_>, _>>()?;
                Ok(Json(page.page_of(all, |d| d.name.clone())?))
            }

            /// Creates one (admins).
            #[utoipa::path(post, path = $base, tag = $tag, operation_id = concat!("create_", $tag),
                request_body = $spec,
                responses(
                    (status = 201, body = $spec),
                    (status = 409, description = "One with that name exists", body = ErrorEnvelope),
                ))]
            pub(crate) async fn create(
                State(state): State<AppState>,
                admin: AdminUser,
                ApiJson(body): ApiJson<Value>,
            ) -> Result<(StatusCode, Json<$spec>), ApiError> {
                let created = state
                    .engine()
                    .put_definition(&Actor::user(admin.user()), KIND, None, body)
                    .await?;
                Ok((StatusCode::CREATED, Json(typed(created)?)))
            }

            /// One, by name.
            #[utoipa::path(get, path = $item, tag = $tag, operation_id = concat!("get_", $tag),
                params(("name" = String, Path)),
                responses((status = 200, body = $spec), (status = 404, body = ErrorEnvelope)))]
            pub(crate) async fn show(
                State(state): State<AppState>,
                _user: CurrentUser,
                Path(name): Path<String>,
            ) -> Result<Json<$spec>, ApiError> {
                Ok(Json(typed(
                    state.engine().definitions().get(KIND, &name).await?,
                )?))
            }

            /// Replaces one (admins); `name` may be left out, and cannot change.
            #[utoipa::path(put, path = $item, tag = $tag, operation_id = concat!("update_", $tag),
                params(("name" = String, Path)), request_body = $spec,
                responses((status = 200, body = $spec), (status = 404, body = ErrorEnvelope)))]
            pub(crate) async fn update(
                State(state): State<AppState>,
                admin: AdminUser,
                Path(name): Path<String>,
                ApiJson(body): ApiJson<Value>,
            ) -> Result<Json<$spec>, ApiError> {
                let updated = state
                    .engine()
                    .put_definition(&Actor::user(admin.user()), KIND, Some(&name), body)
                    .await?;
                Ok(Json(typed(updated)?))
            }

            /// Deletes one (admins); refused while another definition refers to it.
            #[utoipa::path(delete, path = $item, tag = $tag, operation_id = concat!("delete_", $tag),
                params(("name" = String, Path)),
                responses(
                    (status = 204, description = "Deleted"),
                    (status = 404, body = ErrorEnvelope),
                    (status = 409, description = "Still in use", body = ErrorEnvelope),
                ))]
            pub(crate) async fn delete(
                State(state): State<AppState>,
                admin: AdminUser,
                Path(name): Path<String>,
            ) -> Result<StatusCode, ApiError> {
                state
                    .engine()
                    .delete_definition(&Actor::user(admin.user()), KIND, &name)
                    .await?;
                Ok(StatusCode::NO_CONTENT)
            }
        }
    };
}

definition_routes!(
    periods,
    Kind::Period,
    isched_schedule::spec::PeriodSpec,
    "/api/v1/periods",
    "/api/v1/periods/{name}",
    "periods"
);
definition_routes!(
    schedules,
    Kind::Schedule,
    isched_schedule::spec::ScheduleSpec,
    "/api/v1/schedules",
    "/api/v1/schedules/{name}",
    "schedules"
);
definition_routes!(
    calendars,
    Kind::Calendar,
    isched_schedule::spec::CalendarSpec,
    "/api/v1/calendars",
    "/api/v1/calendars/{name}",
    "calendars"
);
