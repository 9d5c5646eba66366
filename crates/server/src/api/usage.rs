//! `/api/v1/usage`: running hours, cost and savings over whole days, grouped.

use crate::body::ApiQuery;
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::CurrentUser;
use crate::state::AppState;
use crate::views::usage::UsageView;
use axum::Json;
use axum::extract::State;
use isched_engine::usage::ReportRequest;
use isched_store::usage_rollups::GroupBy;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(usage))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// First day, inclusive (YYYY-MM-DD); default the first of this month.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// `resource`, `owner`, `template`, `schedule` (default), `day`, or `group` (the
    /// owner's groups; an owner in two groups counts in both).
    pub group_by: Option<String>,
    /// The zone days are cut in (IANA name); default the server's `usage_zone`.
    pub zone: Option<String>,
    /// Only this owner's resources (an email). Admins only: users always see their own.
    pub owner: Option<String>,
}

impl UsageQuery {
    /// The report asked for, with the defaults filled in; a bad value names its field.
    pub fn request(self, state: &AppState) -> Result<ReportRequest, ApiError> {
        let zone = match self.zone.as_deref().filter(|z| !z.is_empty()) {
            None => state.engine().usage_settings().zone.clone(),
            Some(z) => TimeZone::get(z)
                .map_err(|_| ApiError::invalid("zone", format!("{z:?} is not a time zone")))?,
        };
        let today = state.now().to_zoned_datetime(zone.clone()).date();
        let group_by = match self.group_by.as_deref() {
            None => GroupBy::Schedule,
            Some(g) => GroupBy::parse(g).ok_or_else(|| {
                ApiError::invalid(
                    "group_by",
                    format!("{g:?} is not one of resource, owner, template, schedule, day, group"),
                )
            })?,
        };
        Ok(ReportRequest {
            first: date("from", self.from.as_deref(), today.first_of_month())?,
            last: date("to", self.to.as_deref(), today)?,
            zone,
            group_by,
            owner: self.owner.filter(|o| !o.is_empty()),
        })
    }
}

fn date(field: &'static str, text: Option<&str>, default: Date) -> Result<Date, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::invalid(field, format!("{t:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// Hours, cost and savings per resource, owner, template, schedule or day (your own
/// resources, or everyone's for admins). Complete days come from daily rollups.
#[utoipa::path(get, path = "/api/v1/usage", tag = "usage",
    params(UsageQuery),
    responses((status = 200, body = UsageView),
        (status = 400, description = "a date, zone or grouping that is not one", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope)))]
pub(crate) async fn usage(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> Result<Json<UsageView>, ApiError> {
    let engine = state.engine();
    let req = q.request(&state)?;
    let report = engine.usage_report(user.user(), req).await?;
    Ok(Json(UsageView::from(&report)))
}
