//! `/api/v1/resources`: cloud resources from the stored inventory (what the scheduler last
//! saw; `?refresh=true` looks again first), each one's history, overrides and assignments.

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use crate::views::resources::{AssignmentView, HistoryView, ResourceOverrideView, ResourceView};
use crate::views::{Page, PageQuery, cursor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use isched_engine::Actor;
use isched_engine::overrides::OverrideRequest;
use isched_engine::plan::{RememberedKey, remembered_key};
use isched_store::inventory::InventoryQuery;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources))
        .routes(routes!(resource_history))
        .routes(routes!(set_override, clear_override))
        .routes(routes!(assign_schedule, unassign_schedule))
}

/// Filters of the resource list; each one left out matches everything.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResourceFilter {
    /// `sandbox` or `aws`.
    provider: Option<String>,
    region: Option<String>,
    /// As the cloud reports it: `running`, `stopped`, ...
    state: Option<String>,
    /// Resources that follow this schedule.
    schedule: Option<String>,
    /// `Key` (carries the tag) or `Key=Value`.
    tag: Option<String>,
    /// true: only resources that cannot be scheduled; false: only those that can.
    unschedulable: Option<bool>,
    /// Discover every resource now, store what was seen, then answer.
    refresh: Option<bool>,
}

/// Resources as last seen, by key (`provider:account:region:id`).
#[utoipa::path(get, path = "/api/v1/resources", tag = "resources",
    params(PageQuery, ResourceFilter),
    responses(
        (status = 200, body = Page<ResourceView>),
        (status = 502, description = "A refresh could not reach the cloud", body = ErrorEnvelope),
    ))]
pub(crate) async fn list_resources(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(filter): ApiQuery<ResourceFilter>,
) -> Result<Json<Page<ResourceView>>, ApiError> {
    let query = InventoryQuery {
        provider: filter.provider,
        region: filter.region,
        state: filter.state,
        schedule: filter.schedule,
        tag: filter.tag.map(InventoryQuery::tag_filter),
        unschedulable: filter.unschedulable,
        after: page.after()?,
        limit: page.limit()?,
    };
    if filter.refresh == Some(true) {
        state.engine().refresh_inventory().await?;
    }
    let (items, more) = state.engine().inventory(&query).await?;
    let next_cursor = more
        .then(|| items.last().map(|i| cursor(&i.resource)))
        .flatten();
    Ok(Json(Page {
        items: items.into_iter().map(ResourceView::from).collect(),
        next_cursor,
    }))
}

/// What the scheduler did to a resource and when it ran; `id` is the cloud id or the key.
#[utoipa::path(get, path = "/api/v1/resources/{id}/history", tag = "resources",
    params(("id" = String, Path, description = "cloud id, or provider:account:region:id")),
    responses(
        (status = 200, body = HistoryView),
        (status = 400, description = "The id names resources in several accounts or regions", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ))]
pub(crate) async fn resource_history(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<HistoryView>, ApiError> {
    let store = state.store();
    let key = match remembered_key(store, &id).await? {
        RememberedKey::Found(k) => k,
        RememberedKey::Unknown => {
            return Err(ApiError::not_found(format!(
                "the scheduler has no record of {id:?}"
            )));
        }
        RememberedKey::Ambiguous => {
            return Err(ApiError::invalid(
                "id",
                format!("{id:?} is ambiguous; use provider:account:region:id"),
            ));
        }
    };
    let history = store.history(&key).await?;
    let running = store.running_intervals(&key).await?;
    Ok(Json(HistoryView {
        resource: key,
        history: history.into_iter().map(Into::into).collect(),
        running_intervals: running.into_iter().map(Into::into).collect(),
    }))
}

/// `{"state":"running"|"stopped","until":T}`, or `{"skip_next_stop":true}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideBody {
    /// `running` or `stopped`.
    state: Option<String>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    until: Option<String>,
    /// Keep running through the next scheduled stop, to the start after it.
    #[serde(default)]
    skip_next_stop: bool,
}

impl OverrideBody {
    fn request(self) -> Result<OverrideRequest, ApiError> {
        if self.skip_next_stop {
            if self.state.is_some() || self.until.is_some() {
                return Err(ApiError::invalid(
                    "skip_next_stop",
                    "give skip_next_stop, or state and until, not both",
                ));
            }
            return Ok(OverrideRequest::SkipNextStop);
        }
        let until: jiff::Timestamp = self
            .until
            .as_deref()
            .ok_or_else(|| ApiError::invalid("until", "required (RFC 3339)"))?
            .parse()
            .map_err(|_| ApiError::invalid("until", "not an RFC 3339 instant"))?;
        match self.state.as_deref() {
            Some("running") => Ok(OverrideRequest::RunningUntil(until)),
            Some("stopped") => Ok(OverrideRequest::StoppedUntil(until)),
            other => Err(ApiError::invalid(
                "state",
                format!("{other:?} is not \"running\" or \"stopped\""),
            )),
        }
    }
}

/// Keeps a scheduled resource running or stopped until an instant, whatever its schedule
/// says (admins).
#[utoipa::path(put, path = "/api/v1/resources/{id}/override", tag = "resources",
    params(("id" = String, Path, description = "cloud id, or provider:account:region:id")),
    request_body = OverrideBody,
    responses(
        (status = 200, body = ResourceOverrideView),
        (status = 404, description = "No scheduled resource has that id", body = ErrorEnvelope),
        (status = 502, description = "The resource is not in the inventory and the cloud did not answer", body = ErrorEnvelope),
    ))]
pub(crate) async fn set_override(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<Json<ResourceOverrideView>, ApiError> {
    let request = body.request()?;
    let (item, o) = state
        .engine()
        .set_override(&Actor::user(admin.user()), &id, &request)
        .await?;
    Ok(Json(ResourceOverrideView {
        resource: item.resource,
        override_: o.into(),
    }))
}

/// Clears a resource's override: its schedule decides again (admins).
#[utoipa::path(delete, path = "/api/v1/resources/{id}/override", tag = "resources",
    params(("id" = String, Path, description = "cloud id, or provider:account:region:id")),
    responses(
        (status = 204, description = "Cleared (or there was none)"),
        (status = 404, description = "No scheduled resource has that id", body = ErrorEnvelope),
        (status = 502, description = "The resource is not in the inventory and the cloud did not answer", body = ErrorEnvelope),
    ))]
pub(crate) async fn clear_override(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .engine()
        .clear_override(&Actor::user(admin.user()), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignBody {
    /// The name of a stored schedule.
    schedule: String,
}

/// Makes a resource follow a schedule whatever its tag says, or without a tag (admins).
#[utoipa::path(put, path = "/api/v1/resources/{id}/schedule", tag = "resources",
    params(("id" = String, Path, description = "cloud id, or provider:account:region:id")),
    request_body = AssignBody,
    responses(
        (status = 200, body = AssignmentView),
        (status = 404, description = "No such resource, or no such schedule", body = ErrorEnvelope),
        (status = 502, description = "The resource is not in the inventory and the cloud did not answer", body = ErrorEnvelope),
    ))]
pub(crate) async fn assign_schedule(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<AssignmentView>, ApiError> {
    let name = body.schedule.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("schedule", "required"));
    }
    let resource = state
        .engine()
        .assign_schedule(&Actor::user(admin.user()), &id, Some(name))
        .await?;
    Ok(Json(AssignmentView {
        resource,
        schedule: name.to_owned(),
    }))
}

/// Hands a resource back to its tag (admins).
#[utoipa::path(delete, path = "/api/v1/resources/{id}/schedule", tag = "resources",
    params(("id" = String, Path, description = "cloud id, or provider:account:region:id")),
    responses(
        (status = 204, description = "The tag decides again"),
        (status = 404, body = ErrorEnvelope),
        (status = 502, description = "The resource is not in the inventory and the cloud did not answer", body = ErrorEnvelope),
    ))]
pub(crate) async fn unassign_schedule(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .engine()
        .assign_schedule(&Actor::user(admin.user()), &id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
