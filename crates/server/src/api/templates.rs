//! `/api/v1/templates`: what users may create instances from. Admins create, change, retire
//! and delete them; every signed-in user reads the ones in service.

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use crate::views::templates::TemplateView;
use crate::views::{Page, PageQuery, cursor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use isched_engine::Actor;
use isched_engine::templates::TemplateInput;
use isched_store::templates::StoredTemplate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
        .routes(routes!(retire_template))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TemplateFilter {
    /// Include retired templates (admins).
    retired: Option<bool>,
}

fn view(state: &AppState, t: StoredTemplate, admin: bool) -> TemplateView {
    let prices = state.engine().template_prices(&t.spec);
    TemplateView::new(t, prices, admin)
}

/// Templates in service, by name; admins may ask for retired ones too.
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    params(PageQuery, TemplateFilter),
    responses((status = 200, body = Page<TemplateView>)))]
pub(crate) async fn list_templates(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(filter): ApiQuery<TemplateFilter>,
) -> Result<Json<Page<TemplateView>>, ApiError> {
    let admin = user.user().is_admin();
    let retired = filter.retired == Some(true);
    if retired && !admin {
        return Err(ApiError::forbidden(
            "forbidden",
            "retired templates are listed for admins only",
        ));
    }
    let (items, more) = state
        .engine()
        .templates(retired, page.after()?.as_deref(), page.limit()?)
        .await?;
    let next_cursor = more
        .then(|| items.last().map(|t| cursor(&t.name)))
        .flatten();
    Ok(Json(Page {
        items: items.into_iter().map(|t| view(&state, t, admin)).collect(),
        next_cursor,
    }))
}

/// Creates a template (admins). Fields left out take defaults: the provider isched runs,
/// its only region, the first instance type, 168 hours, `stop`.
#[utoipa::path(post, path = "/api/v1/templates", tag = "templates",
    request_body = TemplateInput,
    responses(
        (status = 201, body = TemplateView),
        (status = 409, description = "A template has that name", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not say which regions exist", body = ErrorEnvelope),
    ))]
pub(crate) async fn create_template(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<TemplateView>), ApiError> {
    let t = state
        .engine()
        .create_template(&Actor::user(admin.user()), input)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, t, true))))
}

#[utoipa::path(get, path = "/api/v1/templates/{name}", tag = "templates",
    params(("name" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<Json<TemplateView>, ApiError> {
    let t = state.engine().template(&name).await?;
    Ok(Json(view(&state, t, user.user().is_admin())))
}

/// Changes the fields the body names; `null` clears an optional one (admins). Instances
/// made from the template keep what they were made with.
#[utoipa::path(patch, path = "/api/v1/templates/{name}", tag = "templates",
    params(("name" = String, Path)),
    request_body = TemplateInput,
    responses(
        (status = 200, body = TemplateView),
        (status = 404, body = ErrorEnvelope),
        (status = 502, description = "The cloud did not say which regions exist", body = ErrorEnvelope),
    ))]
pub(crate) async fn update_template(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<TemplateView>, ApiError> {
    let t = state
        .engine()
        .update_template(&Actor::user(admin.user()), &name, input)
        .await?;
    Ok(Json(view(&state, t, true)))
}

/// Deletes a template that no instance uses (admins); retire one that is in use.
#[utoipa::path(delete, path = "/api/v1/templates/{name}", tag = "templates",
    params(("name" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Instances use it: retire it instead", body = ErrorEnvelope),
    ))]
pub(crate) async fn delete_template(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .engine()
        .delete_template(&Actor::user(admin.user()), &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a template out of service: no new instances from it (admins).
#[utoipa::path(post, path = "/api/v1/templates/{name}/retire", tag = "templates",
    params(("name" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn retire_template(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(name): Path<String>,
) -> Result<Json<TemplateView>, ApiError> {
    let t = state
        .engine()
        .retire_template(&Actor::user(admin.user()), &name)
        .await?;
    Ok(Json(view(&state, t, true)))
}
