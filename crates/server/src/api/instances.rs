//! `/api/v1/instances` and `/api/v1/jobs`: users create instances from templates and act on
//! their own; admins see and act on all of them.

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use crate::views::instances::{CreatedInstance, InstanceView, JobView};
use crate::views::{Page, PageQuery, cursor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use isched_engine::instances::CreateInstance;
use isched_store::instances::{Instance, InstanceQuery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instances, create_instance))
        .routes(routes!(get_instance))
        .routes(routes!(start_instance))
        .routes(routes!(stop_instance))
        .routes(routes!(force_stop_instance))
        .routes(routes!(extend_instance))
        .routes(routes!(terminate_instance))
        .routes(routes!(get_job))
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) => Ok(Some(k.to_owned())),
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )),
    }
}

/// Creates an instance from a template. The answer comes at once (202) with the job that
/// makes it: poll `GET /api/v1/jobs/{id}`; its first read by you after it succeeded carries
/// the login, once. Repeating the request with the same `Idempotency-Key` returns the first
/// answer instead of making a second instance.
#[utoipa::path(post, path = "/api/v1/instances", tag = "instances",
    request_body = CreateInstance,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated request return the first one's answer")),
    responses(
        (status = 202, body = CreatedInstance),
        (status = 409, description = "You have an instance of that name", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not answer", body = ErrorEnvelope),
    ))]
pub(crate) async fn create_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateInstance>,
) -> Result<(StatusCode, Json<CreatedInstance>), ApiError> {
    let key = idempotency_key(&headers)?;
    let (instance, job) = state
        .engine()
        .create_instance(user.user(), request, key.as_deref())
        .await?;
    let job = JobView::new(job, Some(&instance), None);
    Ok((
        StatusCode::ACCEPTED,
        Json(CreatedInstance {
            job,
            instance: view(&state, instance).await?,
        }),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InstanceFilter {
    /// Only this user's (admins; users always see their own).
    owner: Option<String>,
    /// Terminated and failed instances too.
    all: Option<bool>,
}

/// Your instances (admins: everyone's, or `?owner=`), by id.
#[utoipa::path(get, path = "/api/v1/instances", tag = "instances",
    params(PageQuery, InstanceFilter),
    responses((status = 200, body = Page<InstanceView>)))]
pub(crate) async fn list_instances(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(filter): ApiQuery<InstanceFilter>,
) -> Result<Json<Page<InstanceView>>, ApiError> {
    let query = InstanceQuery {
        owner: filter.owner,
        include_gone: filter.all == Some(true),
        after: page.after()?,
        limit: page.limit()?,
    };
    let (items, more) = state.engine().instances(user.user(), query).await?;
    let next_cursor = more.then(|| items.last().map(|i| cursor(&i.id))).flatten();
    Ok(Json(Page {
        items: views(&state, items).await?,
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/instances/{id}", tag = "instances",
    params(("id" = String, Path)),
    responses((status = 200, body = InstanceView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state.engine().instance(user.user(), &id).await?;
    Ok(Json(view(&state, i).await?))
}

/// Starts the instance now; its schedule acts again at its next transition.
#[utoipa::path(post, path = "/api/v1/instances/{id}/start", tag = "instances",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InstanceView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Not running or stopped (still provisioning, or gone)", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not do it", body = ErrorEnvelope),
    ))]
pub(crate) async fn start_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state
        .engine()
        .power_instance(user.user(), &id, true, false)
        .await?;
    Ok(Json(view(&state, i).await?))
}

/// Stops the instance now; its schedule acts again at its next transition.
#[utoipa::path(post, path = "/api/v1/instances/{id}/stop", tag = "instances",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InstanceView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Not running or stopped (still provisioning, or gone)", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not do it", body = ErrorEnvelope),
    ))]
pub(crate) async fn stop_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state
        .engine()
        .power_instance(user.user(), &id, false, false)
        .await?;
    Ok(Json(view(&state, i).await?))
}

/// Stops anyone's instance (admins).
#[utoipa::path(post, path = "/api/v1/instances/{id}/force-stop", tag = "instances",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InstanceView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Not running or stopped (still provisioning, or gone)", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not do it", body = ErrorEnvelope),
    ))]
pub(crate) async fn force_stop_instance(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state
        .engine()
        .power_instance(admin.user(), &id, false, true)
        .await?;
    Ok(Json(view(&state, i).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtendBody {
    /// Hours to add to its lifetime (up to the template's maximum from now).
    hours: u32,
}

/// Lets the instance live longer.
#[utoipa::path(post, path = "/api/v1/instances/{id}/extend", tag = "instances",
    params(("id" = String, Path)),
    request_body = ExtendBody,
    responses(
        (status = 200, body = InstanceView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "The instance is gone", body = ErrorEnvelope),
    ))]
pub(crate) async fn extend_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExtendBody>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state
        .engine()
        .extend_instance(user.user(), &id, body.hours)
        .await?;
    Ok(Json(view(&state, i).await?))
}

/// Terminates the instance and deletes its login; this cannot be undone.
#[utoipa::path(post, path = "/api/v1/instances/{id}/terminate", tag = "instances",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InstanceView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Still provisioning, or gone already", body = ErrorEnvelope),
        (status = 502, description = "The cloud did not do it", body = ErrorEnvelope),
    ))]
pub(crate) async fn terminate_instance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<InstanceView>, ApiError> {
    let i = state.engine().terminate_instance(user.user(), &id).await?;
    Ok(Json(view(&state, i).await?))
}

/// A job and its steps. When it created an instance, its owner's first read after success
/// carries the login (`private_key` or `password`); later reads show its fingerprint.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "instances",
    params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let engine = state.engine();
    let (job, secret) = engine.job(user.user(), &id).await?;
    let instance = match &job.instance {
        Some(i) => engine.store().instance(i).await?,
        None => None,
    };
    Ok(Json(JobView::new(job, instance.as_ref(), secret)))
}

/// Instances as shown, with their outlook (next stop, cost so far).
pub(crate) async fn views(
    state: &AppState,
    instances: Vec<Instance>,
) -> Result<Vec<InstanceView>, ApiError> {
    let outlooks = state.engine().outlooks(&instances).await?;
    Ok(instances
        .into_iter()
        .zip(outlooks)
        .map(InstanceView::from)
        .collect())
}

pub(crate) async fn view(state: &AppState, instance: Instance) -> Result<InstanceView, ApiError> {
    let mut all = views(state, vec![instance]).await?;
    Ok(all.pop().expect("one view per instance"))
}
