//! `/api/v1/audit`: the audit log for admins, newest first.

use crate::body::ApiQuery;
use crate::error::ApiError;
use crate::extract::AdminUser;
use crate::state::AppState;
use crate::views::audit::AuditEntryView;
use crate::views::{Page, PageQuery, cursor};
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// The audit log, newest first (admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageQuery),
    responses((status = 200, body = Page<AuditEntryView>)))]
pub(crate) async fn list_audit(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let limit = page.limit()?;
    let before = match page.after()? {
        None => None,
        Some(id) => Some(
            id.parse::<i64>()
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this server gave out"))?,
        ),
    };
    let mut entries = state.auth().audit_log(limit + 1, before).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = more
        .then(|| entries.last().map(|e| cursor(&e.id.to_string())))
        .flatten();
    Ok(Json(Page {
        items: entries.into_iter().map(AuditEntryView::from).collect(),
        next_cursor,
    }))
}
