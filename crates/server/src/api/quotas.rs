//! `/api/v1/quotas`: limits per user and per group (admins set them; users read theirs).

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use crate::views::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use isched_engine::Actor;
use isched_store::quotas::{Limits, Quota, QuotaSubject};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_quotas))
        .routes(routes!(put_quota))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QuotaView {
    /// `user` or `group`.
    pub kind: &'static str,
    /// A user id, or a group name.
    pub subject: String,
    pub max_instances: Option<i64>,
    pub max_vcpus: Option<i64>,
    /// Money per calendar month (UTC), in the templates' currency.
    pub monthly_budget: Option<f64>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<Quota> for QuotaView {
    fn from(q: Quota) -> Self {
        QuotaView {
            kind: q.kind.as_str(),
            subject: q.subject,
            max_instances: q.limits.max_instances,
            max_vcpus: q.limits.max_vcpus,
            monthly_budget: q.limits.monthly_budget,
            updated_at: q.updated_at,
        }
    }
}

/// Each limit; null (or left out) is no limit. All null removes the quota.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[derive(Serialize)]
pub(crate) struct QuotaBody {
    max_instances: Option<i64>,
    max_vcpus: Option<i64>,
    monthly_budget: Option<f64>,
}

/// Every quota (admins), or those that apply to you. A user's own quota wins over their
/// groups'; of several groups, the most generous limit applies.
#[utoipa::path(get, path = "/api/v1/quotas", tag = "instances",
    params(PageQuery),
    responses((status = 200, body = Page<QuotaView>)))]
pub(crate) async fn list_quotas(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<QuotaView>>, ApiError> {
    let quotas = state.engine().quotas(user.user()).await?;
    let views: Vec<QuotaView> = quotas.into_iter().map(QuotaView::from).collect();
    Ok(Json(
        page.page_of(views, |q| format!("{}:{}", q.kind, q.subject))?,
    ))
}

/// Sets the quota of a user (by id) or a group (admins).
#[utoipa::path(put, path = "/api/v1/quotas/{kind}/{id}", tag = "instances",
    params(("kind" = String, Path, description = "`user` or `group`"), ("id" = String, Path, description = "a user id, or a group name")),
    request_body = QuotaBody,
    responses(
        (status = 200, body = QuotaBody),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
pub(crate) async fn put_quota(
    State(state): State<AppState>,
    admin: AdminUser,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<QuotaBody>,
) -> Result<Json<QuotaBody>, ApiError> {
    let kind = QuotaSubject::parse(&kind)
        .ok_or_else(|| ApiError::invalid("kind", format!("{kind:?} is not user or group")))?;
    let limits = Limits {
        max_instances: body.max_instances,
        max_vcpus: body.max_vcpus,
        monthly_budget: body.monthly_budget,
    };
    state
        .engine()
        .put_quota(&Actor::user(admin.user()), kind, &id, limits)
        .await?;
    Ok(Json(body))
}
